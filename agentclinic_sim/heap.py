"""Keeping Python's cycle collector off the objects a run builds once and keeps until it ends.

Before its first episode a run loads its cases, the judge's vocabulary (MeSH and the lexicon: a few hundred
thousand objects) and its backends. Each full pass of the cycle collector walks every one of them, and the
many small objects each consultation step makes (the graph's tasks, configs and writes) start passes
often: in ``benchmarks/graph_step.py`` those passes more than doubled the CPU a run spends per turn, enough
to slow a 16-episode run on a 50 ms server by a fifth. ``frozen_setup`` moves what exists at the start of a
run into the collector's permanent generation for the run's length (``gc.freeze``): objects made later are
collected as before, and those frozen are freed as usual when nothing refers to them any more, except in
reference cycles, which wait until the run ends and the freeze is lifted.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_setup() -> Iterator[None]:
    """Freeze the objects alive now for the length of the ``with`` block, then hand them back to the collector."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
