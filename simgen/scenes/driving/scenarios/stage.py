"""The planning world a scenario is staged in, and the tools templates share.

Templates describe motion in the main road's coordinates: arc length ``s`` along its path and
left offset ``d`` (metres), sampled on the traffic placer's time grid (fine enough that nothing
moves more than 25 cm between samples). :meth:`Stage.track` turns that into a footprint track
(:mod:`simgen.scenes.driving.footprints`) standing on the street surface under its centre,
heading the way it moves; :meth:`Stage.visibility` estimates from geometry alone how much of an
actor the first rig camera sees at each frame (its box's sample points inside the image, in
front of the camera and not behind any box placed so far), so templates can keep only stagings
whose event is in view without rendering.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simgen.core.camera import intrinsics, project, world_to_camera
from simgen.core.spec import AssetRef, BodySpec, SceneSpec
from simgen.scenes.driving import footprints
from simgen.scenes.driving.bodies import ground_pose
from simgen.scenes.driving.layout import Street
from simgen.scenes.driving.looks import look, road_user_material
from simgen.scenes.driving.mount import fov_y_deg, mount_pose

MAX_RANGE = 60.0  # metres: farther than this, an event does not count as in view
SAMPLES = np.stack(np.meshgrid(*[np.linspace(-0.4, 0.4, 3)] * 2, np.linspace(0.1, 0.9, 3), indexing="ij"), -1).reshape(-1, 3)


@dataclass
class Actor:
    """A road user a template places: what it is (``shape``, ``category``, ``size`` = length,
    width, height in metres), its ``role`` in the scenario, and its footprint ``track`` on the
    grid (G, 7); ``speed``: its top speed (m/s)."""

    shape: str
    category: str
    size: tuple[float, float, float]
    role: str
    track: np.ndarray
    speed: float


@dataclass
class Staging:
    """A template's result: actors (the key one first), the onset window (seconds) and the
    planned visibility of the key actor per frame; ``reserve``: footprint boxes (rows of 7)
    traffic must keep clear of so nothing stands between the camera and the event."""

    actors: list[Actor]
    onset: tuple[float, float]
    visibility: np.ndarray
    in_view: bool
    variant: str = ""
    reserve: list[np.ndarray] = field(default_factory=list)


class Stage:
    """Everything a template needs to plan: the street, the time grid and the frames on it,
    the ego car's track and the first rig camera along it, and the occupancy of what is placed."""

    def __init__(self, street: Street, grid: np.ndarray, frame_at: np.ndarray, occupancy: footprints.Occupancy,
                 ego_xy: np.ndarray, ego_heading: np.ndarray, ego_lane_offset: float, ego_speed: float, scene,
                 width: int, height: int) -> None:
        self.street, self.grid, self.frame_at, self.occupancy = street, grid, frame_at, occupancy
        self.scene, self.width, self.height = scene, width, height
        self.road = street.main
        self.ego_d = ego_lane_offset
        self.ego_speed = ego_speed
        self.duration = float(grid[-1])
        self.times = grid[frame_at]
        cam = scene.rig.cameras[0]
        self.K = intrinsics(width, height, fov_y_deg(width, height, cam.fov_x_deg))
        self.znear = scene.rig.znear
        self.cams = {int(g): mount_pose(*ego_xy[g], ego_heading[g], cam, 0.0, 0.0) for g in frame_at}  # at the frames
        self.cam_s = self.road.path.project(ego_xy)[0] + cam.x  # (G,) arc length of the camera along the main road

    def at(self, t: float) -> int:
        """Grid index nearest time ``t`` (seconds)."""
        return int(np.argmin(np.abs(self.grid - t)))

    def track(self, s: np.ndarray, d: np.ndarray, size, rest_turn: float = 0.0, backwards: bool = False) -> np.ndarray | None:
        """Footprint track (G, 7) of a body ``size`` (l, w, h) at road coordinates ``s``, ``d``
        (G,): heading the way it moves (where it stands, the way it will move or moved; never
        moving: the road's heading turned by ``rest_turn``; ``backwards``: facing against its
        motion), standing on the surface under its centre. None where its centre leaves the street."""
        xy = self.road.path.point(s, d)
        z = self.street.surface(xy)
        if np.isnan(z).any():
            return None
        heading = self.road.path.heading(s) + rest_turn
        if len(self.grid) > 1 and len(s) == len(self.grid):
            v = np.gradient(xy, self.grid, axis=0)
            moving = np.hypot(v[:, 0], v[:, 1]) > 1e-3
            if moving.any():
                ang = np.arctan2(v[:, 1], v[:, 0]) + (np.pi if backwards else 0.0)
                idx = np.flatnonzero(moving)
                nearest = idx[np.clip(np.searchsorted(idx, np.arange(len(v))), 0, len(idx) - 1)]
                heading = np.where(moving, ang, ang[nearest])
        t = footprints.track(xy, heading, size[0], size[1], 0.0, size[2])
        t[:, footprints.Z0] = z
        t[:, footprints.Z1] = z + size[2]
        return t

    def fits(self, tracks: list[np.ndarray]) -> bool:
        """Whether these new tracks keep clear of what is placed and of each other."""
        for k, t in enumerate(tracks):
            if not self.occupancy.clear(t):
                return False
            if any(footprints.collide(t, u, self.occupancy.margin) for u in tracks[:k]):
                return False
        return True

    def visibility(self, track: np.ndarray, others: list[np.ndarray] = ()) -> np.ndarray:
        """Planned visible share (per frame) of the box ``track`` from the first rig camera:
        its sample points in front of the camera within MAX_RANGE, inside the image and with no
        placed box (nor one of ``others``) on the way; the ego's own box does not count."""
        boxes = list(self.occupancy.tracks) + list(others)
        out = []
        for g in self.frame_at:
            row = track[min(g, len(track) - 1)]
            pts = _box_points(row)
            cam = self.cams[g]
            eye = cam[:3, 3]
            pc = (world_to_camera(cam) @ np.c_[pts, np.ones(len(pts))].T).T[:, :3]
            z = pc[:, 2]
            with np.errstate(divide="ignore", invalid="ignore"):  # points behind the camera: masked by z below
                u, v = project(self.K, pc).T
            ok = (z > self.znear) & (z < MAX_RANGE) & (u >= 0) & (u < self.width) & (v >= 0) & (v < self.height)
            rows = np.array([b[min(g, len(b) - 1)] for b in boxes]).reshape(-1, 7)
            rows = rows[_near_segment(rows, eye[:2], row)]
            for b in rows:
                if not _contains(b, eye):
                    ok &= ~_blocks(b, eye, pts)
            out.append(float(ok.mean()))
        return np.array(out)

    def phases(self, onset: tuple[float, float]) -> list[str]:
        """before, onset or after per frame; at least one frame (the one nearest the window) is onset."""
        t0, t1 = onset
        phases = ["before" if t < t0 - 1e-9 else "after" if t > t1 + 1e-9 else "onset" for t in self.times]
        if "onset" not in phases:
            k = int(np.argmin(np.abs(self.times - (t0 + t1) / 2)))
            phases[k] = "onset"
        return phases


