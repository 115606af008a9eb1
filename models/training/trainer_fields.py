"""Which of our training settings are also TRL's, declared on the field, and the TRL arguments they give.

A field that TRL's ``SFTConfig`` / ``GRPOConfig`` (``transformers.TrainingArguments``) takes as it is carries
``json_schema_extra=trl("its TRL name")``; ``declared_trainer_arguments(settings)`` reads the declarations and
returns those arguments, so no trainer copies them field by field. A subclass that changes a field's default
keeps the base's declaration. Arguments that are not one of our fields (bf16 on a GPU, the warm-up, where logs
go) are computed where the trainer is configured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

TRL_KEY = "trl"


def trl(name: str) -> dict[str, Any]:
    """The ``json_schema_extra`` declaring that a field is TRL's argument ``name``."""
    return {TRL_KEY: name}


def trl_name(model: type[BaseModel], field: str) -> str | None:
    """The TRL argument ``field`` is declared as, by ``model`` or the nearest base that declares it."""
    for owner in model.__mro__:
        fields = getattr(owner, "__pydantic_fields__", None)
        if not fields or field not in fields:
            continue
        extra = fields[field].json_schema_extra
        if isinstance(extra, dict) and isinstance(extra.get(TRL_KEY), str):
            return str(extra[TRL_KEY])
    return None


def declared_trainer_arguments(settings: BaseModel) -> dict[str, Any]:
    """TRL's arguments from the fields of ``settings`` that declare one (a path as text, as TRL takes it)."""
    arguments: dict[str, Any] = {}
    for field in type(settings).model_fields:
        name = trl_name(type(settings), field)
        if name is not None:
            value = getattr(settings, field)
            arguments[name] = str(value) if isinstance(value, Path) else value
    return arguments
