"""Amodal extent of bodies: the pixels each would cover if nothing occluded it and the image
had no border.

All bodies that need it are drawn in one coverage pass (:mod:`simgen.render.coverage`: one bit
per body, depth test off) over the image, by the same rasterizer, camera and matrices as the
visible id map: visible pixels are a subset of amodal ones and the ratios are exact pixel
counts. Bodies cut by the border add passes over the unbounded image plane beyond it, on
viewports shifted by whole pixels (same grid), shared by every body reaching that region.
Bodies that nothing can hide and that lie inside the image skip this: their amodal mask is the
visible one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.render.coverage import BITS_PER_PASS

CANVAS_MARGIN = 2  # the unbounded plane is cut at this many image sizes past each border


@dataclass
class Amodal:
    """full_area: pixels on the (capped) image plane; in_image: of those, inside the image;
    bbox: ``[x, y, w, h]`` on the image plane (may leave the image); mask: (H, W) bool in-image
    part when asked for."""

    full_area: int
    in_image: int
    bbox: list[float] | None
    mask: np.ndarray | None


class _Extent:
    """Running pixel count and whole-pixel bounds of one body over several viewports."""

    def __init__(self) -> None:
        self.full = self.inside = 0
        self.lo = np.array([np.inf, np.inf])
        self.hi = np.array([-np.inf, -np.inf])

    def add(self, m: np.ndarray, x: int, y: int, in_image: bool) -> None:
        """Count mask ``m`` (h, w) bool whose top-left is plane pixel (x, y)."""
        n = int(np.count_nonzero(m))
        if n == 0:
            return
        self.full += n
        if in_image:
            self.inside += n
        rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
        self.lo = np.minimum(self.lo, [x + cols[0], y + rows[0]])
        self.hi = np.maximum(self.hi, [x + cols[-1] + 1, y + rows[-1] + 1])

    def result(self, mask: np.ndarray | None) -> Amodal:
        bbox = None if self.full == 0 else [float(self.lo[0]), float(self.lo[1]),
                                            float(self.hi[0] - self.lo[0]), float(self.hi[1] - self.lo[1])]
        return Amodal(full_area=self.full, in_image=self.inside, bbox=bbox, mask=mask)


def _bit(words: np.ndarray, k: int) -> np.ndarray:
    """Bool mask of bit ``k`` of (h, w, 4) uint32 coverage words."""
    return (words[..., k // 32] >> np.uint32(k % 32)) & np.uint32(1) != 0


def _clip(box, rect):
    """Intersection of whole-pixel boxes (x0, y0, x1, y1), or None when empty."""
    x0, y0 = max(box[0], rect[0]), max(box[1], rect[1])
    x1, y1 = min(box[2], rect[2]), min(box[3], rect[3])
    return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def _outer_cells(W: int, H: int):
    """Image-sized cells of the capped plane around the image, as (x0, y0, x1, y1)."""
    for j in range(-CANVAS_MARGIN, CANVAS_MARGIN + 1):
        for i in range(-CANVAS_MARGIN, CANVAS_MARGIN + 1):
            if i or j:
                yield i * W, j * H, (i + 1) * W, (j + 1) * H


def amodal_extents(renderer, cam, pboxes: dict[int, tuple[int, int, int, int]], want_masks: bool) -> dict[int, Amodal]:
    """Amodal extent of each body in ``pboxes`` (instance id -> whole-pixel box (x0, y0, x1, y1)
    that holds its projection), with in-image masks when ``want_masks``."""
    W, H = cam.width, cam.height
    ids = list(pboxes)
    extents = {iid: _Extent() for iid in ids}
    masks = {iid: np.zeros((H, W), bool) for iid in ids} if want_masks else {}
    for start in range(0, len(ids), BITS_PER_PASS):
        group = ids[start:start + BITS_PER_PASS]
        words = renderer.render_coverage(group, cam)
        for k, iid in enumerate(group):
            box = _clip(pboxes[iid], (0, 0, W, H))
            if box is None:
                continue
            x0, y0, x1, y1 = box
            m = _bit(words[y0:y1, x0:x1], k)
            extents[iid].add(m, x0, y0, in_image=True)
            if want_masks:
                masks[iid][y0:y1, x0:x1] = m
        cut = [(k, iid) for k, iid in enumerate(group) if _clip(pboxes[iid], (0, 0, W, H)) != tuple(pboxes[iid])]
        for cell in _outer_cells(W, H) if cut else ():
            here = [(k, iid, b) for k, iid in cut if (b := _clip(pboxes[iid], cell)) is not None]
            if not here:
                continue
            rx0, ry0 = min(b[0] for *_, b in here), min(b[1] for *_, b in here)
            rx1, ry1 = max(b[2] for *_, b in here), max(b[3] for *_, b in here)
            words = renderer.render_coverage([iid for _, iid, _ in here], cam, (rx0, ry0), (rx1 - rx0, ry1 - ry0))
            for bit, (_, iid, b) in enumerate(here):
                m = _bit(words[b[1] - ry0:b[3] - ry0, b[0] - rx0:b[2] - rx0], bit)
                extents[iid].add(m, b[0], b[1], in_image=False)
    return {iid: extents[iid].result(masks.get(iid)) for iid in ids}
