"""The LiDAR as a sensor: where it rides, when each ray fires, what comes back.

One turn per frame. The LiDAR rides with the frame's first camera (``lidar.mount`` in the
camera's level heading frame: x forward, y left, z up). With a rolling sweep
(``lidar.sweep_time`` > 0, a sequence) the turn is cast in ``lidar.sweep_slices`` azimuth
sectors, each seeing the LiDAR and the moving bodies where they are at its time (poses between
the sequence's frames: positions linear, rotations along the shortest arc); the column facing
forward fires at the frame's instant. Points are given in the LiDAR frame at that instant, so
they lie where each surface was when its ray fired.

The sensor model, per ray, drawn from the scene's LiDAR stream (a fixed number of draws per
turn, hit or not): intensity = (1 - metallic) x albedo x cos(incidence) + metallic x
cos(incidence) ** 32 (albedo: the linear luminance of the base colour; a glass body returns a
tenth of that), a return lost below ``min_intensity`` or at random with
``dropout_probability``, Gaussian range noise of ``range_noise_std`` metres along the ray, and
returns outside ``range_min``..``range_max`` lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from simgen.config.lidar import LidarConfig
from simgen.core.camera import world_to_camera
from simgen.core.poses import pose_matrix, poses_between, relative_turns
from simgen.core.seeding import lidar_rng
from simgen.core.spec import FrameSpec, Material
from simgen.physics.state import SceneState
from simgen.render.lidar.caster import RayCaster
from simgen.render.lidar.pattern import ScanPattern, scan_pattern
from simgen.sensor.color import LUMA

GLOSS = 32  # exponent of a metal's mirror-like return: only rays near the normal come back
GLASS_RETURN = 0.1  # share of the diffuse return a glass body gives (most light passes through)


@dataclass
class LidarReturns:
    """One turn's returns: ``points`` (n, 3) float64 metres in the LiDAR frame at the frame's
    instant, ``intensity`` (n,) float32 in [0, 1], ``instance_id`` (n,) int32 of the body hit
    (scenery included), ``beam`` (n,) int16 (0 = highest), ``lidar_to_world`` (4, 4) at the
    frame's instant, and ``rays`` cast (the returns kept are fewer)."""

    points: np.ndarray
    intensity: np.ndarray
    instance_id: np.ndarray
    beam: np.ndarray
    lidar_to_world: np.ndarray
    rays: int


def mount_pose(cam_to_world: np.ndarray, mount: Sequence[float]) -> np.ndarray:
    """LiDAR-to-world (4, 4) of a LiDAR ``mount`` (x forward, y left, z up, metres) from a
    camera at OpenCV ``cam_to_world``, its axes level (z up) along the camera's heading."""
    T = np.asarray(cam_to_world, float)
    forward = T[:3, 2].copy()
    forward[2] = 0.0
    if np.linalg.norm(forward) < 1e-9:  # looking straight down or up: the image's up is forward
        forward = -T[:3, 1].copy()
        forward[2] = 0.0
    forward /= np.linalg.norm(forward)
    up = np.array([0.0, 0.0, 1.0])
    R = np.column_stack([forward, np.cross(up, forward), up])
    return pose_matrix(T[:3, 3] + R @ np.asarray(mount, float), R)


class _Timeline:
    """Poses of the first camera and of the moving bodies at any time of a sequence."""

    def __init__(self, frames: list[FrameSpec], base: Mapping[int, np.ndarray]) -> None:
        self.times = np.array([f.time for f in frames], float)
        self.cameras = [np.asarray(f.cameras[0].cam_to_world, float) for f in frames]
        self.moving = sorted({i for f in frames for i in f.poses} & set(base))  # bodies still in the scene
        last = {i: np.asarray(base[i], float) for i in self.moving}
        self.bodies = []  # per frame: (m, 4, 4) poses of the moving bodies; a body not moved keeps its last
        for f in frames:
            last.update({i: np.asarray(p, float) for i, p in f.poses.items() if i in last})
            self.bodies.append(np.stack([last[i] for i in self.moving]) if self.moving else np.zeros((0, 4, 4)))
        self._turns: dict[int, np.ndarray] = {}

    def _turn(self, a: int) -> np.ndarray:
        """Rotation vectors (m, 3) of each moving body from frame ``a`` to ``a + 1``, in its frame."""
        if a not in self._turns:
            self._turns[a] = relative_turns(self.bodies[a], self.bodies[a + 1])
        return self._turns[a]

    def at(self, f: int, dt: float) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """(first camera's cam_to_world, moving bodies' poses) ``dt`` seconds after frame ``f``."""
        if dt == 0.0 or len(self.times) < 2:
            return self.cameras[f], dict(zip(self.moving, self.bodies[f], strict=True))
        a = f if (dt > 0 and f + 1 < len(self.times)) or f == 0 else f - 1
        w = (self.times[f] + dt - self.times[a]) / (self.times[a + 1] - self.times[a])
        poses = poses_between(self.bodies[a], self.bodies[a + 1], w, self._turn(a))
        camera = poses_between(self.cameras[a][None], self.cameras[a + 1][None], w)[0]
        return camera, dict(zip(self.moving, poses, strict=True))


