"""``stats.json``: every number of the report, computed from a :class:`LabelTable` and the
dataset's facts files (see :mod:`simgen.export.facts`).

Counts exclude ignored instances (COCO crowd or ``ignore`` regions); those are counted apart.
Every histogram is ``{"edges", "counts", "n"}`` with ``sum(counts) == n``.
"""

from __future__ import annotations

import colorsys
from collections import Counter
from dataclasses import dataclass

import numpy as np

from simgen.report import features as F
from simgen.report.data import LabelTable

MAX_DUPLICATE_IMAGES = 20000  # near-duplicate search over at most this many images (evenly sampled)


@dataclass
class Thresholds:
    """When the report warns: classes under ``min_instances``; largest / smallest class above
    ``max_imbalance``; more than ``max_empty_share`` images without instances; images of two
    scenes within ``duplicate_bits`` of 64 perceptual-hash bits; coverage cells (class x
    distance x visibility) need ``cell_instances`` instances."""

    min_instances: int = 50
    max_imbalance: float = 10.0
    max_empty_share: float = 0.2
    duplicate_bits: int = 4
    cell_instances: int = 10


def class_counts(t: LabelTable) -> dict:
    """``{name: {instances, images, share, splits: {split: {instances, images}}}}``."""
    keep = t.counted()
    cat, image = t.inst["category"][keep], t.inst["image"][keep]
    split_of = t.img["split"]
    total = max(int(keep.sum()), 1)
    out = {}
    for c, name in enumerate(t.categories):
        sel = cat == c
        imgs = np.unique(image[sel])
        per_split = {}
        for s, split in enumerate(t.splits):
            in_split = split_of[image[sel]] == s
            per_split[split] = {"instances": int(in_split.sum()), "images": int(np.unique(image[sel][in_split]).size)}
        out[name] = {"instances": int(sel.sum()), "images": int(imgs.size), "share": round(int(sel.sum()) / total, 6),
                     "splits": per_split}
    return out


def split_totals(t: LabelTable) -> dict:
    keep = t.counted()
    per_image = F.per_image_counts(t, keep)
    out = {}
    for s, split in enumerate(t.splits):
        rows = t.img["split"] == s
        out[split] = {"images": int(rows.sum()), "instances": int(per_image[rows].sum()),
                      "ignored": int(np.isin(t.inst["image"][~keep], np.flatnonzero(rows)).sum()),
                      "empty_images": int((per_image[rows] == 0).sum())}
    return out


def _feature_hists(t: LabelTable, keep: np.ndarray) -> dict:
    out = {}
    for name in F.HIST_FEATURES:
        v = F.values(t, name)[keep]
        if not np.isfinite(v).any():
            continue
        e = F.edges(name, v)
        cat = t.inst["category"][keep]
        out[name] = {"label": F.FEATURES[name].label, "all": F.histogram(v, e),
                     "per_class": {n: F.histogram(v[cat == c], e) for c, n in enumerate(t.categories)}}
    return out


def _viewpoints(t: LabelTable, keep: np.ndarray) -> dict:
    out = {}
    cat = t.inst["category"][keep]
    az, el = F.values(t, "azimuth")[keep], F.values(t, "elevation")[keep]
    if not np.isfinite(az).any():
        return out
    ea, ee = F.edges("azimuth", az), F.edges("elevation", el)
    for c, name in enumerate(t.categories):
        sel = (cat == c) & np.isfinite(az)
        counts, _, _ = np.histogram2d(az[sel], el[sel], bins=[ea, ee])
        out[name] = {"azimuth": F.histogram(az[cat == c], ea), "elevation": F.histogram(el[cat == c], ee),
                     "grid": counts.astype(int).tolist(), "cells_seen": int((counts > 0).sum()), "cells": int(counts.size)}
    return out


def _heatmap(t: LabelTable, keep: np.ndarray, bins: int = 20) -> dict:
    cx, cy = F.values(t, "center_x")[keep], F.values(t, "center_y")[keep]
    ok = np.isfinite(cx) & np.isfinite(cy)
    e = np.linspace(0, 1, bins + 1)
    counts, _, _ = np.histogram2d(np.clip(cy[ok], 0, 1), np.clip(cx[ok], 0, 1), bins=[e, e])
    return {"y_edges": e.round(6).tolist(), "x_edges": e.round(6).tolist(), "counts": counts.astype(int).tolist(), "n": int(ok.sum())}