def _box_points(row: np.ndarray) -> np.ndarray:
    """World points (27, 3) spread through one footprint box (x, y, yaw, l, w, z0, z1)."""
    x, y, yaw, length, width, z0, z1 = row
    c, s = np.cos(yaw), np.sin(yaw)
    lx, ly = SAMPLES[:, 0] * length, SAMPLES[:, 1] * width
    return np.stack([x + c * lx - s * ly, y + s * lx + c * ly, z0 + SAMPLES[:, 2] * (z1 - z0)], axis=1)


def _near_segment(rows: np.ndarray, eye: np.ndarray, row: np.ndarray) -> np.ndarray:
    """(B,) which footprint boxes ``rows`` (B, 7) come near the plan segment from ``eye`` (2,)
    to the box ``row``: only those can stand between the camera and it."""
    a, b = eye, row[:2]
    ab = b - a
    t = np.clip(((rows[:, :2] - a) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
    gap = np.hypot(*(rows[:, :2] - (a + t[:, None] * ab)).T)
    reach = np.hypot(rows[:, 3], rows[:, 4]) / 2 + np.hypot(row[3], row[4]) / 2
    return gap < reach


def _local(b: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Points (n, 3) in the frame of box row ``b`` (centre of its footprint, z from 0)."""
    c, s = np.cos(b[2]), np.sin(b[2])
    dx, dy = p[..., 0] - b[0], p[..., 1] - b[1]
    return np.stack([c * dx + s * dy, -s * dx + c * dy, p[..., 2]], axis=-1)


def _contains(b: np.ndarray, p: np.ndarray) -> bool:
    q = _local(b, p)
    return bool(abs(q[0]) <= b[3] / 2 and abs(q[1]) <= b[4] / 2 and b[5] <= q[2] <= b[6])


def _blocks(b: np.ndarray, eye: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """(n,) whether box row ``b`` cuts the segments from ``eye`` to ``pts`` (slab test)."""
    a = _local(b, eye)
    q = _local(b, pts)
    lo = np.array([-b[3] / 2, -b[4] / 2, b[5]])
    hi = np.array([b[3] / 2, b[4] / 2, b[6]])
    d = q - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = (lo - a) / d, (hi - a) / d
    near = np.nanmax(np.where(np.isfinite(t1), np.minimum(t1, t2), -np.inf), axis=1)
    far = np.nanmin(np.where(np.isfinite(t1), np.maximum(t1, t2), np.inf), axis=1)
    parallel_out = ((d == 0) & ((a < lo) | (a > hi))).any(axis=1)
    return (near <= far) & (far > 0.0) & (near < 0.999) & ~parallel_out


def place(spec: SceneSpec, rng: np.random.Generator, actor: Actor, frame_at: np.ndarray) -> int:
    """Add ``actor`` to the scene as a labeled body moving along its track; its instance id."""
    shape = actor.shape
    t = actor.track
    moving = len(t) > 1 and bool(np.ptp(t[:, :3], axis=0).max() > 1e-9)
    row = t[0]
    body = BodySpec(instance_id=spec.next_instance_id(),
                    asset=AssetRef(kind="procedural", shape=shape, size=(*actor.size, *look(rng, shape))),
                    pose=ground_pose(row[0], row[1], row[5], row[2]), category=actor.category,
                    material=road_user_material(rng, shape), static=not moving)
    spec.bodies.append(body)
    if moving:
        for k, frame in enumerate(spec.frames):
            x, y, yaw, _, _, z0, _ = t[min(int(frame_at[k]), len(t) - 1)]
            frame.poses[body.instance_id] = ground_pose(x, y, z0, yaw)
    return body.instance_id
