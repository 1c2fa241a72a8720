"""Collision shapes for user meshes: the convex hull for convex parts, a convex decomposition
(``pybullet.vhacd``) for concave ones.

A decomposition costs seconds per mesh, so it is cached on disk under its content hash (the
loaded mesh's vertices and faces), and the next run starts at once. It is computed on the mesh
exactly as :func:`simgen.assets.geometry.load_asset` loads it, in the file's own frame and
units; physics scales it like the visual mesh, so both share the link frame.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import trimesh

from simgen.core.errors import AssetError

# Part of the cache key: bump when the decomposition call changes, so stale shapes are not reused.
DECOMPOSITION_VERSION = b"pybullet.vhacd defaults v1"


def cache_root(cache_dir: str | None = None) -> Path:
    """``cache_dir``, else ``$SIMGEN_CACHE_DIR``, else ``~/.cache/simgen``."""
    if cache_dir:
        return Path(cache_dir).expanduser()
    env = os.environ.get("SIMGEN_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "simgen"


def is_convex(mesh: trimesh.Trimesh, tolerance: float) -> bool:
    """Whether a closed mesh fills at least ``1 - tolerance`` of its convex hull's volume.

    Open or inconsistently wound meshes have no reliable volume: they count as concave, so
    they get a decomposition rather than a hull that would fill their cavities.
    """
    if not mesh.is_volume:
        return False
    hull = float(mesh.convex_hull.volume)
    return hull > 0 and float(mesh.volume) >= (1.0 - tolerance) * hull


def content_key(mesh: trimesh.Trimesh) -> str:
    """Hex digest of the mesh geometry and the decomposition version."""
    h = hashlib.sha256(DECOMPOSITION_VERSION)
    h.update(np.ascontiguousarray(mesh.vertices, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(mesh.faces, dtype="<i8").tobytes())
    return h.hexdigest()[:40]


def cached(mesh: trimesh.Trimesh, cache_dir: str | None) -> Path | None:
    """The cached decomposition of ``mesh``, or None when :func:`decompose` must make it."""
    out = cache_root(cache_dir) / "collision" / f"{content_key(mesh)}.obj"
    return out if out.is_file() and out.stat().st_size > 0 else None


def decompose(mesh: trimesh.Trimesh, cache_dir: str | None, name: str) -> Path:
    """Path of the cached convex decomposition of ``mesh`` (OBJ, one object per convex part),
    made now if missing. ``name`` (the source file) is used in errors only."""
    from simgen.core.bullet import pb, quiet_fd

    out = cached(mesh, cache_dir)
    if out is not None:
        return out
    folder = cache_root(cache_dir) / "collision"
    out = folder / f"{content_key(mesh)}.obj"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AssetError(f"assets.cache_dir: cannot create {folder} ({exc.strerror})") from None
    with tempfile.TemporaryDirectory(dir=folder, prefix=".vhacd-") as tmp:
        src, dst, log = (Path(tmp) / n for n in ("in.obj", "out.obj", "log.txt"))
        trimesh.Trimesh(mesh.vertices, mesh.faces, process=False).export(src)
        with quiet_fd(1):  # V-HACD reports progress on stdout
            pb.vhacd(str(src), str(dst), str(log))
        if not dst.is_file() or dst.stat().st_size == 0:
            raise AssetError(f"{name}: convex decomposition failed (pybullet.vhacd wrote no parts)")
        os.replace(dst, out)  # atomic: concurrent runs may race, each writes a whole file
    return out


def part_count(path: str | Path) -> int:
    """Number of convex parts (OBJ objects) in a decomposition file."""
    return sum(1 for line in Path(path).read_text().splitlines() if line.startswith("o "))