def _difficulty(t: LabelTable, keep: np.ndarray) -> dict:
    d, cat = F.kitti_difficulty(t)[keep], t.inst["category"][keep]
    return {name: {level: int(((cat == c) & (d == k)).sum()) for k, level in enumerate(F.DIFFICULTIES)}
            for c, name in enumerate(t.categories)}


def _coverage(t: LabelTable, keep: np.ndarray, need: int) -> dict:
    """Class x distance (5 bins between the 1st and 99th percentile) x visibility (4 bins)
    cells holding at least ``need`` instances."""
    dist, vis = F.values(t, "distance")[keep], F.values(t, "visibility")[keep]
    ok = np.isfinite(dist) & np.isfinite(vis)
    if not ok.any():
        return {}
    lo, hi = np.quantile(dist[ok], [0.01, 0.99])
    de = np.linspace(lo, max(hi, lo + 1e-6), 6)
    ve = np.linspace(0, 1, 5)
    cat = t.inst["category"][keep]
    per_class, full = {}, 0
    for c, name in enumerate(t.categories):
        sel = ok & (cat == c)
        counts, _, _ = np.histogram2d(np.clip(dist[sel], de[0], de[-1]), vis[sel], bins=[de, ve])
        covered = int((counts >= need).sum())
        full += covered
        per_class[name] = {"counts": counts.astype(int).tolist(), "covered": covered}
    cells = len(t.categories) * 20
    return {"distance_edges": de.round(4).tolist(), "visibility_edges": ve.tolist(), "min_instances": need,
            "cells": cells, "covered": full, "share": round(full / max(cells, 1), 4), "per_class": per_class}


def _duplicates(facts: list[dict], bits: int) -> dict:
    """Pairs of images from different scenes whose perceptual hashes differ in at most ``bits``."""
    rows = [(f["scene_index"], im["image_index"], int(im["phash"], 16)) for f in facts for im in f["images"]]
    if len(rows) > MAX_DUPLICATE_IMAGES:
        rows = rows[:: int(np.ceil(len(rows) / MAX_DUPLICATE_IMAGES))]
    if not rows:
        return {}
    scene = np.array([r[0] for r in rows])
    image = np.array([r[1] for r in rows])
    h = np.array([r[2] for r in rows], dtype=np.uint64)
    pairs, examples, dup_images = 0, [], set()
    for start in range(0, len(h), 512):
        block = h[start:start + 512]
        dist = np.bitwise_count(block[:, None] ^ h[None, :])
        close = (dist <= bits) & (scene[start:start + 512, None] != scene[None, :])
        close &= np.arange(start, start + len(block))[:, None] < np.arange(len(h))[None, :]
        a, b = np.nonzero(close)
        pairs += len(a)
        for i, j in zip(a + start, b, strict=True):
            dup_images.update((int(image[i]), int(image[j])))
            if len(examples) < 12:
                examples.append([int(image[i]), int(image[j]), int(dist[i - start, j])])
    return {"threshold_bits": bits, "images_checked": len(h), "pairs": pairs, "images": len(dup_images),
            "examples": examples}


def _look(facts: list[dict]) -> dict:
    if not facts:
        return {}
    bright = np.array([im["brightness"] for f in facts for im in f["images"]], float)
    contrast = np.array([im["contrast"] for f in facts for im in f["images"]], float)
    counts = np.array([len(f["lights"]) for f in facts], float)
    intens = np.array([li["intensity"] for f in facts for li in f["lights"]], float)
    conditions: dict[str, Counter] = {}
    for f in facts:
        for k, v in f.get("conditions", {}).items():
            conditions.setdefault(k, Counter())[str(v)] += 1
    unit = np.linspace(0, 1, 21)
    top = max(int(counts.max()) if counts.size else 1, 1)
    return {
        "brightness": F.histogram(bright, unit), "contrast": F.histogram(contrast, np.linspace(0, 0.5, 21)),
        "lights_per_scene": F.histogram(counts, np.arange(-0.5, top + 1.5)),
        "light_intensity": F.histogram(intens, F.edges("intensity", intens, 20)),
        "conditions": {k: dict(sorted(c.items())) for k, c in conditions.items()},
    }


