"""Shards run one after another in this process (``farm.workers=1``): no Ray, one worker.

The worker is not recycled here: re-creating an EGL renderer in one process is fragile, and a
one-process run is the small case (``farm.scenes_per_worker`` applies to Ray workers).
"""

from __future__ import annotations

from pathlib import Path

from simgen.core.errors import one_line
from simgen.farm.faults import FaultPlan
from simgen.farm.schedule import Schedule
from simgen.farm.work import render_shard
from simgen.job import JobSpec
from simgen.pipeline import SceneWorker


def run_in_process(job: JobSpec, shards_dir: Path, config_hash: str, faults: FaultPlan, schedule: Schedule) -> int:
    """Run every shard of ``schedule``; returns the number of workers used (1)."""
    worker = SceneWorker(job)
    try:
        while (item := schedule.next()) is not None:
            shard, attempt = item
            try:
                report = render_shard(worker, job, shard, shards_dir, config_hash, attempt, faults,
                                      schedule.progress.scene_done)
            except Exception as exc:  # a shard-level failure (disk full...): retried like a scene's
                schedule.settle(shard, attempt, error=one_line(exc))
            else:
                schedule.settle(shard, attempt, report)
    finally:
        worker.close()
    return 1
