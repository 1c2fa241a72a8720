"""Cutting a job into shards, and shards into slices (one per SLURM array task).

Both cuts depend only on the scene count and the recorded shard size, so every run, slice and
resume of a job agrees on them without talking to the others.
"""

from __future__ import annotations

import math

from simgen.store.shards import Shard

MAX_AUTO_SHARD = 16  # scenes: what a lost shard may cost at most when the size is chosen here
SHARDS_PER_WORKER = 4  # so the last shards to finish leave workers idle for a quarter of a share


def auto_shard_size(scene_count: int, workers: int, num_slices: int) -> int:
    """``farm.scenes_per_shard=0``: enough shards that every worker (of every slice) gets about
    four, so a small job keeps all cores busy to the end; at most 16 scenes each."""
    parts = SHARDS_PER_WORKER * max(1, workers) * max(1, num_slices)
    return max(1, min(MAX_AUTO_SHARD, math.ceil(scene_count / parts)))


def plan_shards(scene_count: int, scenes_per_shard: int) -> list[Shard]:
    """Consecutive runs of ``scenes_per_shard`` scenes (the last may be shorter)."""
    return [Shard(first, min(first + scenes_per_shard, scene_count))
            for first in range(0, scene_count, scenes_per_shard)]


def slice_shards(shards: list[Shard], num_slices: int, index: int) -> list[Shard]:
    """Slice ``index`` of ``num_slices``: every ``num_slices``-th shard, so slices get equal
    shares of early and late scenes."""
    return shards[index::num_slices]