def scenarios(facts: list[dict]) -> dict:
    """Sequences per scenario ("none": ordinary traffic) and, for each, how many had each
    drawn condition value (time of day, sky, rain, fog); {} when no scene staged a scenario."""
    if not any("scenario" in f for f in facts):
        return {}
    out: dict[str, dict] = {}
    for f in facts:
        row = out.setdefault(f.get("scenario", "none"), {"sequences": 0, "conditions": {}})
        row["sequences"] += 1
        for k, v in f.get("conditions", {}).items():
            row["conditions"].setdefault(k, Counter())[str(v)] += 1
    return {name: {"sequences": r["sequences"], "conditions": {k: dict(sorted(c.items())) for k, c in r["conditions"].items()}}
            for name, r in sorted(out.items())}


def _assets(facts: list[dict]) -> dict:
    if not facts:
        return {}
    assets: dict[str, set] = {}
    looks: Counter = Counter()
    hues = set()
    for f in facts:
        for body in f["bodies"].values():
            assets.setdefault(body["category"], set()).add(body["asset"])
            looks[body["look"]] += 1
            if body["color"]:
                r, g, b = body["color"]
                h, s, _ = colorsys.rgb_to_hsv(r, g, b)
                hues.add(int(h * 12) % 12 if s > 0.15 else -1)
    return {"distinct_assets": len(set().union(*assets.values())) if assets else 0,
            "assets_per_class": {k: len(v) for k, v in sorted(assets.items())},
            "looks": dict(sorted(looks.items())), "colour_bins_used": len(hues), "colour_bins": 13}


def warnings(stats: dict, th: Thresholds) -> list[str]:
    out = []
    classes = stats["classes"]
    few = sorted((c["instances"], name) for name, c in classes.items() if c["instances"] < th.min_instances)
    if few and len(few) == len(classes) > 1:  # the dataset is small, not one class short: one line
        out.append(f"every class has under {th.min_instances} instances ({few[0][0]} to {few[-1][0]}): a small "
                   f"dataset; raise frames, or pass simgen-report --min-instances")
    elif few:
        listed = ", ".join(f"'{name}' {n}" for n, name in few)
        out.append(f"{len(few)} of {len(classes)} classes have under {th.min_instances} instances: {listed}")
    present = [c["instances"] for c in classes.values() if c["instances"] > 0]
    if present and min(present) > 0 and max(present) / min(present) > th.max_imbalance:
        out.append(f"imbalance: the largest class has {max(present) / min(present):.1f}x the instances of the "
                   f"smallest (above {th.max_imbalance:g}); see balance.classes")
    if stats["images"] and stats["empty_images"] / stats["images"] > th.max_empty_share:
        out.append(f"{stats['empty_images']} of {stats['images']} images have no instance "
                   f"(over {th.max_empty_share:.0%})")
    dup = stats["diversity"].get("near_duplicates", {})
    if dup.get("pairs"):
        out.append(f"{dup['pairs']} near-duplicate image pairs across scenes ({dup['images']} images within "
                   f"{dup['threshold_bits']} bits of perceptual hash)")
    return out


def engine_counts(t: LabelTable) -> dict[str, int]:
    """Images per colour engine (``raster``, ``pathtrace``) from the records' ``engine``; empty
    for sets whose records do not name one (those simgen did not make)."""
    engines, counts = np.unique(t.img["engine"].astype(str), return_counts=True)
    return {str(e): int(n) for e, n in zip(engines, counts, strict=True) if e}


def compute(t: LabelTable, facts: list[dict], th: Thresholds | None = None) -> dict:
    """The whole ``stats.json`` document."""
    th = th or Thresholds()
    keep = t.counted()
    per_image = F.per_image_counts(t, keep)
    top = int(per_image.max()) if per_image.size else 0
    stats = {
        "source": t.source, "scene": t.info.get("scene"), "seed": t.info.get("seed"),
        "images": int(len(t.img["image_id"])), "instances": int(keep.sum()), "ignored": int((~keep).sum()),
        "empty_images": int((per_image == 0).sum()),
        "splits": split_totals(t), "engines": engine_counts(t), "classes": class_counts(t),
        "objects_per_image": F.histogram(per_image.astype(float), np.arange(-0.5, top + 1.5)),
        "histograms": _feature_hists(t, keep),
        "center_heatmap": _heatmap(t, keep),
        "viewpoints": _viewpoints(t, keep),
        "look": _look(facts),
        "scenarios": scenarios(facts),
        "diversity": {**_assets(facts), "near_duplicates": _duplicates(facts, th.duplicate_bits),
                      "coverage": _coverage(t, keep, th.cell_instances)},
    }
    if t.kind == "kitti" or stats["scene"] == "driving":
        stats["kitti_difficulty"] = _difficulty(t, keep)
    stats["warnings"] = warnings(stats, th)
    return stats
