"""Resting poses of an asset on a flat support: the orientations it can lie still in.

Placing objects directly in a resting pose at contact height replaces hundreds of physics steps
of falling and rolling with a short settle. A rigid body on a plane rests on a face of the
convex hull of its collision geometry, so the poses are those of the hull about the centre of
mass pybullet simulates.

- Primitives have closed forms (box faces, cylinder and cone ends or side, a capsule's side,
  any orientation of a sphere), with probabilities from the solid angle each resting face
  subtends at the centre of mass.
- Meshes and URDFs use ``trimesh.poses.compute_stable_poses`` on the hull (30-250 ms per mesh),
  cached on disk (keyed by the file's path, size and modification time, with the hull, so a hit
  loads no mesh) beside the collision shapes, and in memory per process.

A pose is a rotation ``R`` (3, 3) from the link frame to a frame whose z axis is the support's
normal; a resting pose may carry a free roll axis (link frame) about which any rotation keeps
it resting (a cylinder or capsule on its side), and a sphere rests in any orientation.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import trimesh
from scipy.spatial.transform import Rotation

from simgen.assets.collision import cache_root
from simgen.assets.geometry import LoadedAsset, load_asset, urdf_geometry
from simgen.assets.urdf import read_urdf
from simgen.core.atomic import write_bytes_atomic
from simgen.core.spec import AssetRef

# Part of the cache key: bump when the computation changes, so stale poses are not reused.
RESTING_VERSION = b"trimesh.poses.compute_stable_poses collision hull v3"
MIN_PROBABILITY = 0.01  # poses less likely than this are marginal: left out


@dataclass(frozen=True)
class RestingPoses:
    """rotations (k, 3, 3) link -> support frame; probabilities (k,) summing to 1; roll_axes
    (k, 3) link-frame axis of a free roll per pose (zero vector: none); any_rotation: a sphere;
    hull (n, 3): vertices of the collision hull (link frame, metres) the poses rest on."""

    rotations: np.ndarray
    probabilities: np.ndarray
    roll_axes: np.ndarray
    any_rotation: bool = False
    hull: np.ndarray | None = None

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """A random resting rotation (3, 3), before the random yaw about the support normal."""
        if self.any_rotation:
            return Rotation.random(random_state=rng).as_matrix()
        k = int(rng.choice(len(self.probabilities), p=self.probabilities))
        R = self.rotations[k]
        axis = self.roll_axes[k]
        if np.any(axis):
            R = R @ Rotation.from_rotvec(axis * rng.uniform(0.0, 2.0 * np.pi)).as_matrix()
        return R


def _down(direction) -> np.ndarray:
    """Rotation (3, 3) turning the link-frame ``direction`` to -z (the support below), about
    the axis perpendicular to both (Rodrigues; half a turn about x when it points up)."""
    d = np.asarray(direction, float) / np.linalg.norm(direction)
    axis = np.cross(d, [0.0, 0.0, -1.0])
    s, c = np.linalg.norm(axis), -d[2]
    if s < 1e-12:
        return np.eye(3) if c > 0 else np.diag([1.0, -1.0, -1.0])
    k = axis / s
    K = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + s * K + (1.0 - c) * (K @ K)


def _disk_solid_angle(radius: float, distance: float) -> float:
    """Solid angle (sr) of a disk of ``radius`` seen on its axis from ``distance``."""
    return 2.0 * np.pi * (1.0 - distance / np.hypot(distance, radius))


def _rectangle_solid_angle(a: float, b: float, distance: float) -> float:
    """Solid angle (sr) of a 2a x 2b rectangle seen on its axis from ``distance``."""
    return 4.0 * np.arcsin(a * b / np.sqrt((a * a + distance * distance) * (b * b + distance * distance)))


def _poses(items: list[tuple[np.ndarray, float, tuple[float, float, float]]]) -> RestingPoses:
    """From (rotation, weight, roll axis) triples: normalised, weightless ones left out."""
    items = [it for it in items if it[1] > 0]
    w = np.array([it[1] for it in items], float)
    return RestingPoses(rotations=np.stack([it[0] for it in items]), probabilities=w / w.sum(),
                        roll_axes=np.array([it[2] for it in items], float))


def _primitive_poses(shape: str, size: tuple[float, ...], scale: float) -> RestingPoses:
    """Closed-form resting poses of the primitives of :func:`simgen.assets.geometry._primitive`
    (centred on their bounding box, axis along z)."""
    s = np.asarray(size, float) * scale
    none = (0.0, 0.0, 0.0)
    if shape == "sphere":
        return RestingPoses(np.eye(3)[None], np.ones(1), np.zeros((1, 3)), any_rotation=True)
    if shape == "box":
        h = s[:3] / 2
        items = []
        for axis in range(3):
            a, b = (h[j] for j in range(3) if j != axis)
            w = _rectangle_solid_angle(a, b, h[axis])
            for sign in (1.0, -1.0):
                items.append((_down(sign * np.eye(3)[axis]), w, none))
        return _poses(items)
    r, height = s[0], s[1]
    side_roll = (0.0, 0.0, 1.0)  # lying on its side, it rests rolled any angle about its axis
    if shape == "cylinder":
        cap = _disk_solid_angle(r, height / 2)
        side = 4.0 * np.pi - 2.0 * cap
        return _poses([(_down([0, 0, -1]), cap, none), (_down([0, 0, 1]), cap, none),
                       (_down([1, 0, 0]), side, side_roll)])
    if shape == "capsule":  # on an end cap it would topple: only the side
        return _poses([(_down([1, 0, 0]), 1.0, side_roll)])
    if shape == "cone":  # apex up at +height/2, base at -height/2, centre of mass height/4 above the base
        base = _disk_solid_angle(r, height / 4)
        half_angle = np.arctan2(r, height)
        slant_normal = [np.cos(half_angle), 0.0, np.sin(half_angle)]
        return _poses([(_down([0, 0, -1]), base, none), (_down(slant_normal), 4.0 * np.pi - base, side_roll)])
    raise ValueError(f"no resting poses for primitive '{shape}'")


def _file_key(ref: AssetRef) -> str:
    """Cache key of a file asset: the reference and the file's size and modification time, so
    a cache hit reads nothing but the cached poses, and an edited file is recomputed."""
    h = hashlib.sha256(RESTING_VERSION)
    stat = os.stat(ref.path)
    h.update(repr((ref.kind, os.path.abspath(ref.path), ref.scale, ref.collision, stat.st_size, stat.st_mtime_ns)).encode())
    return h.hexdigest()[:40]


def _strictly_inside(hull: trimesh.Trimesh, com: np.ndarray) -> np.ndarray:
    """``com`` moved toward the hull's centroid until strictly inside (trimesh requires it; a
    URDF may put its inertial origin on the hull, as pybullet's mug does on its bottom face)."""
    centre = np.asarray(hull.centroid, float)
    for t in (0.0, 0.001, 0.01, 0.1, 1.0):
        c = com + t * (centre - com)
        if np.all(np.einsum("ij,ij->i", c - hull.triangles_center, hull.face_normals) < 0):
            return c
    return centre


