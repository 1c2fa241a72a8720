"""Train/val/test splits, assigned by scene (never by frame: the views and time steps of one
scene are near-duplicates, so a scene's images all go to one split).

Scenes are dealt in index order, each to the split furthest behind its share (the largest
``fraction * (i + 1) - scenes so far``), ties broken by a draw from the job's splits stream for
that scene. So every prefix of the job, the whole job included, has each split within one
scene of its fraction, and scene ``i``'s split depends on (fractions, seed, i) alone: a job
that grows (more ``frames``) keeps the splits of the scenes it had. Workers and shards only
look it up, so it is the same whatever the farm does.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from simgen.core.seeding import splits_rng

SPLITS = ("train", "val", "test")
_TIE = 1e-9


@lru_cache(maxsize=8)
def _assignment(fractions: tuple[tuple[str, float], ...], scenes: int, seed: int) -> np.ndarray:
    shares = dict(fractions)
    total = sum(shares.values())
    f = np.array([shares.get(name, 0.0) / total for name in SPLITS])
    counts = np.zeros(len(SPLITS))
    out = np.zeros(scenes, np.uint8)
    for i in range(scenes):
        behind = f * (i + 1) - counts
        best = np.flatnonzero((behind >= behind.max() - _TIE) & (f > 0))
        k = int(best[0] if len(best) == 1 else best[splits_rng(seed, i).integers(len(best))])
        out[i] = k
        counts[k] += 1
    return out


def assign(fractions: dict[str, float], scenes: int, seed: int) -> np.ndarray:
    """(scenes,) uint8 index into :data:`SPLITS` of each of the first ``scenes`` scenes' split."""
    return _assignment(tuple(sorted(fractions.items())), int(scenes), int(seed))


def split_sizes(fractions: dict[str, float], scenes: int, seed: int) -> dict[str, int]:
    """Scenes per split of a job of ``scenes`` scenes (sum = ``scenes``)."""
    got = assign(fractions, scenes, seed)
    return {name: int((got == k).sum()) for k, name in enumerate(SPLITS) if name in fractions}


def split_of(fractions: dict[str, float], scenes: int, seed: int, scene_index: int) -> str:
    """The split of scene ``scene_index`` (``scenes``: the job's scene count; only an upper bound)."""
    return SPLITS[int(assign(fractions, max(int(scenes), scene_index + 1), seed)[scene_index])]
