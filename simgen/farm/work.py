"""One shard's work, the same in-process and in a Ray actor: render its scenes, write the shard.

A scene that raises does not stop the shard: the rest are still rendered so that every failing
scene is known, but a shard with a failure is never committed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from simgen.core import interrupts
from simgen.core.errors import one_line
from simgen.farm.faults import FaultPlan
from simgen.job import JobSpec
from simgen.pipeline import SceneWorker
from simgen.store.shards import Shard, ShardWriter

# on_scene(shard name, frames, stage timings in seconds) after each scene that succeeded.
SceneCallback = Callable[[str, int, dict], None]


@dataclass
class ShardReport:
    """The outcome of one attempt at a shard: failed is [(scene index, one-line error)]."""

    shard: Shard
    frames: int = 0
    annotations: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)


def render_shard(worker: SceneWorker, job: JobSpec, shard: Shard, shards_dir: Path, config_hash: str,
                 attempt: int, faults: FaultPlan, on_scene: SceneCallback) -> ShardReport:
    """Render ``shard`` with ``worker`` and commit it under ``shards_dir`` unless a scene failed."""
    report = ShardReport(shard)
    out = ShardWriter(shards_dir, shard)
    try:
        for scene_index in shard.scenes:
            try:
                faults.check(scene_index, attempt)
                result = worker.run(scene_index)
            except Exception as exc:  # reported by scene index; the shard is retried or reported
                report.failed.append((scene_index, one_line(exc)))
                continue
            finally:
                # A Ctrl-C that a library swallowed (trimesh around an optional import) may have
                # changed what it returned: the scene is not kept, the job stops here.
                interrupts.check()
            t0 = time.perf_counter()
            if not report.failed:
                for rel, data in result.files.items():
                    out.add_file(rel, data)
                for frame in result.frames:
                    for rel, data in frame.files.items():
                        out.add_file(rel, data)
                    for rel, source in frame.links.items():
                        out.add_link(rel, source)
                    out.add_records(frame.image, frame.annotations)
            on_scene(shard.name, len(result.frames), {**result.timings, "write": time.perf_counter() - t0})
        if report.failed:
            out.abort()
            return report
        report.frames, report.annotations = len(out.images), len(out.annotations)
        out.commit(config_hash, job.seed)
    except BaseException:
        out.abort()
        raise
    return report
