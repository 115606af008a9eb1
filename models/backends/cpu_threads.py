"""How many CPU threads torch uses for a local model served on the CPU.

A small model (the shipped 1.4M-parameter tiny doctor, say) gains nothing from a second thread: each of its
matrix products is too small to split, and torch's threads then spin against each other. Beside another busy
process, two threads made the offline default run about four times slower than one (114 s against 28 s, as
issue 21 reports; 25-27 s against 19-23 s beside ``benchmarks/startup.py``'s lighter busy loop). So a model
under ``SMALL_MODEL_PARAMETERS`` served on the CPU runs torch with one thread. A larger model (Gemma 3 270M and
up) keeps torch's default. Where the user chose a thread count (``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS``),
that choice stands.
"""

from __future__ import annotations

import os
from typing import Any

SMALL_MODEL_PARAMETERS = 20_000_000
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")

_default_threads: int | None = None
_largest_on_cpu = 0


def parameter_count(model: Any) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def choose_cpu_threads(model: Any) -> int | None:
    """Set torch's thread count for ``model`` when it runs on the CPU; the count set, or None when left alone.

    With several models in one process, the largest on the CPU decides: one small model does not slow a
    large one loaded beside it."""
    global _default_threads, _largest_on_cpu
    import torch

    if any(os.environ.get(name) for name in THREAD_ENV):
        return None
    device = getattr(model, "device", None)
    if device is None or getattr(device, "type", str(device)) != "cpu":
        return None
    if _default_threads is None:
        _default_threads = torch.get_num_threads()
    _largest_on_cpu = max(_largest_on_cpu, parameter_count(model))
    threads = 1 if _largest_on_cpu < SMALL_MODEL_PARAMETERS else _default_threads
    torch.set_num_threads(threads)
    return threads
