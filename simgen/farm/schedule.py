"""Which shard attempt runs next, and what became of each: retried up to ``max_retries`` times
(at the back of the queue, so other shards go on first), then reported."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from simgen.farm.progress import Progress
from simgen.farm.work import ShardReport
from simgen.store.shards import Shard


@dataclass
class ShardFailure:
    """A shard given up on: the scenes that raised in its last attempt, or the error that
    ended the attempt as a whole (a worker that died, a full disk)."""

    shard: Shard
    attempts: int
    scenes: list[tuple[int, str]] = field(default_factory=list)
    error: str = ""


class Schedule:
    def __init__(self, shards: list[Shard], max_retries: int, progress: Progress) -> None:
        self._queue = deque((shard, 0) for shard in shards)
        self.max_retries = max_retries
        self.progress = progress
        self.reports: list[ShardReport] = []
        self.failures: list[ShardFailure] = []

    @property
    def waiting(self) -> int:
        """Shard attempts still queued."""
        return len(self._queue)

    def next(self) -> tuple[Shard, int] | None:
        """(shard, attempt index) to run next, or None when the queue is empty."""
        return self._queue.popleft() if self._queue else None

    def settle(self, shard: Shard, attempt: int, report: ShardReport | None = None, error: str = "") -> None:
        """Record how an attempt ended: a committed report, or failed scenes / an error."""
        if report is not None and not report.failed and not error:
            self.progress.shard_done(shard.name)
            self.reports.append(report)
            return
        self.progress.shard_failed(shard.name)
        if attempt < self.max_retries:
            self._queue.append((shard, attempt + 1))
        else:
            self.failures.append(ShardFailure(shard, attempt + 1, report.failed if report else [], error))
