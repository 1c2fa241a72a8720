"""Street scenery merged into one mesh per body: road strips and markings, kerbed sidewalks,
buildings with windows, poles and trees.

A scenery body is ``AssetRef(kind="procedural", shape="scenery", size=params)``. ``params``
holds the road paths it refers to, then records, each ``(code, r, g, b, *args)`` with a fixed
number of args (see ``ARGS``). :class:`SceneryParts` writes them; :func:`scenery` builds the
mesh. Flat road pieces tile the road without overlapping (markings are strips of their own
colour beside asphalt strips, never decals above it), so nothing z-fights at 100 m and the
road's top is exactly z = 0.
"""

from __future__ import annotations

import numpy as np

from simgen.assets.procedural import Parts, register, rotation_z
from simgen.scenes.driving.paths import RoadPath

STRIP, DASHES, SLAB, BOX, CYLINDER, BALL, BUILDING, BAR = range(1, 9)
# args after (code, r, g, b)
ARGS = {
    STRIP: 6,  # path, s0, s1, d0, d1, z: a flat strip (top face only)
    DASHES: 11,  # path, s0, s1, d0, d1, z, dash, gap, gap r, g, b: dashes and the gaps between
    SLAB: 10,  # path, s0, s1, d0, d1, z0, z1, side r, g, b: a raised strip (sidewalk + kerb)
    BOX: 7,  # x, y, z0, yaw, l, w, h: box whose bottom centre is (x, y, z0)
    CYLINDER: 5,  # x, y, z0, radius, height: upright cylinder
    BALL: 4,  # x, y, z, radius
    BUILDING: 11,  # x, y, yaw, l, w, h, floor height, bay width, window r, g, b
    BAR: 7,  # x0, y0, z0, x1, y1, z1, radius: a bar between two points
}
SAMPLE_STEP = 2.0  # metres between cross-sections of strips along a path


class SceneryParts:
    """Writes the parameters of one scenery body: paths first, then coloured records."""

    def __init__(self) -> None:
        self._paths: list[RoadPath] = []
        self._records: list[float] = []

    def _path(self, path: RoadPath) -> int:
        if path not in self._paths:
            self._paths.append(path)
        return self._paths.index(path)

    def _add(self, code: int, color, args) -> None:
        assert len(args) == ARGS[code]
        self._records += [float(code), *(float(c) for c in color[:3]), *(float(a) for a in args)]

    def strip(self, path: RoadPath, s0, s1, d0, d1, z, color) -> None:
        if s1 > s0 and d1 > d0:
            self._add(STRIP, color, (self._path(path), s0, s1, d0, d1, z))

    def dashes(self, path: RoadPath, s0, s1, d0, d1, z, dash, gap, color, gap_color) -> None:
        if s1 > s0 and d1 > d0:
            self._add(DASHES, color, (self._path(path), s0, s1, d0, d1, z, dash, gap, *gap_color[:3]))

    def slab(self, path: RoadPath, s0, s1, d0, d1, z0, z1, color, side_color) -> None:
        if s1 > s0 and d1 > d0:
            self._add(SLAB, color, (self._path(path), s0, s1, d0, d1, z0, z1, *side_color[:3]))

    def box(self, x, y, z0, yaw, length, width, height, color) -> None:
        self._add(BOX, color, (x, y, z0, yaw, length, width, height))

    def cylinder(self, x, y, z0, radius, height, color) -> None:
        self._add(CYLINDER, color, (x, y, z0, radius, height))

    def ball(self, x, y, z, radius, color) -> None:
        self._add(BALL, color, (x, y, z, radius))

    def building(self, x, y, yaw, length, width, height, floor, bay, color, window_color) -> None:
        self._add(BUILDING, color, (x, y, yaw, length, width, height, floor, bay, *window_color[:3]))

    def bar(self, p0, p1, radius, color) -> None:
        self._add(BAR, color, (*p0, *p1, radius))

    def __bool__(self) -> bool:
        return bool(self._records)

    def params(self) -> tuple[float, ...]:
        head = [float(len(self._paths))]
        for path in self._paths:
            head += path.to_params()
        return tuple(head + self._records)


def _strip_mesh(parts: Parts, path: RoadPath, s, d0, d1, z, color, cuts=None) -> None:
    """Flat strip over the arc lengths ``s`` (n,) between offsets d0 < d1, faces up. ``cuts``
    split it further at points on the chords between ``s`` (so it meets strips beside it
    without slivers); ``color`` is one RGB or one per piece ((pieces, 3))."""
    right, left = path.point(s, d0), path.point(s, d1)
    if cuts is not None:
        every = np.unique(np.concatenate([s, cuts]))
        right = np.column_stack([np.interp(every, s, right[:, 0]), np.interp(every, s, right[:, 1])])
        left = np.column_stack([np.interp(every, s, left[:, 0]), np.interp(every, s, left[:, 1])])
    n = len(right)
    v = np.vstack([np.column_stack([right, np.full(n, z)]), np.column_stack([left, np.full(n, z)])])
    k = np.arange(n - 1)
    faces = np.concatenate([np.stack([k, k + 1, n + k + 1], 1), np.stack([k, n + k + 1, n + k], 1)])
    color = np.asarray(color, float)
    parts.add(v, faces, np.concatenate([color, color]) if color.ndim == 2 else color)


