"""Keeping Python's cycle collector off the objects a run builds once and keeps until it ends.

Before its first episode a run loads its cases, the judge's vocabulary (MeSH and the lexicon: a few hundred
thousand objects) and its backends. Each full pass of the cycle collector walks every one of them, and the
many small objects each consultation step makes (the graph's tasks, configs and writes) start passes
often: in ``benchmarks/graph_step.py`` those passes more than doubled the CPU a run spends per turn, enough
to slow a 16-episode run on a 50 ms server by a fifth. ``frozen_setup`` moves what exists at the start of a
run into the collector's permanent generation for the run's length (``gc.freeze``): objects made later are
collected as before, and those frozen are freed as usual when nothing refers to them any more, except in
reference cycles, which wait until the run ends and the freeze is lifted.

Before that, a process spends a second or more importing its libraries (LangGraph, the OpenAI SDK) and
building a run: hundreds of thousands of objects that live as long as the process, over which every full
collector pass finds nothing. ``startup_without_collector`` keeps the collector off while they are made (the
imports of a run took 1.5 s instead of 1.8 s when timed by hand on the 2-core machine) and then freezes them,
until a run's ``frozen_setup`` hands everything back to the collector when the run ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def startup_without_collector() -> Iterator[None]:
    """No cycle collection while the ``with`` block imports and builds what lives until the process ends; on
    leaving it, what exists is moved to the permanent generation, where no collector pass walks it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


@contextmanager
def frozen_setup() -> Iterator[None]:
    """Freeze the objects alive now for the length of the ``with`` block, then hand them back to the collector.

    No collection first: a full pass over the setup cost a run 0.05 to 0.1 s of its wall time, to free the
    little garbage its setup leaves, which the collector takes when the freeze is lifted."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
