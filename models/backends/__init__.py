"""Chat backends: one small async interface every role's model sits behind.

This package is a leaf: it imports nothing from the rest of the project.
"""

from models.backends.base import (
    BackendError,
    ChatBackend,
    Completion,
    GenerationConfig,
    Message,
    Usage,
)
from models.backends.scripted import ScriptedBackend

__all__ = ["BackendError", "ChatBackend", "Completion", "GenerationConfig", "Message", "ScriptedBackend", "Usage"]