def _dashes_mesh(parts: Parts, path: RoadPath, s0, s1, d0, d1, z, dash, gap, color, gap_color) -> None:
    """One strip cut where dashes start and end, each piece painted or not."""
    s = path.samples(s0, s1, SAMPLE_STEP)
    starts = np.arange(s0, s1, dash + gap)
    cuts = np.clip(np.concatenate([starts, starts + dash]), s0, s1)
    every = np.unique(np.concatenate([s, cuts]))
    painted = (((every[:-1] + every[1:]) / 2 - s0) % (dash + gap)) < dash
    _strip_mesh(parts, path, s, d0, d1, z, np.where(painted[:, None], color, gap_color), cuts)


def _wall_mesh(parts: Parts, a: np.ndarray, z0: float, z1: float, color) -> None:
    """Vertical wall from z0 to z1 along the polyline ``a`` (n, 2), facing to its right."""
    n = len(a)
    v = np.vstack([np.column_stack([a, np.full(n, z0)]), np.column_stack([a, np.full(n, z1)])])
    k = np.arange(n - 1)
    faces = np.concatenate([np.stack([k, k + 1, n + k + 1], 1), np.stack([k, n + k + 1, n + k], 1)])
    parts.add(v, faces, color)


def _slab_mesh(parts: Parts, path: RoadPath, s, d0, d1, z0, z1, top, side) -> None:
    _strip_mesh(parts, path, s, d0, d1, z1, top)
    right, left = path.point(s, d0), path.point(s, d1)
    _wall_mesh(parts, right, z0, z1, side)  # faces right, out of the slab at d0
    _wall_mesh(parts, left[::-1], z0, z1, side)  # walked backwards: faces left, out at d1
    _wall_mesh(parts, np.array([left[0], right[0]]), z0, z1, side)  # start cap faces back
    _wall_mesh(parts, np.array([right[-1], left[-1]]), z0, z1, side)  # end cap faces ahead


def _windows(parts: Parts, centre, yaw, size, floor, bay, color) -> None:
    """Window panes 4 cm proud of each facade, in a grid of floors and bays."""
    R = rotation_z(yaw)[:2, :2]
    length, width, h = size
    for normal, half_depth, facade in (((1, 0), length / 2, width), ((-1, 0), length / 2, width), ((0, 1), width / 2, length), ((0, -1), width / 2, length)):
        n = R @ np.array(normal, float)
        t = np.array([-n[1], n[0]])
        floors, bays = int(h // floor), int(facade // bay)
        if floors < 1 or bays < 1:
            continue
        a = (np.arange(bays) + 0.5) * (facade / bays) - facade / 2
        b = (np.arange(floors) + 0.5) * (h / floors)
        A, B = np.meshgrid(a, b)
        hw, hh = 0.28 * facade / bays, 0.25 * h / floors
        base = np.asarray(centre, float)[:2] + n * (half_depth + 0.04)
        corners = []
        for da, db in ((-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)):
            xy = base + (A.ravel() + da)[:, None] * t
            corners.append(np.column_stack([xy, B.ravel() + db]))
        v = np.stack(corners, axis=1).reshape(-1, 3)
        q = np.arange(len(A.ravel()))[:, None] * 4
        faces = np.concatenate([q + [0, 1, 2], q + [0, 2, 3]])
        parts.add(v, faces, color)


@register("scenery")
def scenery(size) -> object:
    """Merged street scenery from :class:`SceneryParts` parameters (world frame, metres)."""
    params = np.asarray(size, float)
    n_paths = int(params[0])
    paths, at = [], 1
    for _ in range(n_paths):
        path, at = RoadPath.from_params(params, at)
        paths.append(path)
    parts = Parts()
    while at < len(params):
        code = int(params[at])
        color = params[at + 1 : at + 4]
        args = params[at + 4 : at + 4 + ARGS[code]]
        at += 4 + ARGS[code]
        if code in (STRIP, DASHES, SLAB):
            path = paths[int(args[0])]
            s0, s1, d0, d1 = args[1:5]
            s = path.samples(s0, s1, SAMPLE_STEP)
        if code == STRIP:
            _strip_mesh(parts, path, s, d0, d1, args[5], color)
        elif code == DASHES:
            _dashes_mesh(parts, path, s0, s1, d0, d1, *args[5:8], color, args[8:11])
        elif code == SLAB:
            _slab_mesh(parts, path, s, d0, d1, args[5], args[6], color, args[7:10])
        elif code == BOX:
            parts.oriented_box(*args[:4], args[4:7], color)
        elif code == CYLINDER:
            x, y, z0, r, h = args
            parts.cylinder((x, y, z0), (x, y, z0 + h), r, color, sections=12)
        elif code == BALL:
            parts.sphere(args[:3], args[3], color, subdivisions=1)
        elif code == BUILDING:
            x, y, yaw = args[:3]
            parts.oriented_box(x, y, 0.0, yaw, args[3:6], color)
            _windows(parts, (x, y), yaw, args[3:6], args[6], args[7], args[8:11])
        elif code == BAR:
            parts.cylinder(args[0:3], args[3:6], args[6], color, sections=8)
        else:
            raise ValueError(f"unknown scenery record code {code}")
    return parts.mesh()
