"""Keeping the processes of a distributed run in step while they play rollouts.

Under ZeRO-3 or FSDP every forward pass gathers weights from all processes, so every process must make the same
number of ``generate`` calls, and each call must go on until every process's rows have finished. Episodes end after
different numbers of turns on different processes, so a plain loop (one call per turn while this process has live
episodes) would leave a process waiting forever for peers that have stopped. ``Lockstep`` asks all processes each
turn how many calls the turn needs; a process with fewer calls to make (or none) makes idle ones, and every call is
made with ``synced_gpus`` so its decoding loop runs as long as the longest peer's.

With one process (or no ``torch.distributed``) ``rank_lockstep()`` returns None and nothing changes.
"""

from __future__ import annotations

from typing import Any


class Lockstep:
    """The calls-per-turn agreement between the processes of an initialised ``torch.distributed`` group."""

    def __init__(self, device: Any = None):
        import torch
        import torch.distributed as dist

        self._torch, self._dist = torch, dist
        self.device = device
        self.idle_calls = 0
        """``generate`` calls made only to keep step with peers (over this object's life)."""
        self.synced = True
        """Whether each ``generate`` call decodes until every process is done (``synced_gpus``)."""

    def most(self, here: int) -> int:
        """The largest of the processes' values (every process calls this at the same point)."""
        value = self._torch.tensor([here], dtype=self._torch.long, device=self.device)
        self._dist.all_reduce(value, op=self._dist.ReduceOp.MAX)
        return int(value.item())

    def calls(self, needed_here: int) -> int:
        """The number of ``generate`` calls every process makes this turn: the most any process needs."""
        return self.most(needed_here)


def rank_lockstep(device: Any = None) -> Lockstep | None:
    """A ``Lockstep`` when this process is one of several in a ``torch.distributed`` group, else None."""
    try:
        import torch.distributed as dist
    except ImportError:
        return None
    if not (dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
        return None
    return Lockstep(device)
