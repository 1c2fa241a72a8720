"""The preview gallery: a few images per split with their labels drawn over them, and crops
of each class. Only these images and masks are decoded.

Drawn per image: visible masks (tinted), visible boxes (solid), amodal boxes (thin), 3D boxes
(``bbox_3d.corners`` projected with ``camera.K``), and the depth map beside the image.
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from simgen.core import jsonstream
from simgen.core.distortion import project_through
from simgen.core.lens import lens_of_record
from simgen.report.data import LabelTable, image_file

CROP = 96  # pixels per side of a class crop
_EDGES = [(i, i ^ (1 << b)) for i in range(8) for b in range(3) if i < i ^ (1 << b)]  # corner i: bits = axes
_EDGE_SAMPLES = 16  # points per box edge drawn through a lens


def _colour(k: int) -> tuple[int, int, int]:
    hue = (k * 47) % 180
    bgr = cv2.cvtColor(np.uint8([[[hue, 200, 255]]]), cv2.COLOR_HSV2BGR)[0, 0]
    return tuple(int(c) for c in bgr)


def _read(path: Path, flags=cv2.IMREAD_COLOR) -> np.ndarray | None:
    return cv2.imread(str(path), flags) if Path(path).is_file() else None


def _depth_panel(root: Path, image: dict, shape) -> np.ndarray:
    raw = _read(root / image["depth_file"], cv2.IMREAD_UNCHANGED) if image.get("depth_file") else None
    if raw is None:
        return np.zeros(shape, np.uint8)
    z = raw.astype(np.float32) * float(image.get("depth_scale", 1.0))
    valid = z > 0
    lo, hi = (np.percentile(z[valid], [1, 99]) if valid.any() else (0.0, 1.0))
    scaled = np.clip((z - lo) / max(hi - lo, 1e-6), 0, 1)
    panel = cv2.applyColorMap((255 * (1 - scaled)).astype(np.uint8), cv2.COLORMAP_TURBO)
    panel[~valid] = 0
    return panel


def draw(root: Path, image: dict, anns: list[dict], categories: dict[int, str], split: str = "") -> np.ndarray | None:
    """The image (of ``split`` unless its record names one) with its labels drawn, and its
    depth beside it: (H, 2W, 3) BGR uint8; None when the image cannot be read."""
    bgr = _read(image_file(Path(root) / "images", split, image))
    if bgr is None:
        return None
    over = bgr.copy()
    K = np.array(image["camera"]["K"]) if image.get("camera") else None
    lens = lens_of_record(image["camera"]) if image.get("camera") else None
    for a in anns:
        col = _colour(a["category_id"])
        seg = a.get("segmentation")
        if isinstance(seg, dict):
            m = mask_utils.decode(seg).astype(bool)
            over[m] = (0.5 * over[m] + 0.5 * np.array(col)).astype(np.uint8)
    for a in anns:
        col = _colour(a["category_id"])
        if "bbox_amodal" in a:
            x, y, w, h = a["bbox_amodal"]
            cv2.rectangle(over, (int(x), int(y)), (int(x + w), int(y + h)), (255, 255, 255), 1)
        x, y, w, h = a["bbox"]
        cv2.rectangle(over, (int(x), int(y)), (int(x + w) - 1, int(y + h) - 1), col, 2)
        if K is not None and a.get("bbox_3d"):
            c = np.array(a["bbox_3d"]["corners"], float)
            if (c[:, 2] > 0.05).all() and lens is None:
                uv = (c @ K.T)[:, :2] / c[:, 2:3] - 0.5
                for i, j in _EDGES:
                    cv2.line(over, tuple(int(v) for v in uv[i]), tuple(int(v) for v in uv[j]), col, 1, cv2.LINE_AA)
            elif (c[:, 2] > 0.05).all():  # through a lens the edges curve: each drawn as a polyline
                t = np.linspace(0.0, 1.0, _EDGE_SAMPLES)[:, None]
                for i, j in _EDGES:
                    uv = project_through(lens, K, c[i] + t * (c[j] - c[i])) - 0.5
                    cv2.polylines(over, [np.round(uv).astype(np.int32)], False, col, 1, cv2.LINE_AA)
        cv2.putText(over, categories.get(a["category_id"], "?"), (int(x), max(int(y) - 3, 10)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.4, col, 1, cv2.LINE_AA)
    if image.get("engine"):  # which colour engine drew it, bottom left
        for colour, width in (((0, 0, 0), 3), ((255, 255, 255), 1)):
            cv2.putText(over, image["engine"], (4, over.shape[0] - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, width,
                        cv2.LINE_AA)
    return np.hstack([over, _depth_panel(Path(root), image, bgr.shape)])


def _crop(bgr: np.ndarray, bbox) -> np.ndarray:
    x, y, w, h = (int(round(v)) for v in bbox)
    s = max(w, h, 1)
    cx, cy = x + w // 2, y + h // 2
    pad = cv2.copyMakeBorder(bgr, s, s, s, s, cv2.BORDER_CONSTANT)
    patch = pad[cy - s // 2 + s: cy - s // 2 + 2 * s, cx - s // 2 + s: cx - s // 2 + 2 * s]
    return cv2.resize(patch, (CROP, CROP), interpolation=cv2.INTER_AREA)


def write(t: LabelTable, root: Path, out: Path, per_split: int = 6, crops: int = 8) -> dict:
    """Draw ``per_split`` evenly spaced images of each split into ``out/gallery/`` and up to
    ``crops`` crops per class (the largest visible instances, one per image) into
    ``out/crops/``; returns ``{"images": {split: [file, ...]}, "crops": {class: file},
    "unreadable": [image file, ...]}`` with paths relative to ``out`` (the unreadable images
    relative to ``root``, so the caller can say why the preview is short)."""
    (out / "gallery").mkdir(parents=True, exist_ok=True)
    (out / "crops").mkdir(parents=True, exist_ok=True)
    result: dict = {"images": {}, "crops": {}, "unreadable": []}

    def unreadable(split: str, image: dict) -> None:
        name = str(image_file(Path(root) / "images", split, image).relative_to(root))
        if name not in result["unreadable"]:
            result["unreadable"].append(name)

    for s, split in enumerate(t.splits):
        rows = np.flatnonzero(t.img["split"] == s)
        # by engine first, so evenly spaced picks show each colour engine of a mixed set
        rows = sorted(rows, key=lambda r: (t.img["engine"][r], t.img["image_id"][r]))
        picks = [rows[int(k)] for k in np.unique(np.linspace(0, len(rows) - 1, min(per_split, len(rows))).round())] if rows else []
        records, by_image, categories = _picked_records(t.files[split], {int(t.img["image_id"][r]) for r in picks})
        files = []
        for r in picks:
            im = records[int(t.img["image_id"][r])]
            anns = [a for a in by_image.get(im["id"], []) if not a.get("iscrowd")]
            panel = draw(root, im, anns, categories, split)
            if panel is None:
                unreadable(split, im)
                continue
            name = f"gallery/{split}_{im['id']:06d}.png"
            cv2.imwrite(str(out / name), panel)
            files.append(name)
        result["images"][split] = files
    inst, counted = t.inst, t.counted()
    image_ids = t.img["image_id"][inst["image"]] if len(inst["image"]) else np.zeros(0, int)
    for k, name in enumerate(t.categories):
        cands = np.flatnonzero(counted & (inst["category"] == k))
        cands = cands[np.lexsort((cands, image_ids[cands], -inst["area"][cands]))]  # largest first
        tiles, seen = [], set()
        for r in cands:
            row = int(inst["image"][r])
            if image_ids[r] in seen:
                continue
            bgr = _read(Path(t.img["file"][row]))
            if bgr is None:
                name_ = str(Path(t.img["file"][row]).relative_to(root))
                if name_ not in result["unreadable"]:
                    result["unreadable"].append(name_)
                continue
            seen.add(image_ids[r])
            tiles.append(_crop(bgr, [inst[c][r] for c in ("x", "y", "w", "h")]))
            if len(tiles) == crops:
                break
        if tiles:
            file = "crops/" + re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".png"
            cv2.imwrite(str(out / file), np.hstack(tiles))
            result["crops"][name] = file
    return result


def _picked_records(path: Path, wanted: set[int]) -> tuple[dict[int, dict], dict[int, list[dict]], dict[int, str]]:
    """The image records ``wanted`` (by id) of one COCO file, their annotations by image id and
    the category names by id, read a record at a time."""
    records = {im["id"]: im for im in jsonstream.array_items(path, "images") if im["id"] in wanted}
    by_image: dict[int, list[dict]] = {}
    for a in jsonstream.array_items(path, "annotations"):
        if a["image_id"] in wanted:
            by_image.setdefault(a["image_id"], []).append(a)
    categories = {c["id"]: c["name"] for c in jsonstream.member(path, "categories") or []}
    return records, by_image, categories
