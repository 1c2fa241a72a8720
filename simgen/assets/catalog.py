"""Asset sources named in scene recipes, resolved to files once per process.

A recipe lists entries such as ``{category: duck, source: "pybullet_data:duck_vhacd.urdf"}``,
``{category: random_shape, source: "pybullet_data:random_urdfs/*/*.urdf"}`` (a glob: one file
is drawn per object) or ``{category: box, source: "primitive:box", size_min: [...], size_max:
[...]}``. Paths may be absolute, relative to the working directory, or under pybullet_data.
"""

from __future__ import annotations

import glob
import logging
from functools import lru_cache
from pathlib import Path

import numpy as np

from simgen.assets.geometry import PRIMITIVE_SHAPES, load_asset
from simgen.core.errors import AssetError, ConfigError
from simgen.core.spec import AssetRef

log = logging.getLogger(__name__)

PYBULLET_PREFIX = "pybullet_data:"
PRIMITIVE_PREFIX = "primitive:"


def pybullet_data_dir() -> Path:
    import pybullet_data

    return Path(pybullet_data.getDataPath())


@lru_cache(maxsize=256)
def resolve_files(source: str) -> tuple[str, ...]:
    """Sorted absolute paths named by a file or glob ``source`` (sorted: draws are reproducible)."""
    pattern = source
    if source.startswith(PYBULLET_PREFIX):
        pattern = str(pybullet_data_dir() / source[len(PYBULLET_PREFIX):])
    files = tuple(sorted(str(Path(f).resolve()) for f in glob.glob(pattern)))
    if not files:
        raise AssetError(f"asset source '{source}' matches no file")
    return files


def asset_kind(path: str) -> str:
    return "urdf" if path.lower().endswith(".urdf") else "mesh"


def check_source(source: str) -> None:
    """Fail early, naming the source, if it cannot produce assets."""
    if source.startswith(PRIMITIVE_PREFIX):
        shape = source[len(PRIMITIVE_PREFIX):]
        if shape not in PRIMITIVE_SHAPES:
            raise ConfigError(f"asset source '{source}': unknown primitive; choose one of {', '.join(PRIMITIVE_SHAPES)}")
    else:
        resolve_files(source)


def draw_asset(rng: np.random.Generator, source: str, size_min, size_max, scale: float = 1.0, collision: str = "") -> AssetRef:
    """One asset from ``source``: a file drawn uniformly from its matches, or a primitive of
    uniformly drawn dimensions between ``size_min`` and ``size_max`` (metres)."""
    if source.startswith(PRIMITIVE_PREFIX):
        lo, hi = np.asarray(size_min, float), np.asarray(size_max, float)
        size = tuple(float(x) for x in rng.uniform(lo, hi))
        return AssetRef(kind="primitive", shape=source[len(PRIMITIVE_PREFIX):], size=size, scale=scale)
    files = resolve_files(source)
    if len(files) == 1:
        return AssetRef(kind=asset_kind(files[0]), path=files[0], scale=scale, collision=collision)
    for _ in range(len(files)):
        path = files[int(rng.integers(len(files)))]
        ref = AssetRef(kind=asset_kind(path), path=path, scale=scale, collision=collision)
        if _usable(ref):
            return ref
    raise AssetError(f"asset source '{source}': no usable file among {len(files)} tried")


@lru_cache(maxsize=4096)
def _usable(ref: AssetRef) -> bool:
    """Whether a file drawn from a glob loads. Collections carry broken members (pybullet's
    random_urdfs/168 has NaN vertices); such a draw is redrawn, which stays a function of the
    seed because a file's usability never changes."""
    try:
        load_asset(ref)
    except AssetError as exc:
        log.warning("skipping %s", exc)
        return False
    return True


def single_asset(entry) -> AssetRef | None:
    """The one asset a recipe entry always draws (a single file, or a primitive of fixed size),
    equal to what :func:`draw_asset` returns for it; None when draws differ (globs, size ranges).
    Formats with one model per category (BOP) need it."""
    if entry.source.startswith(PRIMITIVE_PREFIX):
        if list(entry.size_min) != list(entry.size_max):
            return None
        size = tuple(float(x) for x in entry.size_min)
        return AssetRef(kind="primitive", shape=entry.source[len(PRIMITIVE_PREFIX):], size=size, scale=entry.scale)
    files = resolve_files(entry.source)
    if len(files) != 1:
        return None
    return AssetRef(kind=asset_kind(files[0]), path=files[0], scale=entry.scale, collision=entry.collision)
