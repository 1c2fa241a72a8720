"""Collision shapes for non-URDF bodies, made the way that is fast and keeps memory flat.

- Boxes, spheres, cylinders and capsules are pybullet's native shapes: they collide faster than
  hulls, and a sphere or cylinder is round, not a polygon that rocks.
- Every other convex shape is handed over as an OBJ file, never as a vertex list: pybullet
  keeps the Python floats of every list it is given, so a list per body leaks. A cone is one
  unit-cone file scaled per body (``meshScale``); any other mesh's convex hull is written once
  into the cache under its content hash.
- A convex decomposition (``asset.collision_path``) is used as it is.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import trimesh

from simgen.assets.collision import cache_root
from simgen.assets.geometry import LoadedAsset
from simgen.core.atomic import write_bytes_atomic
from simgen.core.bullet import pb

HULL_VERSION = b"convex hull obj v1"
UNIT_CONE_SECTIONS = 48  # as the visual cone of simgen.assets.geometry


def _write_once(path: Path, mesh: trimesh.Trimesh) -> str:
    if not path.is_file():  # concurrent workers may race: each writes a whole file
        text = trimesh.exchange.obj.export_obj(mesh, include_normals=False, include_color=False, include_texture=False)
        write_bytes_atomic(path, text.encode())
    return str(path)


@lru_cache(maxsize=1)
def unit_cone_file() -> str:
    """OBJ of the cone of radius 1 and height 1, centred on its bounding box like the visual one."""
    cone = trimesh.creation.cone(radius=1.0, height=1.0, sections=UNIT_CONE_SECTIONS)
    cone.apply_translation([0.0, 0.0, -0.5])
    return _write_once(cache_root() / "hulls" / "unit_cone_v1.obj", cone)


def hull_file(mesh: trimesh.Trimesh) -> str:
    """OBJ of ``mesh``'s convex hull in its own frame, cached by content."""
    h = hashlib.sha256(HULL_VERSION)
    h.update(np.ascontiguousarray(mesh.vertices, dtype="<f8").tobytes())
    return _write_once(cache_root() / "hulls" / f"{h.hexdigest()[:40]}.obj", mesh.convex_hull)


def collision_shape(client: int, asset: LoadedAsset) -> int:
    """A pybullet collision shape index for ``asset`` in its link frame."""
    ref = asset.ref
    if ref.kind == "primitive":
        size = np.asarray(ref.size, float) * ref.scale
        if ref.shape == "box":
            return pb.createCollisionShape(pb.GEOM_BOX, halfExtents=(size[:3] / 2).tolist(), physicsClientId=client)
        if ref.shape == "sphere":
            return pb.createCollisionShape(pb.GEOM_SPHERE, radius=float(size[0]), physicsClientId=client)
        if ref.shape == "cylinder":
            return pb.createCollisionShape(pb.GEOM_CYLINDER, radius=float(size[0]), height=float(size[1]),
                                           physicsClientId=client)
        if ref.shape == "capsule":
            return pb.createCollisionShape(pb.GEOM_CAPSULE, radius=float(size[0]), height=float(size[1]),
                                           physicsClientId=client)
        if ref.shape == "cone":
            r, height = float(size[0]), float(size[1])
            return pb.createCollisionShape(pb.GEOM_MESH, fileName=unit_cone_file(), meshScale=[r, r, height],
                                           physicsClientId=client)
    if asset.collision_path:  # convex parts in the link frame, one hull per OBJ object
        return pb.createCollisionShape(pb.GEOM_MESH, fileName=asset.collision_path, meshScale=[ref.scale] * 3,
                                       physicsClientId=client)
    # convex hull of the visual mesh (already scaled): what is drawn is what collides
    return pb.createCollisionShape(pb.GEOM_MESH, fileName=hull_file(asset.mesh), physicsClientId=client)
