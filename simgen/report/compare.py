"""Comparison of a simgen dataset with real labels (COCO or KITTI ``label_2``), per shared class.

For each feature both sets record, the Wasserstein-1 distance (in the feature's unit) and the
two-sample Kolmogorov-Smirnov statistic (0 = same distribution, 1 = disjoint) between the
two distributions, overlaid histograms, and a hint naming the setting that moves the feature.
Against KITTI labels, box features use simgen's amodal box clipped to the image (KITTI's box
convention) and visibility becomes KITTI's occlusion level.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.stats import ks_2samp, wasserstein_distance

from simgen.core.errors import SimgenError
from simgen.report import features as F
from simgen.report.data import LabelTable

COMPARED = ("size", "aspect", "center_x", "center_y", "visibility", "occlusion", "truncation", "objects_per_image")

# What moves each feature, per scene kind (README, "Report").
_HINTS = {
    "size": {"tabletop": "scene.camera.radius_min/radius_max (camera distance) or renderer.width/height",
             "bin_picking": "scene.camera.radius_min/radius_max and scene.camera.overhead_height_min/max",
             "driving": "scene.rig.cameras[].fov_x_deg (focal length), renderer.width/height, or the class's size_min/size_max",
             "": "camera distance or field of view"},
    "aspect": {"driving": "the class's size_min/size_max (length, width, height)",
               "": "scene.assets (object shapes) and scene.camera.elevation_min_deg/max_deg (viewing angle)"},
    "center_x": {"driving": "scene.rig.cameras[].yaw_deg and scene.road.lanes_min/max (where road users stand)",
                 "": "scene.camera.target_jitter"},
    "center_y": {"driving": "scene.rig.cameras[].pitch_deg and height (the horizon's row)",
                 "": "scene.camera.elevation_min_deg/max_deg and scene.camera.target_jitter"},
    "visibility": {"driving": "the classes' count_min/count_max and scene.parked_min/max (crowding)",
                   "": "scene.min_objects/max_objects (crowding) and labels.min_visibility"},
    "truncation": {"driving": "labels.max_truncation and scene.rig.cameras[].fov_x_deg",
                   "": "labels.max_truncation and scene.camera.fov_y_min_deg/max_deg"},
    "objects_per_image": {"driving": "the class's count_min/count_max, or balance.classes",
                          "": "scene.min_objects/max_objects, or balance.classes"},
}
_HINTS["occlusion"] = _HINTS["visibility"]
_WORDS = {"size": ("smaller", "larger"), "aspect": ("narrower", "wider"), "center_x": ("further left", "further right"),
          "center_y": ("higher in the image", "lower in the image"), "visibility": ("more occluded", "less occluded"),
          "occlusion": ("less occluded", "more occluded"), "truncation": ("less truncated", "more truncated"),
          "objects_per_image": ("fewer per image", "more per image")}


def read_mapping(path: Path | None) -> dict[str, str]:
    """``{simgen class: real class}`` from a JSON or YAML file (one mapping), or {}."""
    if path is None:
        return {}
    text = Path(path).read_text()
    try:
        doc = json.loads(text)
    except ValueError:
        import yaml

        doc = yaml.safe_load(text)
    if not isinstance(doc, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in doc.items()):
        raise SimgenError(f"--map {path}: must map simgen class names to real class names (JSON or YAML)")
    return doc


def match_classes(sim: LabelTable, real: LabelTable, mapping: dict[str, str]) -> list[tuple[str, str]]:
    """(simgen class, real class) pairs: from ``mapping``, else the same name ignoring case."""
    if mapping:
        missing = [f"{s}: {r}" for s, r in mapping.items() if s not in sim.categories or r not in real.categories]
        if missing:
            raise SimgenError(f"--map: classes not in the datasets: {', '.join(missing)}")
        return list(mapping.items())
    lower = {r.lower(): r for r in real.categories}
    return [(s, lower[s.lower()]) for s in sim.categories if s.lower() in lower]


def _feature(t: LabelTable, cls: str, name: str, kitti: bool) -> np.ndarray:
    keep = t.counted() & (t.inst["category"] == t.categories.index(cls))
    if name == "objects_per_image":
        return F.per_image_counts(t, keep).astype(float)
    v = F.values(t, name, amodal=kitti)[keep]
    return v[np.isfinite(v)]


def distances(a: np.ndarray, b: np.ndarray) -> dict:
    """Wasserstein-1 and KS statistic between two samples, with their sizes and medians."""
    return {"wasserstein": float(wasserstein_distance(a, b)), "ks": float(ks_2samp(a, b).statistic),
            "n_sim": int(a.size), "n_real": int(b.size), "median_sim": float(np.median(a)), "median_real": float(np.median(b)), "std_real": float(np.std(b))}


def hint(name: str, d: dict, kind: str) -> str:
    """What to change so feature ``name`` of the simgen set moves towards the real one; close
    when the KS statistic is under 0.1 or W1 under a tenth of the real set's spread."""
    if d["ks"] < 0.1 or d["wasserstein"] <= 0.1 * d["std_real"]:
        return "close to the real set"
    lower, higher = _WORDS[name]
    where = lower if d["median_sim"] < d["median_real"] else higher
    table = _HINTS[name]
    return f"simgen's are {where} than the real ones: change {table.get(kind, table[''])}"


def compare(sim: LabelTable, real: LabelTable, mapping: dict[str, str] | None = None, kind: str = "") -> dict:
    """``{"real", "classes": {simgen class: {"real_class", "features": {name: distances + hint
    + histograms}}}}`` for every shared class and every feature both sets record."""
    kind = kind or str(sim.info.get("scene") or "")
    pairs = match_classes(sim, real, mapping or {})
    kitti = real.kind == "kitti"
    out = {"real": real.source, "real_kind": real.kind, "classes": {}, "unmatched_sim": [], "unmatched_real": [],
           "no_instances": []}
    matched_real = {r for _, r in pairs}
    out["unmatched_sim"] = [s for s in sim.categories if s not in {p[0] for p in pairs}]
    out["unmatched_real"] = [r for r in real.categories if r not in matched_real]
    for s, r in pairs:
        feats = {}
        if _feature(sim, s, "size", kitti).size == 0 or _feature(real, r, "size", kitti).size == 0:
            out["no_instances"].append(s)  # shared, but without instances in one of the sets
            continue
        for name in COMPARED:
            if kitti and name == "visibility":
                continue
            a, b = _feature(sim, s, name, kitti), _feature(real, r, name, kitti)
            if a.size == 0 or b.size == 0:
                continue
            d = distances(a, b)
            e = np.histogram_bin_edges(np.concatenate([a, b]), bins=20) if name != "occlusion" else F.edges("occlusion", a)
            d["hint"] = hint(name, d, kind)
            d["hist_sim"], d["hist_real"] = F.histogram(a, e), F.histogram(b, e)
            feats[name] = d
        out["classes"][s] = {"real_class": r, "features": feats}
    if not pairs:
        out["note"] = ("no class shared by name; give a mapping file with --map "
                       f"(simgen classes: {', '.join(sim.categories)}; real: {', '.join(real.categories)})")
    return out
