"""The one-pass mask code (simgen.annotate.masks.IdRuns) against pycocotools on random id maps:
every object's RLE must be byte for byte what ``mask.encode`` writes for ``ids == iid``, and its
counts, boxes and depth spans what the whole-image comparison gives."""

from __future__ import annotations

import numpy as np
import pytest

from simgen.annotate.masks import IdRuns, box_mask_rle, encode_rle, instance_stats


def _id_maps(seed: int, n: int):
    """Random (H, W) int32 id maps: noise, blocks, and shapes touching the image's edges."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        H, W = (int(v) for v in rng.integers(1, 48, 2))
        k = int(rng.integers(1, 8))
        style = rng.integers(0, 3)
        if style == 0:
            ids = rng.integers(0, k, (H, W))
        elif style == 1:
            b = int(rng.integers(2, 9))
            ids = np.repeat(np.repeat(rng.integers(0, k, (H // b + 1, W // b + 1)), b, 0), b, 1)[:H, :W]
        else:
            ids = np.zeros((H, W), int)
            for iid in range(1, k + 1):
                y0, x0 = rng.integers(0, H), rng.integers(0, W)
                ids[y0:y0 + rng.integers(1, H + 1), x0:x0 + rng.integers(1, W + 1)] = iid
        yield ids.astype(np.int32), rng.random((H, W)).astype(np.float32)


def _edge_maps():
    yield np.zeros((5, 7), np.int32)  # background only
    yield np.full((5, 7), 3, np.int32)  # one object over the whole image
    yield np.arange(12, dtype=np.int32).reshape(1, 12)  # one row
    yield np.arange(12, dtype=np.int32).reshape(12, 1)  # one column
    big = np.zeros((480, 640), np.int32)  # long runs: counts over several 5-bit groups
    big[10:470, 3:600] = 1
    big[200:479, 590:640] = 2
    yield big


@pytest.mark.parametrize("seed", range(4))
def test_rle_area_depth_match_pycocotools(seed):
    for ids, depth in _id_maps(seed, 150):
        runs = IdRuns(ids)
        spans = runs.depth_ranges(depth)
        for iid in range(int(ids.max()) + 2):  # one absent id: an empty mask
            mask = ids == iid
            assert runs.rle(iid) == encode_rle(mask)
            assert runs.area(iid) == int(mask.sum())
            if mask.any():
                assert spans[iid] == (float(depth[mask].min()), float(depth[mask].max()))


def test_edge_cases_match_pycocotools():
    for ids in _edge_maps():
        runs = IdRuns(ids)
        for iid in range(int(ids.max()) + 2):
            assert runs.rle(iid) == encode_rle(ids == iid)
        counts, slices = runs.stats()
        ref_counts, ref_slices = instance_stats(ids)
        assert np.array_equal(counts, ref_counts) and slices == ref_slices


@pytest.mark.parametrize("seed", range(4))
def test_stats_match_whole_image(seed):
    for ids, _ in _id_maps(100 + seed, 150):
        counts, slices = IdRuns(ids).stats()
        ref_counts, ref_slices = instance_stats(ids)
        assert np.array_equal(counts, ref_counts)
        assert slices == ref_slices


@pytest.mark.parametrize("seed", range(2))
def test_box_mask_rle_matches_pycocotools(seed):
    """An amodal mask read inside its box (or any box holding it) encodes as the whole image."""
    rng = np.random.default_rng(200 + seed)
    for ids, _ in _id_maps(200 + seed, 150):
        H, W = ids.shape
        for iid in range(1, int(ids.max()) + 1):
            mask = ids == iid
            if not mask.any():
                continue
            rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
            y0, x0 = int(rng.integers(0, rows[0] + 1)), int(rng.integers(0, cols[0] + 1))
            y1, x1 = int(rng.integers(rows[-1] + 1, H + 1)), int(rng.integers(cols[-1] + 1, W + 1))
            assert box_mask_rle(mask[y0:y1, x0:x1], x0, y0, H, W) == encode_rle(mask)
