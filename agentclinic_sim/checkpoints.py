"""Durable episodes: the consultation graph's checkpoints in ``OUT/checkpoints.sqlite``, one thread per
(case, sample), pruned as soon as the episode's record is in the transcript.

``LoopSqliteSaver`` is langgraph-checkpoint-sqlite's ``SqliteSaver`` with its async methods answered
inline on the event loop. With the journal in WAL mode and ``synchronous=NORMAL`` a commit is a write to
the OS, not an fsync, so it costs tens of microseconds: less than the two thread hops per call of the
aiosqlite-based ``AsyncSqliteSaver``, and the graph writes a checkpoint after every node. A committed
checkpoint survives the process being killed (it is in the WAL file); only a power cut can lose the
last few, which costs a repeated call, never a corrupt database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.sqlite import SqliteSaver

CHECKPOINTS = "checkpoints.sqlite"
SIDE_FILES = ("-wal", "-shm", "-journal")


def thread_id(case_id: str, sample: int) -> str:
    """The checkpoint thread of one episode."""
    return f"{case_id}#{sample}"


def thread_config(case_id: str, sample: int) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id(case_id, sample)}}


class LoopSqliteSaver(SqliteSaver):
    """``SqliteSaver`` usable from async code (``ainvoke`` / ``astream``) without a thread per call.

    A node's ordinary writes are not stored: the consultation graph runs one node per step, so the
    checkpoint that follows a node a moment later (no call to a model happens in between) holds its
    writes already applied, and a kill before that checkpoint loses the node either way. Writes that
    carry an interrupt, a resume value or an error are stored and committed at once, since no
    checkpoint may follow them."""

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.get_tuple(config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        for item in self.list(config, filter=filter, before=before, limit=limit):
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self.put(config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        if any(channel in WRITES_IDX_MAP for channel, _ in writes):
            self.put_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        self.delete_thread(thread_id)

    def thread_ids(self) -> set[str]:
        """Every thread that still has a checkpoint (an episode started and not yet written)."""
        with self.cursor(transaction=False) as cursor:
            return {row[0] for row in cursor.execute("SELECT DISTINCT thread_id FROM checkpoints")}


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the checkpoint database, in WAL mode with commits that do not wait on the disk."""
    connection = sqlite3.connect(path, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


class CheckpointError(Exception):
    """The checkpoint database cannot be opened (not SQLite, or damaged)."""


class CheckpointStore:
    """``OUT/checkpoints.sqlite``, open for one run. ``close(remove_if_empty=True)`` deletes the file once
    no episode is left in it, so a finished run leaves no database behind."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.connection = connect(path)
            self.saver = LoopSqliteSaver(self.connection)
            self.saver.setup()
        except sqlite3.DatabaseError as exc:
            raise CheckpointError(
                f"{path} is not a readable checkpoint database ({exc}); delete it to play its unfinished "
                "episodes from their first turn"
            ) from None

    async def prune(self, case_id: str, sample: int) -> None:
        """Forget a finished episode's checkpoints (its record is in the transcript)."""
        await self.saver.adelete_thread(thread_id(case_id, sample))

    def threads(self) -> set[str]:
        return self.saver.thread_ids()

    def close(self, *, remove_if_empty: bool = True) -> None:
        empty = not self.threads()
        self.connection.commit()
        self.connection.close()
        if empty and remove_if_empty:
            remove_database(self.path)


def remove_database(path: Path) -> None:
    for file in (path, *(path.with_name(path.name + suffix) for suffix in SIDE_FILES)):
        file.unlink(missing_ok=True)


def unfinished_threads(path: Path) -> set[str]:
    """Threads with checkpoints in the database at ``path`` (empty when there is no database)."""
    if not path.is_file():
        return set()
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            return {row[0] for row in connection.execute("SELECT DISTINCT thread_id FROM checkpoints")}
    except sqlite3.Error:
        return set()
