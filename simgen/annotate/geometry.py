"""Poses, 3D boxes and projected extents of bodies in a camera (OpenCV frame, metres, pixels)."""

from __future__ import annotations

import numpy as np

from simgen.annotate.labels import Box3D

# Corner i takes -1/+1 per axis from bits 0 (x), 1 (y), 2 (z) of i.
CORNER_SIGNS = np.array([[1 if i & 1 else -1, 1 if i & 2 else -1, 1 if i & 4 else -1] for i in range(8)], float)


def box3d(bounds: np.ndarray, object_to_camera: np.ndarray) -> Box3D:
    """Oriented box of a body's link-frame axis-aligned ``bounds`` (2, 3) in the camera frame."""
    R, t = object_to_camera[:3, :3], object_to_camera[:3, 3]
    size = bounds[1] - bounds[0]
    center = R @ bounds.mean(axis=0) + t
    corners = center + (CORNER_SIGNS * size / 2) @ R.T
    return Box3D(center=center, size=size, R=R.copy(), corners=corners)


def transform(points: np.ndarray, T: np.ndarray) -> np.ndarray:
    return points @ T[:3, :3].T + T[:3, 3]


def projected_extent(K: np.ndarray, verts_cam: np.ndarray, edges: np.ndarray, znear: float):
    """(u_min, v_min, u_max, v_max) in pixels of a mesh clipped at the near plane, or None if
    it lies wholly behind it. ``edges`` (m, 2) index ``verts_cam`` (n, 3)."""
    z = verts_cam[:, 2]
    front = z > znear
    if not front.any():
        return None
    pts = verts_cam[front]
    if not front.all():  # add where edges cross the near plane
        a, b = verts_cam[edges[:, 0]], verts_cam[edges[:, 1]]
        crossing = (a[:, 2] > znear) != (b[:, 2] > znear)
        a, b = a[crossing], b[crossing]
        s = ((znear - a[:, 2]) / (b[:, 2] - a[:, 2]))[:, None]
        pts = np.vstack([pts, a + s * (b - a)])
    uv = pts[:, :2] / pts[:, 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    return (*uv.min(axis=0), *uv.max(axis=0))


def pixel_box(extent) -> tuple[int, int, int, int]:
    """Whole-pixel box [x0, x1) x [y0, y1) of pixels whose centres may lie inside ``extent``."""
    u0, v0, u1, v1 = extent
    return int(np.floor(u0 - 0.5)), int(np.floor(v0 - 0.5)), int(np.ceil(u1 - 0.5)) + 1, int(np.ceil(v1 - 0.5)) + 1
