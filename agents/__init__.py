"""The people in the room: patient, measurement reader, moderator and doctor, each deterministic or LLM-driven."""
