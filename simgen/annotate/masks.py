"""Per-instance facts read off an id map at once: pixel counts, tight boxes, RLE masks."""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils
from scipy import ndimage


def instance_stats(ids: np.ndarray) -> tuple[np.ndarray, list]:
    """Pixel count per id (index = id) and the tight slice pair per id (None where absent)."""
    counts = np.bincount(ids.ravel(), minlength=int(ids.max()) + 1)
    slices = ndimage.find_objects(ids)  # slices[k] is for label k + 1
    return counts, [None, *slices]


def slices_to_bbox(sl) -> list[float]:
    """COCO ``[x, y, w, h]`` of a (rows, cols) slice pair: whole-pixel edges."""
    rows, cols = sl
    return [float(cols.start), float(rows.start), float(cols.stop - cols.start), float(rows.stop - rows.start)]


def mask_bbox(mask: np.ndarray) -> list[float] | None:
    """Tight COCO box of a boolean mask, or None if it is empty."""
    rows, cols = np.any(mask, axis=1), np.any(mask, axis=0)
    if not rows.any():
        return None
    y0, y1 = np.flatnonzero(rows)[[0, -1]]
    x0, x1 = np.flatnonzero(cols)[[0, -1]]
    return [float(x0), float(y0), float(x1 - x0 + 1), float(y1 - y0 + 1)]


def encode_rle(mask: np.ndarray) -> dict:
    """COCO compressed RLE of a boolean (H, W) mask, ``counts`` as str for JSON."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle["counts"] = rle["counts"].decode("ascii")
    return rle


def decode_rle(rle: dict) -> np.ndarray:
    """Boolean (H, W) mask of a COCO RLE whose ``counts`` may be str or bytes."""
    r = dict(rle)
    if isinstance(r["counts"], str):
        r["counts"] = r["counts"].encode("ascii")
    return mask_utils.decode(r).astype(bool)
