"""Your own meshes as object categories: ``assets.dirs=[PATH, ...]``.

Folder rule, per folder in ``assets.dirs``:

- each mesh file directly in the folder (``.obj .stl .ply .glb .gltf``) is one category, named
  by its file stem (``bracket.stl`` -> ``bracket``);
- each sub-folder holding mesh files is one category named by the sub-folder, for a mesh that
  comes with its textures (``gear/gear.obj, gear.mtl, gear.png``). A sub-folder with several
  meshes must say which one in assets.yaml (``file:``); sub-folders without meshes are ignored.

An optional ``assets.yaml`` in the folder sets defaults for every mesh and overrides per entry
(keyed by file stem or sub-folder name)::

    units: mm            # m, mm or auto (the default: mm when a mesh spans more than 2 units)
    scale: 1.0           # multiplies the mesh after the unit conversion
    objects:
      bracket: {name: l_bracket, mass: 0.05, friction: 0.6}
      gear: {file: meshes/gear_textured.obj, units: m}

Category ids follow the folders in ``assets.dirs`` order, and entries by name within each.
Each mesh is checked once at start-up: unreadable, empty or degenerate meshes are a one-line
AssetError naming the file (or skipped with a warning when ``assets.skip_invalid=true``).
Concave meshes get a cached convex decomposition (:mod:`simgen.assets.collision`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import trimesh
import yaml

from simgen.assets.collision import cached, decompose, is_convex
from simgen.assets.geometry import _load_mesh_file
from simgen.config.schema import AssetEntryConfig, AssetsConfig
from simgen.core.errors import AssetError, ConfigError, first_line

log = logging.getLogger("simgen.assets")

MESH_SUFFIXES = (".obj", ".stl", ".ply", ".glb", ".gltf")
SPEC_FILE = "assets.yaml"
UNITS = {"m": 1.0, "mm": 0.001}
AUTO_MM_SPAN = 2.0  # "auto" units: a mesh larger than this many units is taken to be in mm
ENTRY_KEYS = {"name", "file", "units", "scale", "mass", "friction"}
FOLDER_KEYS = {"units", "scale", "mass", "friction", "objects"}
FLAT_TOLERANCE = 1e-6  # a mesh thinner than this fraction of its size in some direction is flat


@dataclass(frozen=True)
class UserAsset:
    """One category from a user folder. ``scale`` converts file units to metres (units x
    scale); ``collision`` is a decomposition OBJ in file units, or "" for the convex hull."""

    category: str
    path: str
    scale: float
    mass: float | None
    friction: float | None
    collision: str

    def entry(self) -> AssetEntryConfig:
        return AssetEntryConfig(category=self.category, source=self.path, scale=self.scale, mass=self.mass,
                                friction=self.friction, collision=self.collision)


def _is_mesh(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in MESH_SUFFIXES


def _read_spec(folder: Path) -> dict:
    path = folder / SPEC_FILE
    if not path.is_file():
        return {}
    try:
        spec = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not valid YAML ({first_line(exc)})") from None
    if not isinstance(spec, dict):
        raise ConfigError(f"{path}: must be a mapping of settings")
    unknown = set(spec) - FOLDER_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key '{sorted(unknown)[0]}'; allowed: {', '.join(sorted(FOLDER_KEYS))}")
    objects = spec.get("objects") or {}
    if not isinstance(objects, dict):
        raise ConfigError(f"{path}: objects must map a file stem or sub-folder name to its settings")
    for key, entry in objects.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: objects.{key} must be a mapping")
        bad = set(entry) - ENTRY_KEYS
        if bad:
            raise ConfigError(f"{path}: objects.{key}: unknown key '{sorted(bad)[0]}'; allowed: {', '.join(sorted(ENTRY_KEYS))}")
    return spec


def _entries(folder: Path, objects: dict) -> list[tuple[str, Path | None, str]]:
    """(entry name, mesh path or None, why it has none) per category in ``folder``, by name."""
    found: list[tuple[str, Path | None, str]] = []
    for item in sorted(folder.iterdir()):
        if _is_mesh(item):
            found.append((item.stem, item, ""))
        elif item.is_dir():
            meshes = sorted(p for p in item.rglob("*") if _is_mesh(p))
            chosen = (objects.get(item.name) or {}).get("file")
            if chosen:
                path = item / str(chosen)
                found.append((item.name, path if _is_mesh(path) else None, f"{path}: no such mesh file"))
            elif len(meshes) == 1:
                found.append((item.name, meshes[0], ""))
            elif meshes:
                names = ", ".join(str(p.relative_to(item)) for p in meshes[:4])
                found.append((item.name, None, f"{item}: holds {len(meshes)} meshes ({names}); "
                              f"name one with objects.{item.name}.file in {SPEC_FILE}"))
    return found


def _check_geometry(mesh: trimesh.Trimesh, path: Path) -> None:
    """Refuse meshes that cannot be a rigid body: no area, or flat (no volume)."""
    if len(mesh.faces) == 0 or float(mesh.area) <= 0.0:
        raise AssetError(f"{path}: mesh has no triangles with area")
    centred = mesh.vertices - mesh.vertices.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    if len(s) < 3 or s[2] <= FLAT_TOLERANCE * s[0]:
        raise AssetError(f"{path}: mesh is degenerate (all vertices on a plane, line or point)")


def _number(value, key: str, where: Path, positive: bool = True) -> float | None:
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {key}={value!r} must be a number") from None
    if not (x > 0 if positive else x >= 0):
        raise ConfigError(f"{where}: {key}={value!r} must be {'> 0' if positive else '>= 0'}")
    return x


def _unit_factor(units: str, mesh: trimesh.Trimesh, path: Path, where: str) -> float:
    if units == "auto":
        mm = float(mesh.extents.max()) > AUTO_MM_SPAN
        log.info("%s: units=auto -> %s (span %.4g units)", path, "mm" if mm else "m", float(mesh.extents.max()))
        return UNITS["mm" if mm else "m"]
    if units not in UNITS:
        raise ConfigError(f"{where}: units={units!r}; allowed: auto, {', '.join(UNITS)}")
    return UNITS[units]


def missing_textures(path: Path) -> list[str]:
    """What an OBJ's material files name that does not exist: ``mtllib`` files and their
    ``map_Kd`` images (trimesh loads such a mesh untextured without a word). Paths are taken
    relative to the OBJ and to its MTL, as trimesh resolves them; options before the file
    name (``-s 1 1 1``) are skipped by reading the last word."""
    if path.suffix.lower() != ".obj":
        return []
    found = []
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        words = line.split()
        if not words or words[0] != "mtllib":
            continue
        mtl = path.parent / " ".join(words[1:])
        if not mtl.is_file():
            found.append(f"{path} names material file {mtl.name}, which does not exist")
            continue
        for mline in mtl.read_text(errors="replace").splitlines():
            mwords = mline.split()
            if len(mwords) >= 2 and mwords[0] == "map_Kd":
                image = mwords[-1].replace("\\", "/")
                if not (mtl.parent / image).is_file() and not (path.parent / image).is_file():
                    found.append(f"{mtl} names texture {image}, which does not exist")
    return found


def _make_asset(name: str, path: Path, folder_spec: dict, cfg: AssetsConfig,
                where: Path) -> tuple[UserAsset, trimesh.Trimesh | None]:
    """The asset (collision not yet set) and, when it is concave, the solid to decompose."""
    entry = (folder_spec.get("objects") or {}).get(name) or {}
    setting = {k: entry.get(k, folder_spec.get(k)) for k in ("units", "scale", "mass", "friction")}
    mesh = _load_mesh_file(str(path))
    for missing in missing_textures(path):
        log.warning("%s: the mesh is drawn without its texture", missing)
    # geometry alone: corners split for UVs are merged again, so a textured box is closed
    solid = trimesh.Trimesh(mesh.vertices, mesh.faces, process=True)
    _check_geometry(solid, path)
    units = setting["units"] if setting["units"] is not None else cfg.units
    spec_where = where / SPEC_FILE if (where / SPEC_FILE).is_file() else where
    factor = _unit_factor(str(units), solid, path, str(spec_where) if setting["units"] is not None else "assets.units")
    scale = _number(setting["scale"], "scale", spec_where) or 1.0
    asset = UserAsset(
        category=str(entry.get("name") or name),
        path=str(path.resolve()),
        scale=factor * scale,
        mass=_number(setting["mass"], "mass", spec_where),
        friction=_number(setting["friction"], "friction", spec_where, positive=False),
        collision="",
    )
    return asset, None if is_convex(solid, cfg.convex_tolerance) else solid


def _decompose_all(assets: list, concave: dict, cfg: AssetsConfig, skip_invalid: bool) -> list:
    """Give each concave asset its convex decomposition, with a progress bar over those not
    cached yet (a first run was silent for about 25 s while they were made)."""
    from tqdm import tqdm

    todo = [k for k in concave if cached(concave[k][0], cfg.cache_dir) is None]
    keep = []
    with tqdm(total=len(todo), unit="mesh", disable=not todo, dynamic_ncols=True,
              desc="simgen: convex decomposition of concave meshes (cached for later runs)") as bar, _ticking(bar):
        for k, asset in enumerate(assets):
            if k not in concave:
                keep.append(asset)
                continue
            solid, path = concave[k]
            if k in todo:
                bar.set_postfix_str(path.name)
            try:
                keep.append(replace(asset, collision=str(decompose(solid, cfg.cache_dir, str(path)))))
            except AssetError as exc:
                if not skip_invalid:
                    raise
                log.warning("skipped (assets.skip_invalid=true): %s", exc)
            if k in todo:
                bar.update()
    return keep


@contextmanager
def _ticking(bar, every_s: float = 1.0) -> Iterator[None]:
    """Redraw ``bar`` every second, so its clock runs while one long call blocks."""
    import threading

    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(every_s):
            bar.refresh()

    thread = threading.Thread(target=tick, daemon=True)
    if not bar.disable:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()


def _check_config(cfg: AssetsConfig) -> None:
    if cfg.units != "auto" and cfg.units not in UNITS:
        raise ConfigError(f"assets.units={cfg.units!r}: allowed: auto, {', '.join(UNITS)}")
    if not 0.0 <= cfg.convex_tolerance < 1.0:
        raise ConfigError(f"assets.convex_tolerance={cfg.convex_tolerance!r}: must lie in [0, 1)")
    for d in cfg.dirs:
        if not Path(d).expanduser().is_dir():
            raise ConfigError(f"assets.dirs: {d} is not a folder")


@lru_cache(maxsize=8)
def _scan(dirs: tuple[str, ...], units: str, skip_invalid: bool, cache_dir: str | None, convex_tolerance: float) -> tuple[UserAsset, ...]:
    cfg = AssetsConfig(dirs=list(dirs), units=units, skip_invalid=skip_invalid, cache_dir=cache_dir, convex_tolerance=convex_tolerance)
    _check_config(cfg)
    assets: list[UserAsset] = []
    concave: dict[int, tuple[trimesh.Trimesh, Path]] = {}  # index in assets -> (solid, file)
    origin: dict[str, Path] = {}
    for d in dirs:
        folder = Path(d).expanduser()
        spec = _read_spec(folder)
        entries = _entries(folder, spec.get("objects") or {})
        stray = sorted(set(spec.get("objects") or {}) - {name for name, _, _ in entries})
        if stray:
            raise ConfigError(f"{folder / SPEC_FILE}: objects.{stray[0]} names no mesh file or sub-folder in {folder}")
        for name, path, why in entries:
            try:
                if path is None:
                    raise AssetError(why)
                asset, solid = _make_asset(name, path, spec, cfg, folder)
            except AssetError as exc:
                if not skip_invalid:
                    raise
                log.warning("skipped (assets.skip_invalid=true): %s", exc)
                continue
            if asset.category in origin:
                raise ConfigError(f"assets.dirs: category '{asset.category}' comes from both {origin[asset.category]} "
                                  f"and {path}; rename one in {SPEC_FILE}")
            origin[asset.category] = path
            if solid is not None:
                concave[len(assets)] = (solid, path)
            assets.append(asset)
    assets = _decompose_all(assets, concave, cfg, skip_invalid)
    if not assets:
        raise AssetError(f"assets.dirs: no usable mesh ({', '.join(MESH_SUFFIXES)}) in {', '.join(dirs)}")
    return tuple(assets)


def scan(cfg: AssetsConfig) -> list[UserAsset]:
    """The categories of every folder in ``cfg.dirs`` (checked, with collision shapes)."""
    return list(_scan(tuple(str(d) for d in cfg.dirs), cfg.units, cfg.skip_invalid, cfg.cache_dir, float(cfg.convex_tolerance)))


def apply_user_assets(scene, cfg: AssetsConfig):
    """``scene`` with its object ``assets`` replaced by the user's categories (when given)."""
    if not cfg.dirs:
        return scene
    if not hasattr(scene, "assets"):
        raise ConfigError(f"assets.dirs: scene '{scene.name}' takes no object assets")
    scene.assets = [a.entry() for a in scan(cfg)]
    return scene
