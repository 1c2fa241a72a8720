"""Train/val/test splits, assigned by scene (never by frame: the views and time steps of one
scene are near-duplicates, so a scene's images all go to one split).

The assignment is a function of (fractions, number of scenes, seed): split sizes are the
fractions of the scene count rounded by largest remainder (so each is within one scene of its
fraction), and which scenes go where is a permutation drawn from the job's splits stream.
Workers and shards only look it up, so it is the same whatever the farm does.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from simgen.seeding import splits_rng

SPLITS = ("train", "val", "test")


def split_sizes(fractions: dict[str, float], scenes: int) -> dict[str, int]:
    """Scenes per split (sum = ``scenes``): floor of each share, the rest to the largest remainders."""
    total = sum(fractions.values())
    exact = {name: scenes * f / total for name, f in fractions.items()}
    sizes = {name: int(np.floor(v)) for name, v in exact.items()}
    left = scenes - sum(sizes.values())
    for name in sorted(exact, key=lambda n: (sizes[n] - exact[n], SPLITS.index(n)))[:left]:
        sizes[name] += 1
    return sizes


@lru_cache(maxsize=4)
def _assignment(fractions: tuple[tuple[str, float], ...], scenes: int, seed: int) -> np.ndarray:
    sizes = split_sizes(dict(fractions), scenes)
    order = splits_rng(seed).permutation(scenes)
    out = np.zeros(scenes, np.uint8)
    start = 0
    for name in SPLITS:
        n = sizes.get(name, 0)
        out[order[start:start + n]] = SPLITS.index(name)
        start += n
    return out


def assign(fractions: dict[str, float], scenes: int, seed: int) -> np.ndarray:
    """(scenes,) uint8 index into :data:`SPLITS` of each scene's split."""
    return _assignment(tuple(sorted(fractions.items())), int(scenes), int(seed))


def split_of(fractions: dict[str, float], scenes: int, seed: int, scene_index: int) -> str:
    return SPLITS[int(assign(fractions, scenes, seed)[scene_index])]
