"""The per-instance numbers the report plots and compares, from a :class:`LabelTable`.

Each feature is one value per instance (nan where the set does not record it) with fixed bin
edges, so histograms of two sets, or of two classes, share their bins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.report.data import LabelTable


@dataclass(frozen=True)
class Feature:
    """``name``, what it is (``label``, with unit) and whether its edges follow the data."""

    name: str
    label: str


FEATURES = {
    "size": Feature("size", "box size sqrt(w h), px"),
    "aspect": Feature("aspect", "aspect ratio w / h"),
    "center_x": Feature("center_x", "box centre x / image width"),
    "center_y": Feature("center_y", "box centre y / image height"),
    "visibility": Feature("visibility", "visibility (visible / amodal pixels)"),
    "occlusion": Feature("occlusion", "KITTI occlusion level (0 fully visible .. 2 largely occluded)"),
    "truncation": Feature("truncation", "truncation (share outside the image)"),
    "distance": Feature("distance", "distance: camera z of the object, m"),
    "azimuth": Feature("azimuth", "camera azimuth in the object frame, deg"),
    "elevation": Feature("elevation", "camera elevation in the object frame, deg"),
}
HIST_FEATURES = ("size", "aspect", "visibility", "truncation", "distance")
DIFFICULTIES = ("easy", "moderate", "hard", "none")


def values(t: LabelTable, name: str, amodal: bool = False) -> np.ndarray:
    """Feature ``name`` for every instance (n,); ``amodal`` takes box features from the amodal
    box clipped to the image (KITTI's box convention)."""
    i = t.inst
    x, y, w, h = (i["ax"], i["ay"], i["aw"], i["ah"]) if amodal else (i["x"], i["y"], i["w"], i["h"])
    if name == "size":
        return np.sqrt(np.maximum(w * h, 0))
    if name == "aspect":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(h > 0, w / np.where(h > 0, h, 1), np.nan)
    W = t.img["width"][i["image"]].astype(float)
    H = t.img["height"][i["image"]].astype(float)
    if name == "center_x":
        return (x + w / 2) / W
    if name == "center_y":
        return (y + h / 2) / H
    if name in ("azimuth", "elevation"):
        return np.degrees(i[name])
    if name == "occlusion":
        return np.where(i["occlusion"] >= 0, i["occlusion"], np.nan).astype(float)
    return i[name].astype(float)


def edges(name: str, data: np.ndarray, bins: int = 24) -> np.ndarray:
    """Bin edges of feature ``name`` over ``data`` (fixed ranges for bounded features)."""
    fixed = {"visibility": (0.0, 1.0, 20), "truncation": (0.0, 1.0, 20), "center_x": (0.0, 1.0, 20),
             "center_y": (0.0, 1.0, 20), "azimuth": (-180.0, 180.0, 24), "elevation": (-90.0, 90.0, 18)}
    if name in fixed:
        lo, hi, n = fixed[name]
        return np.linspace(lo, hi, n + 1)
    if name == "occlusion":
        return np.array([-0.5, 0.5, 1.5, 2.5])
    finite = data[np.isfinite(data)]
    if name == "aspect":
        hi = max(float(np.quantile(finite, 0.99)) if finite.size else 1.0, 1.0) * 1.05
        return np.linspace(0.0, hi, bins + 1)
    hi = float(finite.max()) if finite.size else 1.0
    return np.linspace(0.0, max(hi, 1e-6) * 1.0001, bins + 1)


def histogram(data: np.ndarray, bin_edges: np.ndarray) -> dict:
    """Counts of the finite values of ``data`` over ``bin_edges``; values past either end
    fall in the end bins, so the counts sum to the population (``n``)."""
    finite = data[np.isfinite(data)]
    clipped = np.clip(finite, bin_edges[0], bin_edges[-1])
    counts, _ = np.histogram(clipped, bins=bin_edges)
    return {"edges": [round(float(e), 6) for e in bin_edges], "counts": counts.astype(int).tolist(), "n": int(finite.size)}


def kitti_difficulty(t: LabelTable) -> np.ndarray:
    """KITTI's difficulty per instance (index into DIFFICULTIES): easy = box height >= 40 px,
    occlusion 0, truncation <= 0.15; moderate = >= 25 px, occlusion <= 1, truncation <= 0.3;
    hard = >= 25 px, occlusion <= 2, truncation <= 0.5; else none. The box is the amodal box
    clipped to the image, KITTI's convention."""
    i = t.inst
    h, occ, tr = i["ah"], i["occlusion"], np.nan_to_num(i["truncation"], nan=0.0)
    known = occ >= 0
    easy = known & (h >= 40) & (occ == 0) & (tr <= 0.15)
    moderate = known & (h >= 25) & (occ <= 1) & (tr <= 0.3)
    hard = known & (h >= 25) & (occ <= 2) & (tr <= 0.5)
    return np.where(easy, 0, np.where(moderate, 1, np.where(hard, 2, 3)))


def per_image_counts(t: LabelTable, mask: np.ndarray) -> np.ndarray:
    """Counted instances per image (m,) among the instances selected by ``mask`` (n,)."""
    return np.bincount(t.inst["image"][mask], minlength=len(t.img["image_id"]))
