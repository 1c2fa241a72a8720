"""Checks any simgen dataset against the label rules; every violation is reported, not just the first.

Each rule has a short name used in reports and tests:

- ``files``: the COCO file loads; every image and map exists with the stated size.
- ``ids``: image, annotation and category ids unique; annotations name known images/categories.
- ``bbox-mask``: ``bbox`` is the extent of the decoded mask, ``area`` its pixel count.
- ``instance-map``: the instance map holds ``instance_id`` exactly on the decoded mask.
- ``semantic-map``: the semantic map holds the annotation's category on its mask.
- ``bbox-amodal``: ``bbox`` lies inside ``bbox_amodal`` clipped to the image.
- ``bbox3d-projection``: ``bbox_3d.corners`` projected with ``K`` contain ``bbox``.
- ``depth-in-box``: depth under the mask lies within the z extent of ``bbox_3d`` (+- tolerance).
- ``pose-box``: ``object_pose.R`` is a rotation equal to ``bbox_3d.R``; corners follow from
  centre, size and R.
- ``ratios``: visibility and truncation in [0, 1] and equal to their pixel-count ratios.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from simgen.annotate.geometry import CORNER_SIGNS
from simgen.annotate.masks import decode_rle, mask_bbox
from simgen.export import layout
from simgen.export.images import read_uint16

PIXEL_TOL = 1.0  # pixels: box comparisons across separately rasterized passes
DEPTH_TOL = 0.002  # metres, beyond the depth encoding's own step
# Rasterizers interpolate depth across faces seen nearly edge-on (slivers narrower than a pixel)
# with an error that grows with the square of the distance: about 2 cm at 60 m was seen in street
# scenes, while a table at 2 m gets a negligible 0.04 mm from this term.
DEPTH_SQ_TOL = 1e-5  # 1/metre: tolerance DEPTH_SQ_TOL * z^2 at depth z
RATIO_TOL = 1e-4


@dataclass
class Violation:
    image: str
    annotation: int | None
    rule: str
    detail: str

    def __str__(self) -> str:
        ann = f"annotation {self.annotation}" if self.annotation is not None else "-"
        return f"{self.image}\t{ann}\t{self.rule}\t{self.detail}"


def _contains(outer, inner, tol: float) -> bool:
    ox, oy, ow, oh = outer
    ix, iy, iw, ih = inner
    return ix >= ox - tol and iy >= oy - tol and ix + iw <= ox + ow + tol and iy + ih <= oy + oh + tol


class _Checker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.found: list[Violation] = []

    def bad(self, image: str, ann, rule: str, detail: str) -> None:
        self.found.append(Violation(image, ann, rule, detail))

    def run(self) -> list[Violation]:
        path = self.root / layout.COCO_FILE
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            self.bad(str(path), None, "files", f"cannot load: {exc}")
            return self.found
        for key in ("info", "licenses", "categories", "images", "annotations"):
            if key not in doc:
                self.bad(str(path), None, "files", f"missing top-level '{key}'")
                return self.found
        self._ids(doc)
        by_image: dict[int, list[dict]] = {}
        for ann in doc["annotations"]:
            by_image.setdefault(ann.get("image_id"), []).append(ann)
        categories = {c["id"] for c in doc["categories"]}
        for img in doc["images"]:
            self._image(img, by_image.get(img["id"], []), categories)
        return self.found

    def _ids(self, doc: dict) -> None:
        for key in ("images", "annotations", "categories"):
            ids = [r.get("id") for r in doc[key]]
            if len(ids) != len(set(ids)):
                dup = sorted({i for i in ids if ids.count(i) > 1})[:5]
                self.bad(layout.COCO_FILE, None, "ids", f"duplicate {key} ids {dup}")
        images = {r["id"] for r in doc["images"]}
        categories = {r["id"] for r in doc["categories"]}
        for ann in doc["annotations"]:
            if ann.get("image_id") not in images:
                self.bad(layout.COCO_FILE, ann.get("id"), "ids", f"unknown image_id {ann.get('image_id')}")
            if ann.get("category_id") not in categories:
                self.bad(layout.COCO_FILE, ann.get("id"), "ids", f"unknown category_id {ann.get('category_id')}")

    def _load(self, name: str, rel: str, size, reader):
        path = self.root / rel
        if not path.exists():
            self.bad(name, None, "files", f"missing {rel}")
            return None
        data = reader(path)
        if (data.shape[1], data.shape[0]) != size:
            self.bad(name, None, "files", f"{rel} is {data.shape[1]}x{data.shape[0]}, stated {size[0]}x{size[1]}")
            return None
        return data

    def _image(self, img: dict, anns: list[dict], categories: set[int]) -> None:
        name = img["file_name"]
        size = (img["width"], img["height"])
        rgb_path = self.root / layout.IMAGES / name
        if not rgb_path.exists():
            self.bad(name, None, "files", f"missing {layout.IMAGES}/{name}")
        else:
            with Image.open(rgb_path) as im:
                if im.size != size:
                    self.bad(name, None, "files", f"image is {im.size[0]}x{im.size[1]}, stated {size[0]}x{size[1]}")
        scale = float(img.get("depth_scale", 0.0))
        depth = self._load(name, img["depth_file"], size, read_uint16) if "depth_file" in img else None
        inst = self._load(name, img["instance_file"], size, read_uint16) if "instance_file" in img else None
        sem = self._load(name, img["semantic_file"], size, read_uint16) if "semantic_file" in img else None
        K = np.asarray(img["camera"]["K"], float) if "camera" in img else None
        for ann in anns:
            self._annotation(name, img, ann, K, depth, scale, inst, sem)

    def _annotation(self, name, img, ann, K, depth, scale, inst, sem) -> None:
        aid = ann.get("id")
        W, H = img["width"], img["height"]
        mask = decode_rle(ann["segmentation"])
        ignore = bool(ann.get("ignore", 0))
        if not ignore:
            extent = mask_bbox(mask)
            if extent is None or not np.allclose(extent, ann["bbox"], atol=1e-6):
                self.bad(name, aid, "bbox-mask", f"bbox {ann['bbox']} but mask extent {extent}")
            if int(mask.sum()) != ann["area"]:
                self.bad(name, aid, "bbox-mask", f"area {ann['area']} but mask has {int(mask.sum())} pixels")
        if inst is not None and "instance_id" in ann and not np.array_equal(inst == ann["instance_id"], mask):
            self.bad(name, aid, "instance-map", f"instance map differs from the mask of instance {ann['instance_id']}")
        if sem is not None and mask.any() and not np.all(sem[mask] == ann["category_id"]):
            self.bad(name, aid, "semantic-map", f"semantic map under the mask is not category {ann['category_id']}")
        if "bbox_amodal" in ann and not ignore:
            x, y, w, h = ann["bbox_amodal"]
            x0, y0 = max(x, 0.0), max(y, 0.0)
            clipped = [x0, y0, min(x + w, W) - x0, min(y + h, H) - y0]
            if not _contains(clipped, ann["bbox"], PIXEL_TOL):
                self.bad(name, aid, "bbox-amodal", f"bbox {ann['bbox']} outside clipped bbox_amodal {clipped}")
        box = ann.get("bbox_3d")
        if box is not None:
            corners = np.asarray(box["corners"], float)
            if K is not None and (corners[:, 2] > 0).all() and not ignore:
                uv = corners[:, :2] / corners[:, 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
                (u0, v0), (u1, v1) = uv.min(axis=0), uv.max(axis=0)
                if not _contains([u0, v0, u1 - u0, v1 - v0], ann["bbox"], PIXEL_TOL):
                    self.bad(name, aid, "bbox3d-projection", f"bbox {ann['bbox']} not inside projected 3D box [{u0:.1f}, {v0:.1f}, {u1:.1f}, {v1:.1f}]")
            if depth is not None and mask.any():
                z = depth[mask].astype(float) * scale
                z = z[z > 0]
                tol = DEPTH_TOL + scale + DEPTH_SQ_TOL * float(corners[:, 2].max()) ** 2
                if z.size and (z.min() < corners[:, 2].min() - tol or z.max() > corners[:, 2].max() + tol):
                    self.bad(name, aid, "depth-in-box", f"depth {z.min():.4f}..{z.max():.4f} m outside box z {corners[:, 2].min():.4f}..{corners[:, 2].max():.4f}")
            self._pose_box(name, aid, ann, box, corners)
        self._ratios(name, aid, ann)

    def _pose_box(self, name, aid, ann, box, corners) -> None:
        R = np.asarray(ann["object_pose"]["R"], float)
        Rb = np.asarray(box["R"], float)
        if not (np.allclose(R @ R.T, np.eye(3), atol=1e-5) and abs(np.linalg.det(R) - 1) < 1e-5):
            self.bad(name, aid, "pose-box", "object_pose.R is not a rotation")
        if not np.allclose(R, Rb, atol=1e-5):
            self.bad(name, aid, "pose-box", "object_pose.R differs from bbox_3d.R")
        expected = np.asarray(box["center"]) + (CORNER_SIGNS * np.asarray(box["size"]) / 2) @ Rb.T
        if not np.allclose(expected, corners, atol=1e-5):
            self.bad(name, aid, "pose-box", "bbox_3d.corners do not follow from center, size and R")

    def _ratios(self, name, aid, ann) -> None:
        vis, trunc = ann.get("visibility"), ann.get("truncation")
        if vis is None or trunc is None:
            return
        if not (0.0 <= vis <= 1.0 and 0.0 <= trunc <= 1.0):
            self.bad(name, aid, "ratios", f"visibility {vis} or truncation {trunc} outside [0, 1]")
            return
        amodal, full = ann.get("area_amodal", 0), ann.get("area_full", 0)
        if amodal and abs(vis - min(ann["area"] / amodal, 1.0)) > RATIO_TOL:
            self.bad(name, aid, "ratios", f"visibility {vis} but area/area_amodal = {ann['area'] / amodal:.6f}")
        if full and abs(trunc - (1 - amodal / full)) > RATIO_TOL:
            self.bad(name, aid, "ratios", f"truncation {trunc} but 1 - area_amodal/area_full = {1 - amodal / full:.6f}")


def validate_dataset(root) -> list[Violation]:
    """Every violation of the rules above in the dataset at ``root`` (empty list: valid)."""
    return _Checker(Path(root)).run()
