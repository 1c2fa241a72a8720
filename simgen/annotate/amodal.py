"""Amodal extent of a body: the pixels it would cover if nothing occluded it and the image had
no border.

The body is drawn alone by the same rasterizer, on viewports shifted by whole pixels over the
unbounded image plane, so its pixels use the same grid and coverage rule as the visible id map:
visible pixels are a subset of amodal ones and the ratios are exact pixel counts. Bodies that
nothing can hide and that lie inside the image skip this: their amodal mask is the visible one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def render_amodal(renderer, instance_id: int, cam, pbox, want_mask: bool) -> Amodal:
    """Draw body ``instance_id`` alone over the whole-pixel box ``pbox`` = (x0, y0, x1, y1)."""
    W, H = cam.width, cam.height
    x0, y0, x1, y1 = pbox
    x0, y0 = max(x0, -CANVAS_MARGIN * W), max(y0, -CANVAS_MARGIN * H)
    x1, y1 = min(x1, (CANVAS_MARGIN + 1) * W), min(y1, (CANVAS_MARGIN + 1) * H)
    tw, th = min(W, x1 - x0), min(H, y1 - y0)  # viewports no larger than the box: fewer pixels
    full = inside = 0
    lo = np.array([np.inf, np.inf])
    hi = np.array([-np.inf, -np.inf])
    mask = np.zeros((H, W), bool) if want_mask else None
    for ty in range(y0, y1, th):
        for tx in range(x0, x1, tw):
            m = renderer.render_alone(instance_id, cam, (tx, ty), (tw, th))
            n = int(m.sum())
            if n == 0:
                continue
            full += n
            rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
            lo = np.minimum(lo, [tx + cols[0], ty + rows[0]])
            hi = np.maximum(hi, [tx + cols[-1] + 1, ty + rows[-1] + 1])
            # the part of this viewport that overlaps the image
            ix0, iy0, ix1, iy1 = max(tx, 0), max(ty, 0), min(tx + tw, W), min(ty + th, H)
            if ix0 < ix1 and iy0 < iy1:
                part = m[iy0 - ty : iy1 - ty, ix0 - tx : ix1 - tx]
                inside += int(part.sum())
                if mask is not None:
                    mask[iy0:iy1, ix0:ix1] |= part
    bbox = None if full == 0 else [float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])]
    return Amodal(full_area=full, in_image=inside, bbox=bbox, mask=mask)
