"""The part of a job's configuration that decides its dataset, as canonical JSON and a hash.

A dataset is a function of (config, seed); settings that only say *how* it is produced (how many
workers, which cluster, where it is written, shard and slice sizes) are left out, so a resumed or
sliced run on other machinery is recognised as the same job, and any other change is not.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from simgen.core.spec import MATERIAL_KINDS

# Dotted keys that never change the files of a dataset.
EXECUTION_KEYS = ("farm", "output_dir", "validate", "report", "renderer.egl_device")


def dataset_config(typed: Any) -> dict:
    """``typed`` (a SimgenConfig) as a plain dict without :data:`EXECUTION_KEYS`."""
    data = asdict(typed) if is_dataclass(typed) else dict(typed)
    for key in EXECUTION_KEYS:
        *parents, leaf = key.split(".")
        node = data
        for p in parents:
            node = node.get(p, {})
        node.pop(leaf, None)
    if not any((data.get("balance") or {}).values()):  # no balance: the hash of jobs recorded before it
        data.pop("balance", None)
    materials = (data.get("scene") or {}).get("materials") or {}
    if not any(materials.get(kind) for kind in MATERIAL_KINDS[1:]):  # no kinds drawn: as before kinds existed
        for kind in MATERIAL_KINDS:
            materials.pop(kind, None)
    if (data.get("camera") or {}).get("model", "pinhole") == "pinhole":  # no lens: the hash of jobs recorded before lenses
        data.pop("camera", None)
    scene = data.get("scene") or {}
    if not any((scene.get("scenarios") or {}).values()):  # no scenario staged: the hash of jobs recorded before them
        scene.pop("scenarios", None)
        scene.pop("scenario_ranges", None)
    renderer = data.get("renderer") or {}
    if renderer.get("engine", "raster") == "raster":  # the raster alone: the hash of jobs recorded before engines
        renderer.pop("engine", None)
        renderer.pop("pathtrace", None)
    if (data.get("lidar") or {}).get("name", "none") == "none":  # no LiDAR: the hash of jobs recorded before it
        data.pop("lidar", None)
    return data


def canonical_json(data: dict) -> str:
    """Sorted keys, no whitespace: equal configs give equal strings."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def config_hash(data: dict) -> str:
    """sha256 hex digest of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


# Keys that say how much of a dataset to make, not what it holds: scene i is the same whatever
# the frame count, so a dataset grows when ``frames`` is raised (its complete shards are kept).
SIZE_KEYS = ("frames",)


def without_size(data: dict) -> dict:
    """A dataset config without :data:`SIZE_KEYS`."""
    return {k: v for k, v in data.items() if k not in SIZE_KEYS}


def job_hash(data: dict) -> str:
    """:func:`config_hash` of :func:`without_size`: equal for the same job at any size. Shard
    manifests carry it, so a grown job keeps its complete shards."""
    return config_hash(without_size(data))


def default_output_dir(typed: Any) -> Path:
    """Where a job goes without ``output_dir``: ``outputs/SCENE-seedSEED-HASH``, HASH the first 8
    digits of :func:`job_hash`. The same command (at any ``frames``) finds the same folder, so
    it resumes or grows the dataset there; another config gets another folder."""
    return Path("outputs") / f"{typed.scene.name}-seed{typed.seed}-{job_hash(dataset_config(typed))[:8]}"


def first_difference(old: dict, new: dict, prefix: str = "") -> str | None:
    """The first dotted key (sorted order) whose value differs, as ``key: old -> new``."""
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, "<unset>"), new.get(key, "<unset>")
        name = f"{prefix}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            found = first_difference(a, b, name + ".")
            if found:
                return found
        elif a != b:
            return f"{name}: {json.dumps(a)} -> {json.dumps(b)}"
    return None
