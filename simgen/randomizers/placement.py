"""Objects placed at rest on a flat support, footprints apart: physics then only confirms.

Each object takes one of its resting poses (:mod:`simgen.assets.resting`), a random yaw about
the support normal and a random position, at contact height (the lowest vertex of its collision
hull on the support). Its footprint, that hull projected on the support, must
lie inside the region and keep ``margin`` from every footprint placed before (separating-axis
test on convex polygons), so no two objects touch and none overhangs the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import ConvexHull

from simgen.assets.geometry import LoadedAsset
from simgen.assets.resting import resting_poses


def convex_polygon(points: np.ndarray) -> np.ndarray:
    """Counter-clockwise convex hull (m, 2) of 2D ``points`` (n, 2), metres."""
    return points[ConvexHull(points).vertices]


def _rotate(polygon: np.ndarray, yaw: float) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    return polygon @ np.array([[c, s], [-s, c]])


def _edge_normals(polygon: np.ndarray) -> np.ndarray:
    edges = np.roll(polygon, -1, axis=0) - polygon
    return np.column_stack([edges[:, 1], -edges[:, 0]])


def apart(p: np.ndarray, q: np.ndarray, margin: float) -> bool:
    """Whether convex polygons ``p`` and ``q`` (CCW, (m, 2)) are more than ``margin`` apart
    along one of their edge normals (a separating axis)."""
    for n in np.vstack([_edge_normals(p), _edge_normals(q)]):
        length = np.hypot(*n)
        if length == 0:
            continue
        a, b = p @ n / length, q @ n / length
        if a.min() > b.max() + margin or b.min() > a.max() + margin:
            return True
    return False


@dataclass
class Support:
    """A horizontal rectangle at height ``z`` (metres): objects' footprints must stay within
    ``half`` (2,) of its centre (x, y = 0) and ``margin`` from each other."""

    z: float
    half: np.ndarray
    margin: float = 0.003
    footprints: list[tuple[np.ndarray, np.ndarray, float]] = field(default_factory=list)  # polygon, centre, radius
    top: float = field(init=False)  # highest point of the objects placed so far

    def __post_init__(self) -> None:
        self.top = self.z

    def _free(self, polygon: np.ndarray) -> bool:
        if np.any(np.abs(polygon) > self.half):
            return False
        centre = polygon.mean(axis=0)
        radius = float(np.linalg.norm(polygon - centre, axis=1).max())
        for other, c, r in self.footprints:
            if np.linalg.norm(centre - c) <= radius + r + self.margin and not apart(polygon, other, self.margin):
                return False
        self.footprints.append((polygon, centre, radius))
        return True

    def place(self, rng: np.random.Generator, asset: LoadedAsset, poses: int = 3, attempts: int = 25) -> np.ndarray | None:
        """World pose (4, 4) of ``asset`` resting on the support, or None when no free spot was
        found: up to ``poses`` resting poses drawn, each tried at ``attempts`` yaws and positions."""
        resting = resting_poses(asset)
        hull = resting.hull  # what collides: its lowest point touches the support
        for _ in range(poses):
            R0 = resting.draw(rng)
            v = hull @ R0.T
            lowest = float(v[:, 2].min())
            base = convex_polygon(v[:, :2])
            for _ in range(attempts):
                yaw = float(rng.uniform(0.0, 2.0 * np.pi))
                xy = rng.uniform(-self.half, self.half)
                if self._free(_rotate(base, yaw) + xy):
                    c, s = np.cos(yaw), np.sin(yaw)
                    T = np.eye(4)
                    T[:3, :3] = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]) @ R0
                    T[:3, 3] = (xy[0], xy[1], self.z - lowest)
                    self.top = max(self.top, self.z - lowest + float(v[:, 2].max()))
                    return T
        return None
