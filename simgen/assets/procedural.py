"""Procedural assets: meshes built in code from trimesh parts, looked up by builder name.

``AssetRef(kind="procedural", shape=NAME, size=PARAMS)``: ``shape`` names a builder registered
here and ``size`` is its flat tuple of float parameters (a car's dimensions and paint, or a
street's merged scenery), so a SceneSpec stays plain data that rebuilds the same mesh.

Builders return one mesh in the body's link frame with a colour per face (RGB in [0, 1]); the
renderer multiplies those by the body's material colour, so one body (one pyrender node, one
instance id) can show paint, glass and tyres.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import trimesh
from scipy.spatial import ConvexHull

from simgen.core.errors import AssetError
from simgen.registry import Registry

Builder = Callable[[tuple[float, ...]], trimesh.Trimesh]
BUILDERS: Registry[Builder] = Registry("procedural shape", "shape")


def register(name: str, paint: slice | None = None) -> Callable[[Builder], Builder]:
    """Register a builder; ``paint``: where its parameters hold the linear RGB of its main
    colour (its material stays white when face colours carry the look)."""
    return BUILDERS.register(name, paint=paint)


def main_colour(shape: str, size: tuple[float, ...]) -> tuple[float, ...] | None:
    """The main colour (linear RGB) the parameters ``size`` give builder ``shape``, or None."""
    at = BUILDERS.traits(shape).get("paint") if shape in BUILDERS else None
    colour = tuple(float(v) for v in size[at]) if at is not None else ()
    return colour if len(colour) == 3 else None


def build(shape: str, size: tuple[float, ...]) -> trimesh.Trimesh:
    """The mesh of builder ``shape`` with parameters ``size``; AssetError names what is wrong."""
    if shape not in BUILDERS:
        raise AssetError(f"procedural shape '{shape}' is unknown; choose one of {', '.join(BUILDERS.names())}")
    try:
        mesh = BUILDERS.get(shape)(tuple(float(v) for v in size))
    except (IndexError, ValueError) as exc:
        raise AssetError(f"procedural {shape}: bad parameters {list(size)[:12]} ({exc})") from None
    if len(mesh.faces) == 0:
        raise AssetError(f"procedural {shape}: parameters {list(size)[:12]} give no triangles")
    return mesh


def rotation_z(yaw: float) -> np.ndarray:
    """(3, 3) rotation by ``yaw`` radians about z."""
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


class Parts:
    """Coloured parts gathered into one mesh: each part keeps its colour on its faces."""

    def __init__(self) -> None:
        self._vertices: list[np.ndarray] = []
        self._faces: list[np.ndarray] = []
        self._colors: list[np.ndarray] = []
        self._count = 0

    def add(self, vertices: np.ndarray, faces: np.ndarray, color) -> None:
        """Append triangles; ``color`` is one RGB for all or (m, 3) per face, in [0, 1]."""
        vertices = np.asarray(vertices, float).reshape(-1, 3)
        faces = np.asarray(faces, np.int64).reshape(-1, 3)
        if len(faces) == 0:
            return
        self._vertices.append(vertices)
        self._faces.append(faces + self._count)
        self._colors.append(np.broadcast_to(np.asarray(color, float)[..., :3], (len(faces), 3)))
        self._count += len(vertices)

    def box(self, lo, hi, color) -> None:
        """Axis-aligned box between corners ``lo`` and ``hi`` (3,), metres."""
        lo, hi = np.asarray(lo, float), np.asarray(hi, float)
        self.add(lo + _BOX_VERTICES * (hi - lo), _BOX_FACES, color)

    def oriented_box(self, x: float, y: float, z0: float, yaw: float, size, color) -> None:
        """Box of ``size`` (l, w, h) whose bottom centre is (x, y, z0), turned by ``yaw``."""
        v = (_BOX_VERTICES - [0.5, 0.5, 0.0]) * np.asarray(size, float)
        self.add(v @ rotation_z(yaw).T + [x, y, z0], _BOX_FACES, color)

    def hull(self, points, color) -> None:
        """Convex hull of ``points`` (n, 3), faces wound outwards."""
        points = np.asarray(points, float)
        hull = ConvexHull(points)
        faces = hull.simplices.copy()
        tri = points[faces]
        normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        inward = np.einsum("ij,ij->i", normals, hull.equations[:, :3]) < 0
        faces[inward] = faces[inward][:, ::-1]
        used, faces = np.unique(faces, return_inverse=True)  # drop points inside the hull
        self.add(points[used], faces.reshape(-1, 3), color)

    def cylinder(self, p0, p1, radius: float, color, sections: int = 16) -> None:
        """Closed cylinder of ``radius`` whose axis runs from ``p0`` to ``p1``."""
        p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
        axis = p1 - p0
        a = axis / np.sqrt(axis @ axis)
        u = _cross(a, np.array([1.0, 0.0, 0.0] if abs(a[0]) < 0.9 else [0.0, 1.0, 0.0]))
        u /= np.sqrt(u @ u)
        v = _cross(a, u)
        cos_sin, faces = _cylinder(sections)
        ring = p0 + radius * (cos_sin @ np.stack([u, v]))
        self.add(np.vstack([ring, ring + axis, p0, p1]), faces, color)

    def sphere(self, centre, radius: float, color, subdivisions: int = 1) -> None:
        vertices, faces = _icosphere(subdivisions)
        self.add(vertices * radius + np.asarray(centre, float), faces, color)

    def mesh(self) -> trimesh.Trimesh:
        """One mesh with per-face colours (RGBA uint8); empty if nothing was added."""
        if not self._faces:
            return trimesh.Trimesh()
        colors = np.concatenate(self._colors)
        rgba = np.concatenate([np.clip(np.rint(colors * 255), 0, 255), np.full((len(colors), 1), 255)], axis=1)
        return trimesh.Trimesh(vertices=np.concatenate(self._vertices), faces=np.concatenate(self._faces),
                               face_colors=rgba.astype(np.uint8), process=False)


_BOX_VERTICES = np.array([[i & 1, (i >> 1) & 1, (i >> 2) & 1] for i in range(8)], float)  # unit cube
_BOX_FACES = np.array([[0, 2, 1], [1, 2, 3], [4, 5, 6], [5, 7, 6], [0, 1, 4], [1, 5, 4],
                       [2, 6, 3], [3, 6, 7], [0, 4, 2], [2, 4, 6], [1, 3, 5], [3, 7, 5]])


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product of two 3-vectors (np.cross costs tens of microseconds per call)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


@lru_cache(maxsize=16)
def _cylinder(sections: int) -> tuple[np.ndarray, np.ndarray]:
    """(cos, sin) of a ring's angles (n, 2), and the faces of its side and caps, outwards for
    vertices ordered ring at p0, ring at p1, p0, p1."""
    theta = np.linspace(0.0, 2 * np.pi, sections, endpoint=False)
    n = sections
    i = np.arange(n)
    j = (i + 1) % n
    faces = np.concatenate([np.stack([i, j, n + j], 1), np.stack([i, n + j, n + i], 1),
                            np.stack([np.full(n, 2 * n), j, i], 1), np.stack([np.full(n, 2 * n + 1), n + i, n + j], 1)])
    return np.column_stack([np.cos(theta), np.sin(theta)]), faces


@lru_cache(maxsize=4)
def _icosphere(subdivisions: int) -> tuple[np.ndarray, np.ndarray]:
    unit = trimesh.creation.icosphere(subdivisions=subdivisions)
    return np.asarray(unit.vertices), np.asarray(unit.faces)


def fit_bounds(mesh: trimesh.Trimesh, lo, hi) -> trimesh.Trimesh:
    """Stretch ``mesh`` per axis so its bounds are exactly ``lo``..``hi`` (3,): a body's box
    then has the dimensions it was asked for, whatever its parts' rounding."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    b = mesh.bounds
    scale = (hi - lo) / np.maximum(b[1] - b[0], 1e-9)
    mesh.vertices = (mesh.vertices - b[0]) * scale + lo
    return mesh