def _computed_poses(hull: trimesh.Trimesh, com: np.ndarray) -> RestingPoses:
    """trimesh's quasi-static resting poses of a convex hull about ``com``."""
    transforms, probs = trimesh.poses.compute_stable_poses(hull, center_mass=_strictly_inside(hull, com))
    keep = probs >= MIN_PROBABILITY
    if not keep.any():
        keep = probs == probs.max()
    rotations = np.ascontiguousarray(transforms[keep, :3, :3])
    return RestingPoses(rotations, probs[keep] / probs[keep].sum(), np.zeros((len(rotations), 3)),
                        hull=np.asarray(hull.vertices, float))


def _load(path) -> RestingPoses | None:
    try:
        with np.load(path) as data:
            rotations, probabilities, hull = data["rotations"], data["probabilities"], data["hull"]
    except (OSError, ValueError, KeyError):
        return None  # missing or damaged: recomputed and replaced
    return RestingPoses(rotations, probabilities, np.zeros((len(rotations), 3)), hull=hull)


def _store(path, poses: RestingPoses) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, rotations=poses.rotations, probabilities=poses.probabilities, hull=poses.hull)
    try:  # concurrent workers may race: each writes a whole file
        write_bytes_atomic(path, buffer.getvalue())
    except OSError:
        pass  # an unwritable cache costs time, not correctness


def _collision_hull(asset: LoadedAsset) -> tuple[trimesh.Trimesh, np.ndarray]:
    """Convex hull of what pybullet collides (link frame, metres) and the centre of mass it
    simulates: a URDF's ``<collision>`` geometry and inertial origin (pybullet's duck collides
    as a decomposition that rests differently from its visual mesh), else the visual mesh."""
    if asset.ref.kind == "urdf":
        link = read_urdf(asset.ref.path)
        mesh = urdf_geometry(link.collisions) if link.collisions else asset.mesh
        scale = asset.ref.scale if link.collisions else 1.0  # the visual mesh is scaled already
        return mesh.convex_hull.copy().apply_scale(scale), asset.center_of_mass
    return asset.mesh.convex_hull, asset.center_of_mass


@lru_cache(maxsize=256)
def _file_poses(ref: AssetRef) -> RestingPoses:
    path = cache_root() / "resting" / f"{_file_key(ref)}.npz"
    poses = _load(path)
    if poses is None:
        poses = _computed_poses(*_collision_hull(load_asset(ref)))
        _store(path, poses)
    return poses


def resting_poses(asset: LoadedAsset) -> RestingPoses:
    """Resting poses of ``asset`` on a horizontal plane (see the module docstring)."""
    ref = asset.ref
    if ref.kind == "primitive":  # convex: the mesh is its own hull
        return replace(_primitive_poses(ref.shape, ref.size, ref.scale), hull=asset.vertices)
    return _file_poses(ref)
