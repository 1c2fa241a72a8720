"""Per-instance facts read off an id map at once: pixel counts, tight boxes, RLE masks.

COCO's compressed RLE is a run-length code of a mask in column-major (Fortran) order. An id map
read once in that order gives the runs of every instance together (:class:`IdRuns`), so a view's
masks cost one pass over the map, not a full-image comparison and encode per object. The
run lengths go to pycocotools' own string coder (``frPyObjects`` on uncompressed RLE), so
``counts`` are the bytes ``mask.encode`` would write.
"""

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


def rle_from_runs(starts: np.ndarray, ends: np.ndarray, height: int, width: int) -> dict:
    """COCO compressed RLE (``counts`` str) of the mask that is 1 on the column-major pixel
    ranges [starts[k], ends[k]) (ascending, disjoint, not touching) of an (height, width) image."""
    n = height * width
    edges = np.empty(2 * len(starts) + 2, np.int64)
    edges[0], edges[-1] = 0, n
    edges[1:-1:2], edges[2:-1:2] = starts, ends
    counts = np.diff(edges)
    if len(starts) and ends[-1] == n:
        counts = counts[:-1]  # a mask ending in ones ends on its last run, as pycocotools counts
    rle = mask_utils.frPyObjects({"size": [height, width], "counts": counts.astype(np.uint32)}, height, width)
    rle["counts"] = rle["counts"].decode("ascii")
    return rle


class IdRuns:
    """The runs of equal ids of an (H, W) integer id map in column-major order, grouped by id.

    One pass over the map; then each instance's RLE, pixel count and depth span cost only its
    own runs (about twice the columns it spans).
    """

    def __init__(self, ids: np.ndarray) -> None:
        self.height, self.width = ids.shape
        flat = ids.T.ravel()  # column-major, as COCO's RLE reads a mask
        change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
        self.starts = np.concatenate(([0], change)).astype(np.int64)
        self.ends = np.concatenate((change, [flat.size])).astype(np.int64)
        values = flat[self.starts]
        self._order = np.argsort(values, kind="stable")  # by id, then by position
        sorted_values = values[self._order]
        first = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
        last = np.r_[first[1:], len(sorted_values)]
        self._first, self._values = first, sorted_values[first]
        self._groups = {int(v): (int(a), int(b)) for v, a, b in zip(self._values, first, last, strict=True)}

    def stats(self) -> tuple[np.ndarray, list]:
        """What :func:`instance_stats` gives, from the runs: pixel count per id (index = id) and
        the tight (rows, cols) slice pair per id (None where absent)."""
        H = self.height
        starts, last = self.starts[self._order], self.ends[self._order] - 1
        col0, col1 = starts // H, last // H
        wraps = col0 != col1  # a run over a column's end covers rows 0 and H - 1 between them
        row0 = np.where(wraps, 0, starts % H)
        row1 = np.where(wraps, H - 1, last % H)
        area = np.add.reduceat(last + 1 - starts, self._first)
        r0, r1 = np.minimum.reduceat(row0, self._first), np.maximum.reduceat(row1, self._first)
        c0, c1 = np.minimum.reduceat(col0, self._first), np.maximum.reduceat(col1, self._first)
        top = int(self._values[-1])
        counts = np.zeros(top + 1, np.int64)
        counts[self._values] = area
        slices: list = [None] * (top + 1)
        for k, v in enumerate(self._values.tolist()):
            if v > 0:
                slices[v] = (slice(int(r0[k]), int(r1[k]) + 1), slice(int(c0[k]), int(c1[k]) + 1))
        return counts, slices

    def _runs(self, iid: int) -> np.ndarray:
        lo, hi = self._groups.get(int(iid), (0, 0))
        return self._order[lo:hi]

    def area(self, iid: int) -> int:
        """Pixels showing ``iid``."""
        k = self._runs(iid)
        return int((self.ends[k] - self.starts[k]).sum())

    def rle(self, iid: int) -> dict:
        """COCO compressed RLE of ``ids == iid``, byte for byte what :func:`encode_rle` gives."""
        k = self._runs(iid)
        return rle_from_runs(self.starts[k], self.ends[k], self.height, self.width)

    def depth_ranges(self, depth: np.ndarray) -> dict[int, tuple[float, float]]:
        """Per id present, (min, max) of ``depth`` (H, W) over its pixels."""
        flat = depth.T.ravel()
        run_min = np.minimum.reduceat(flat, self.starts)[self._order]
        run_max = np.maximum.reduceat(flat, self.starts)[self._order]
        out = {}
        for iid, (lo, hi) in self._groups.items():
            out[iid] = (float(run_min[lo:hi].min()), float(run_max[lo:hi].max()))
        return out


def box_mask_rle(mask: np.ndarray, x0: int, y0: int, height: int, width: int) -> dict:
    """COCO compressed RLE (``counts`` str) of an (height, width) mask that is zero outside the
    box whose top-left pixel is (x0, y0) and equals ``mask`` (h, w) bool inside it: a cost of
    the box, not the image."""
    h, w = mask.shape
    padded = np.zeros((w, h + 2), np.int8)  # one column per row, a zero either end: runs stay in a column
    padded[:, 1:-1] = mask.T
    step = np.diff(padded, axis=1)  # +1 where a run starts, -1 one past its end
    col_s, row_s = np.nonzero(step == 1)
    col_e, row_e = np.nonzero(step == -1)
    starts = (x0 + col_s) * height + y0 + row_s
    ends = (x0 + col_e) * height + y0 + row_e
    if len(starts) > 1:  # a run reaching a column's last row goes on in the next one's first
        keep = np.r_[True, starts[1:] != ends[:-1]]
        starts, ends = starts[keep], ends[np.r_[keep[1:], True]]
    return rle_from_runs(starts, ends, height, width)


def decode_rle(rle: dict) -> np.ndarray:
    """Boolean (H, W) mask of a COCO RLE whose ``counts`` may be str or bytes."""
    r = dict(rle)
    if isinstance(r["counts"], str):
        r["counts"] = r["counts"].encode("ascii")
    return mask_utils.decode(r).astype(bool)
