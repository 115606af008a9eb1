"""The judge: whether the doctor's diagnosis names the case's condition, decided in code or by a chat model."""
