"""The report of an inspection set: image-level labels and defects.

From the COCO records alone: the share of good and defective images (overall and per product),
per defect kind the images that show it, its instances (crowd regions included: a thin scratch
below the label policy's size is still a defect) and its visible size in pixels; and a gallery
of defects, each crop shown beside the same crop with the defect's mask tinted.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from simgen.core import jsonstream
from simgen.report.data import LabelTable, image_file

FIELD = "anomaly"  # the image record's field an inspection scene gives
CROP = 112  # pixels per side of a gallery crop
PER_KIND = 4  # gallery crops per defect kind


def has_labels(t: LabelTable) -> bool:
    """Whether ``t`` is an inspection set. Every image of one carries the field, so each file's
    first image tells (no pass over a large set's images that are not inspection ones)."""
    firsts = (next(jsonstream.array_items(path, "images"), None) for path in t.files.values())
    return any(image is not None and FIELD in image for image in firsts)


def _decode(rle: dict) -> np.ndarray:
    r = dict(rle)
    if isinstance(r["counts"], str):
        r["counts"] = r["counts"].encode("ascii")
    return mask_utils.decode(r).astype(bool)


def stats(t: LabelTable) -> dict:
    """``images``, ``good``, ``defective`` counts, ``by_product`` {product: {good, defective}},
    ``kinds`` {kind: {images, instances, area_median, area_p10, area_p90}} (pixels)."""
    names = {k + 1: n for k, n in enumerate(t.categories)}
    out = {"images": 0, "good": 0, "defective": 0, "by_product": {}, "kinds": {}}
    areas: dict[str, list[int]] = {}
    images: dict[str, int] = {}
    for path in t.files.values():  # a record at a time: memory flat in the dataset's size
        for image in jsonstream.array_items(path, "images"):
            label = image.get(FIELD)
            if label is None:
                continue
            out["images"] += 1
            out[label["label"]] += 1
            per = out["by_product"].setdefault(label["product"], {"good": 0, "defective": 0})
            per[label["label"]] += 1
            for kind in label["defects"]:
                images[kind] = images.get(kind, 0) + 1
        for ann in jsonstream.array_items(path, "annotations"):
            if "part_of" in ann:
                areas.setdefault(names.get(ann["category_id"], "?"), []).append(int(ann["area"]))
    for kind in sorted(set(areas) | set(images)):
        a = np.asarray(areas.get(kind, []), float)
        out["kinds"][kind] = {"images": images.get(kind, 0), "instances": int(a.size),
                              **({"area_median": float(np.median(a)), "area_p10": float(np.percentile(a, 10)),
                                  "area_p90": float(np.percentile(a, 90))} if a.size else {})}
    return out


def gallery(t: LabelTable, root: Path, out: Path) -> Path | None:
    """One PNG: a row per defect kind of up to :data:`PER_KIND` crops around its defects, each
    the picture and the picture with the defect's mask tinted red; None without defects."""
    names = {k + 1: n for k, n in enumerate(t.categories)}
    rows: dict[str, list[np.ndarray]] = {}
    for split, path in t.files.items():
        # the first PER_KIND defects of each kind with pixels, then only their image records
        picked: list[tuple[str, dict]] = []
        for ann in jsonstream.array_items(path, "annotations"):
            kind = names.get(ann["category_id"], "?")
            if "part_of" in ann and ann["area"] > 0 and sum(k == kind for k, _ in picked) + len(rows.get(kind, [])) < PER_KIND:
                picked.append((kind, ann))
        wanted = {ann["image_id"] for _, ann in picked}
        by_id = {image["id"]: image for image in jsonstream.array_items(path, "images") if image["id"] in wanted}
        for kind, ann in picked:
            image = by_id[ann["image_id"]]
            bgr = cv2.imread(str(image_file(root / "images", split, image)), cv2.IMREAD_COLOR)
            if bgr is None:
                continue
            mask = _decode(ann["segmentation"])
            x, y, w, h = ann["bbox"]
            side = int(max(w, h, 24) * 1.8)
            cx, cy = int(x + w / 2), int(y + h / 2)
            x0, y0 = max(cx - side // 2, 0), max(cy - side // 2, 0)
            x1, y1 = min(x0 + side, bgr.shape[1]), min(y0 + side, bgr.shape[0])
            crop, m = bgr[y0:y1, x0:x1], mask[y0:y1, x0:x1]
            tinted = crop.copy()
            tinted[m] = (0.35 * tinted[m] + 0.65 * np.array([40, 40, 255])).astype(np.uint8)
            pair = [cv2.resize(c, (CROP, CROP), interpolation=cv2.INTER_NEAREST) for c in (crop, tinted)]
            rows.setdefault(kind, []).append(np.hstack(pair))
    if not rows:
        return None
    blank = np.zeros((CROP, 2 * CROP, 3), np.uint8)
    lines = []
    for kind, tiles in sorted(rows.items()):
        tiles = tiles + [blank] * (PER_KIND - len(tiles))
        row = np.hstack(tiles)
        cv2.putText(row, kind, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
        lines.append(np.vstack([row, np.full((2, row.shape[1], 3), 255, np.uint8)]))
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), np.vstack(lines))
    return out
