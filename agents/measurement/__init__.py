"""The measurement reader: answers the doctor's test requests from the case's exam and test record, by a
deterministic lookup (``lookup.py``) or a chat model (``llm_reader.py``)."""
