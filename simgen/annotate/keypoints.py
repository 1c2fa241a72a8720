"""Cuboid keypoints: the 8 corners of an object's 3D box and its centre, projected (DOPE-style)."""

from __future__ import annotations

import numpy as np

from simgen.annotate.labels import Box3D
from simgen.core.distortion import project_camera
from simgen.core.lens import Lens

NAMES = [f"corner_{i}" for i in range(8)] + ["center"]
# Box edges between corners differing in one sign bit, 1-based as COCO's ``skeleton``.
SKELETON = [[a + 1, b + 1] for a in range(8) for b in range(a + 1, 8) if bin(a ^ b).count("1") == 1]
VISIBLE, HIDDEN, OUTSIDE = 2, 1, 0


DECIMALS = 4  # decimals of keypoint coordinates in the label files


def cuboid_keypoints(box: Box3D, K: np.ndarray, ids: np.ndarray, instance_id: int, lens: Lens | None = None) -> np.ndarray:
    """(9, 3) float: u, v (pixels, simgen's K: pixel (i, j) spans [i, i+1) x [j, j+1)), projected
    through ``lens`` when given (OpenCV's distortion), and a visibility flag per point: 2 where
    the pixel it falls in shows this object in the id map ``ids`` (H, W), 1 where it falls in
    the image on something else, 0 outside the image, behind the camera or past the rays a
    lens sees (u, v then 0, as COCO writes unlabeled points)."""
    points = np.vstack([box.corners, box.center[None]])
    H, W = ids.shape
    out = np.zeros((len(points), 3))
    if lens is None:
        front = points[:, 2] > 1e-9
        uv = points[front, :2] / points[front, 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    else:
        projected, front = project_camera(K, lens, W, H, points)
        uv = projected[front]
    # Rounded as the files store them (DECIMALS), so a point's flag is that of the pixel its
    # written coordinates fall in, even a hair from a pixel edge.
    uv = np.round(uv, DECIMALS)
    out[front, :2] = uv
    col, row = np.floor(uv[:, 0]).astype(int), np.floor(uv[:, 1]).astype(int)
    inside = (col >= 0) & (col < W) & (row >= 0) & (row < H)
    flags = np.full(len(uv), OUTSIDE)
    shows = np.zeros(len(uv), bool)
    shows[inside] = ids[row[inside], col[inside]] == instance_id
    flags[inside] = np.where(shows[inside], VISIBLE, HIDDEN)
    out[front, 2] = flags
    out[out[:, 2] == OUTSIDE, :2] = 0.0
    return out
