"""Rays cast against the meshes the raster draws, with Intel Embree (``embreex``, the ``lidar``
extra).

Embree builds its acceleration structure once per geometry, and embreex's construction costs
about 7 us per triangle, so nothing is rebuilt per frame: the bodies that never move in the
scene are one geometry in world coordinates, built once per scene, and every moving body is
its own geometry in its own frame, built once, into which the rays near it are carried with its
pose of the moment. A frame (or a rolling sweep's slice) then costs the casts alone.

Hits are exact against the visual triangles (float32 in Embree): pybullet's ``rayTestBatch``
would hit the physics shapes, convex hulls where a body has no decomposition.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from simgen.core.errors import ConfigError
from simgen.physics.state import SceneState

MISS = 1e30  # Embree's tfar of a ray that hit nothing is about 1e37


def check_installed() -> None:
    """Raise a one-line ConfigError when embreex (the ``lidar`` extra) is missing."""
    try:
        import embreex.rtcore_scene  # noqa: F401
    except ImportError:
        raise ConfigError("lidar: the ray caster needs embreex: pip install 'simgen[lidar]' "
                          "(or pip install embreex)") from None


def _embree():
    check_installed()
    from embreex import mesh_construction, rtcore_scene

    return rtcore_scene, mesh_construction


@dataclass
class Hits:
    """What each ray hit: ``range`` (n,) float64 metres along the unit ray (inf: nothing),
    ``instance_id`` (n,) int32 of the body hit (0: nothing), ``normal`` (n, 3) float64 unit
    world-frame normal of the surface hit, turned towards the ray (0 where nothing)."""

    range: np.ndarray
    instance_id: np.ndarray
    normal: np.ndarray

    @property
    def hit(self) -> np.ndarray:
        return np.isfinite(self.range)


class _Geometry:
    """One Embree scene of triangles and the instance id of each triangle."""

    def __init__(self, vertices: list[np.ndarray], faces: list[np.ndarray], ids: list[int]) -> None:
        rtcore_scene, mesh_construction = _embree()
        self.scene = rtcore_scene.EmbreeScene()
        offsets = np.cumsum([0] + [len(v) for v in vertices[:-1]])
        V = np.concatenate(vertices).astype(np.float32)
        F = np.concatenate([f + o for f, o in zip(faces, offsets, strict=True)]).astype(np.int32)
        mesh_construction.TriangleMesh(self.scene, V, F)
        self.triangle_id = np.repeat(np.asarray(ids, np.int32), [len(f) for f in faces])

    def cast(self, origins: np.ndarray, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(range (n,), instance id (n,), unnormalized normal (n, 3)) in this geometry's frame."""
        out = self.scene.run(np.ascontiguousarray(origins, np.float32), np.ascontiguousarray(directions, np.float32),
                             output=1)
        prim = out["primID"]
        hit = prim >= 0
        rng = np.where(hit, out["tfar"].astype(np.float64), np.inf)
        iid = np.where(hit, self.triangle_id[np.maximum(prim, 0)], 0)
        return rng, iid, out["Ng"].astype(np.float64)


def _posed(vertices: np.ndarray, pose: np.ndarray) -> np.ndarray:
    return vertices @ pose[:3, :3].T + pose[:3, 3]


def _corners(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The 8 corners (8, 3) of the box [lo, hi]."""
    return np.array([[(lo, hi)[i][0], (lo, hi)[j][1], (lo, hi)[k][2]] for i in (0, 1) for j in (0, 1) for k in (0, 1)])


class _Fan:
    """Rays from one origin sorted by azimuth about the world's z axis: the rays that may meet
    a box are the contiguous run between its corners' azimuths (a box beside the origin's
    vertical line spans less than half a turn, and azimuth is extreme at corners)."""

    def __init__(self, origin: np.ndarray, directions: np.ndarray) -> None:
        self.origin = origin
        azimuth = np.arctan2(directions[:, 1], directions[:, 0])
        self.order = np.argsort(azimuth, kind="stable")
        self.sorted = azimuth[self.order]

    def spans(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For boxes [lo, hi] (m, 3): (around (m,) bool: the origin's vertical line crosses the
        box, so any ray may meet it; a0, a1 (m,) radians: the azimuths the others span)."""
        o = self.origin
        around = (lo[:, 0] <= o[0]) & (o[0] <= hi[:, 0]) & (lo[:, 1] <= o[1]) & (o[1] <= hi[:, 1])
        xs, ys = np.stack([lo[:, 0], hi[:, 0]], 1) - o[0], np.stack([lo[:, 1], hi[:, 1]], 1) - o[1]
        cx, cy = np.repeat(xs, 2, axis=1), np.tile(ys, 2)  # the 4 footprint corners (m, 4)
        mid = np.arctan2(cy.mean(1), cx.mean(1))
        delta = (np.arctan2(cy, cx) - mid[:, None] + np.pi) % (2 * np.pi) - np.pi
        return around, mid + delta.min(1) - 1e-9, mid + delta.max(1) + 1e-9

    def between(self, a0: float, a1: float) -> np.ndarray:
        """Indices of the rays with azimuth in [a0, a1] (a0 >= -2 pi, a1 <= 2 pi, a1 - a0 < 2 pi)."""
        runs = [(a0, a1)]
        if a0 < -np.pi:
            runs = [(a0 + 2 * np.pi, np.pi), (-np.pi, a1)]
        elif a1 > np.pi:
            runs = [(a0, np.pi), (-np.pi, a1 - 2 * np.pi)]
        parts = [self.order[np.searchsorted(self.sorted, u, "left"):np.searchsorted(self.sorted, v, "right")]
                 for u, v in runs]
        return np.concatenate(parts)


