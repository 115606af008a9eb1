"""The patient: answers the doctor's questions from the case's patient facts, by retrieval over the chart in the
patient's own voice (``retrieval.py``, ``voice.py``) or by a chat model (``llm_patient.py``)."""
