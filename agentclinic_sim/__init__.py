"""The clinic: turns cases and role agents into consultations (transition core, LangGraph graph, Gymnasium env)."""