def _box_hits(origins: np.ndarray, directions: np.ndarray, lo: np.ndarray, hi: np.ndarray, far: np.ndarray) -> np.ndarray:
    """Which rays enter the axis-aligned box [lo, hi] before ``far`` (n,) (slab test)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / directions
        t0, t1 = (lo - origins) * inv, (hi - origins) * inv
    t0 = np.where(np.isnan(t0), -np.inf, t0)
    t1 = np.where(np.isnan(t1), np.inf, t1)
    near = np.minimum(t0, t1).max(axis=1)
    exit_ = np.maximum(t0, t1).min(axis=1)
    return (exit_ >= np.maximum(near, 0.0)) & (near < far)


class RayCaster:
    """Casts rays into one scene: ``state``'s bodies as the raster draws them (their visual
    meshes at ``state.poses``); ``moving``: instance ids whose poses change within the scene
    (given to :meth:`cast` each time), the rest stay where ``state.poses`` puts them."""

    def __init__(self, state: SceneState, moving: Collection[int] = ()) -> None:
        moving = set(moving)
        still = [b.instance_id for b in state.bodies if b.instance_id not in moving]
        self._still = None
        if still:
            self._still = _Geometry([_posed(state.assets[i].vertices, state.poses[i]) for i in still],
                                    [np.asarray(state.assets[i].mesh.faces) for i in still], still)
        self._moving: dict[int, _Geometry] = {}
        for iid in sorted(moving & set(state.poses)):
            asset = state.assets[iid]
            self._moving[iid] = _Geometry([np.asarray(asset.vertices)], [np.asarray(asset.mesh.faces)], [iid])
        # each moving body's bounding box corners (m, 8, 3) in its own frame
        self._corners = np.array([_corners(*np.asarray(state.assets[i].bounds, float)) for i in self._moving])
        self._poses = state.poses

    def cast(self, origins: np.ndarray, directions: np.ndarray, poses: Mapping[int, np.ndarray] | None = None) -> Hits:
        """The first hit of each ray: ``origins`` (n, 3) or (3,) and unit ``directions`` (n, 3),
        world frame, metres; ``poses``: world poses (4, 4) of the moving bodies now (default:
        the state's)."""
        directions = np.asarray(directions, float)
        fan = _Fan(np.asarray(origins, float), directions) if np.ndim(origins) == 1 and self._moving else None
        origins = np.broadcast_to(np.asarray(origins, float), directions.shape)
        n = len(directions)
        best = np.full(n, np.inf)
        iid = np.zeros(n, np.int32)
        normal = np.zeros((n, 3))
        if self._still is not None and n:
            best, iid, normal = self._still.cast(origins, directions)
        if self._moving:
            bodies = list(self._moving)
            pose = np.stack([np.asarray((poses or {}).get(i, self._poses[i]), float) for i in bodies])
            corners = np.einsum("mij,mkj->mki", pose[:, :3, :3], self._corners) + pose[:, None, :3, 3]
            lo, hi = corners.min(1), corners.max(1)
            if fan is not None:
                around, a0, a1 = fan.spans(lo, hi)
        for m, body in enumerate(self._moving):
            if fan is None or around[m]:
                near = np.flatnonzero(_box_hits(origins, directions, lo[m], hi[m], best))
            else:
                near = fan.between(a0[m], a1[m])
                near = near[_box_hits(origins[near], directions[near], lo[m], hi[m], best[near])]
            if not len(near):
                continue
            R, t = pose[m, :3, :3], pose[m, :3, 3]
            r, _, ng = self._moving[body].cast((origins[near] - t) @ R, directions[near] @ R)
            closer = r < best[near]
            k = near[closer]
            best[k], iid[k], normal[k] = r[closer], body, ng[closer] @ R.T
        length = np.linalg.norm(normal, axis=1, keepdims=True)
        normal = np.divide(normal, length, out=np.zeros_like(normal), where=length > 0)
        facing = np.sign(-np.einsum("ij,ij->i", normal, directions))[:, None]
        return Hits(range=np.where(best < MISS, best, np.inf), instance_id=iid, normal=normal * np.where(facing == 0, 1, facing))