def reflectance(materials: Mapping[int, Material | None], instance_id: np.ndarray, cos_incidence: np.ndarray) -> np.ndarray:
    """Intensity (n,) in [0, 1] of returns from the bodies ``instance_id`` (n,) hit at
    ``cos_incidence`` (n,) (see the module's note)."""
    n = int(max(materials, default=0)) + 1
    albedo, metallic, glass = np.zeros(n), np.zeros(n), np.zeros(n, bool)
    for iid, m in materials.items():
        m = m or Material()
        albedo[iid] = float(np.asarray(m.base_color[:3], float) @ LUMA)
        metallic[iid], glass[iid] = m.metallic, m.kind == "glass"
    c = np.clip(cos_incidence, 0.0, 1.0)
    k = instance_id
    value = (1.0 - metallic[k]) * albedo[k] * c + metallic[k] * c ** GLOSS
    return np.clip(np.where(glass[k], GLASS_RETURN * value, value), 0.0, 1.0)


class LidarSensor:
    """``cfg``'s LiDAR for a job of ``seed``: :meth:`scene` readies it for one scene."""

    def __init__(self, cfg: LidarConfig, seed: int) -> None:
        self.cfg, self.seed = cfg, seed
        self.pattern: ScanPattern = scan_pattern(cfg)

    def scene(self, state: SceneState, frames: list[FrameSpec]) -> LidarScene:
        """The LiDAR in the scene of ``state`` (settled, before its sequence moved anything) and
        its ``frames``: the ray caster (the bodies that move in ``frames`` cast in their own frames)."""
        timeline = _Timeline(frames, state.poses)
        return LidarScene(self, RayCaster(state, timeline.moving), timeline, state)


class LidarScene:
    """One scene's LiDAR: :meth:`scan` makes a frame's returns."""

    def __init__(self, sensor: LidarSensor, caster: RayCaster, timeline: _Timeline, state: SceneState) -> None:
        self.cfg, self.seed, self.pattern = sensor.cfg, sensor.seed, sensor.pattern
        self.caster, self.timeline, self.scene_index = caster, timeline, state.spec.index
        self.materials = {b.instance_id: b.material for b in state.bodies}

    def scan(self, f: int) -> LidarReturns:
        """Frame ``f``'s turn (rolling over the frame's time with ``sweep_time`` in a sequence)."""
        cfg, pat, timeline = self.cfg, self.pattern, self.timeline
        rolling = cfg.sweep_time > 0 and len(timeline.times) > 1
        slices = cfg.sweep_slices if rolling else 1
        cut = np.floor(pat.phase * slices).astype(int)
        n = len(pat)
        ranges, ids, cosines = np.full(n, np.inf), np.zeros(n, np.int32), np.zeros(n)
        origins, dirs = np.zeros((n, 3)), np.zeros((n, 3))
        for s in range(slices):
            rays = np.flatnonzero(cut == s)
            dt = ((s + 0.5) / slices - 0.5) * cfg.sweep_time if rolling else 0.0
            cam, poses = timeline.at(f, dt)
            L = mount_pose(cam, cfg.mount)
            d = pat.directions[rays] @ L[:3, :3].T
            hits = self.caster.cast(L[:3, 3], d, poses)
            ranges[rays], ids[rays] = hits.range, hits.instance_id
            cosines[rays] = -np.einsum("ij,ij->i", hits.normal, d)
            origins[rays], dirs[rays] = L[:3, 3], d
        rng = lidar_rng(self.seed, self.scene_index, f)
        lost = rng.random(n) < cfg.dropout_probability
        noise = rng.standard_normal(n) * cfg.range_noise_std
        intensity = np.where(np.isfinite(ranges), reflectance(self.materials, ids, cosines), 0.0)
        keep = np.isfinite(ranges) & (ranges >= cfg.range_min) & (ranges <= cfg.range_max)
        keep &= ~lost & (intensity >= cfg.min_intensity)
        measured = ranges[keep] + noise[keep]
        world = origins[keep] + measured[:, None] * dirs[keep]
        ref = mount_pose(timeline.at(f, 0.0)[0], cfg.mount)
        to_lidar = world_to_camera(ref)
        points = world @ to_lidar[:3, :3].T + to_lidar[:3, 3]
        return LidarReturns(points=points, intensity=intensity[keep].astype(np.float32), instance_id=ids[keep],
                            beam=pat.beam[keep].astype(np.int16), lidar_to_world=ref, rays=n)
