"""Splits by scene: sizes within one scene of the fractions for every prefix of the job, every
scene in exactly one split, a function of (fractions, seed, scene index) alone."""

from __future__ import annotations

import numpy as np
import pytest

from simgen.core.seeding import scene_rng, splits_rng
from simgen.core.splits import SPLITS, assign, split_of, split_sizes

FRACTIONS = {"train": 0.8, "val": 0.1, "test": 0.1}


@pytest.mark.parametrize("scenes", [1, 2, 3, 7, 10, 11, 99, 1000])
@pytest.mark.parametrize("fractions", [FRACTIONS, {"train": 0.7, "val": 0.3, "test": 0.0}, {"train": 1 / 3, "val": 1 / 3, "test": 1 / 3}])
def test_sizes_within_one_scene_of_the_fractions(scenes, fractions):
    sizes = split_sizes(fractions, scenes, seed=5)
    assert sum(sizes.values()) == scenes
    for name, share in fractions.items():
        assert abs(sizes[name] - share * scenes) < 1.0
    got = assign(fractions, scenes, seed=5)
    assert len(got) == scenes  # one split per scene: no scene in two
    assert {n: int((got == SPLITS.index(n)).sum()) for n in sizes} == sizes
    for n in range(1, scenes + 1):  # every prefix too: a job grown to ``scenes`` passed through them
        for k, name in enumerate(SPLITS):
            assert abs(int((got[:n] == k).sum()) - fractions.get(name, 0.0) / sum(fractions.values()) * n) < 1.0


def test_a_grown_job_keeps_the_splits_of_its_scenes():
    assert np.array_equal(assign(FRACTIONS, 1000, seed=9)[:37], assign(FRACTIONS, 37, seed=9))


def test_deterministic_and_seeded():
    a = assign(FRACTIONS, 200, seed=3)
    assert np.array_equal(a, assign(dict(reversed(list(FRACTIONS.items()))), 200, seed=3))  # key order does not matter
    assert not np.array_equal(a, assign(FRACTIONS, 200, seed=4))
    assert [split_of(FRACTIONS, 200, 3, i) for i in range(200)] == [SPLITS[k] for k in a]


def test_the_split_stream_is_not_a_scene_stream():
    """Splits never consume or alias what a scene draws."""
    assert splits_rng(0, 0).random() not in {scene_rng(0, i).random() for i in range(1000)}
