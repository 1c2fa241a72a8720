"""Cutting a job into shards, and shards into slices (one per SLURM array task).

Both cuts depend only on the scene count and the recorded shard size, so every run, slice and
resume of a job agrees on them without talking to the others.
"""

from __future__ import annotations

from simgen.export.shards import Shard


def plan_shards(scene_count: int, scenes_per_shard: int) -> list[Shard]:
    """Consecutive runs of ``scenes_per_shard`` scenes (the last may be shorter)."""
    return [Shard(first, min(first + scenes_per_shard, scene_count))
            for first in range(0, scene_count, scenes_per_shard)]


def slice_shards(shards: list[Shard], num_slices: int, index: int) -> list[Shard]:
    """Slice ``index`` of ``num_slices``: every ``num_slices``-th shard, so slices get equal
    shares of early and late scenes."""
    return shards[index::num_slices]
