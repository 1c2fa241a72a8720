"""Checks any simgen dataset against the label rules; every violation is reported, not just the first.

Each rule has a short name used in reports and tests:

- ``files``: the index and every split's COCO file load; every image and layer file exists
  with the stated size.
- ``ids``: image, annotation and category ids unique; annotations name known images/categories.
- ``bbox-mask``: ``bbox`` is the extent of the decoded mask, ``area`` its pixel count.
- ``instance-map``: the instance map holds ``object_id`` exactly on the decoded mask.
- ``semantic-map``: the semantic map holds the annotation's category on its mask.
- ``bbox-amodal``: ``bbox`` lies inside ``bbox_amodal`` clipped to the image.
- ``bbox3d-projection``: ``bbox_3d.corners`` projected with ``K`` contain ``bbox`` (pinholes only:
  through a lens the box's edges curve).
- ``depth-in-box``: depth under the mask lies within the z extent of ``bbox_3d`` (+- tolerance).
- ``pose-box``: ``object_pose.R`` is a rotation equal to ``bbox_3d.R``; corners follow from
  centre, size and R.
- ``ratios``: visibility and truncation in [0, 1] and equal to their pixel-count ratios.
- ``keypoints``: the 9 cuboid keypoints are ``bbox_3d``'s corners and centre projected with K (through
  OpenCV's projectPoints with the record's ``dist`` when it has a lens),
  flagged 2 exactly where the instance map shows the object at that pixel.
- ``normals``, ``flow``, ...: each layer's own rule (:meth:`simgen.layers.base.Layer.validate`):
  normals decode to unit vectors facing the camera wherever depth is valid; valid flow lands
  inside the image on the same object in the next frame's map.
- ``splits``: every image's ``split`` is its file's; no scene lies in two splits.
- ``scenario``: an image's ``scenario`` has a name, a phase among before, onset, after and
  integer actors; an annotation's ``scenario_role`` only on an actor of its image's scenario;
  a scene's images share one scenario and its actors, and each camera's phases run before,
  onset, after in frame order.
"""

from __future__ import annotations

import json
from array import array
from dataclasses import dataclass
from pathlib import Path

import ijson
import numpy as np
from PIL import Image

from simgen.annotate.geometry import CORNER_SIGNS
from simgen.annotate.masks import decode_rle, mask_bbox
from simgen.core import jsonstream, layout
from simgen.core.distortion import project_through
from simgen.core.images import read_uint16
from simgen.core.lens import lens_of_record
from simgen.core.spec import SCENARIO_PHASES
from simgen.layers.base import LAYERS, Layer, LayerCheck

PIXEL_TOL = 1.0  # pixels: box comparisons across separately rasterized passes
DEPTH_TOL = 0.002  # metres, beyond the depth encoding's own step
# Rasterizers interpolate depth across faces seen nearly edge-on (slivers narrower than a pixel)
# with an error that grows with the square of the distance: about 2 cm at 60 m was seen in street
# scenes, while a table at 2 m gets a negligible 0.04 mm from this term.
DEPTH_SQ_TOL = 1e-5  # 1/metre: tolerance DEPTH_SQ_TOL * z^2 at depth z
RATIO_TOL = 1e-4
_ABSENT = object()  # a top-level member the file does not have


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


def _flat(exc: BaseException) -> str:
    """An error's message on one line (the JSON parser's spans several, with a pointer)."""
    return " ".join(str(exc).split())


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -2**63 <= value < 2**63


def _duplicates(ints, others: list = ()) -> list:
    """The ids that occur more than once, the first 5: ``ints`` integer ids (held as 8 bytes
    each, whatever their number), ``others`` ids of any other type (compared by repr)."""
    uniq, counts = np.unique(np.asarray(ints, np.int64), return_counts=True)
    dup: list = [int(v) for v in uniq[counts > 1][:5]]
    seen: dict[str, list] = {}
    for value in others:
        seen.setdefault(repr(value), []).append(value)
    return (dup + [values[0] for _, values in sorted(seen.items()) if len(values) > 1])[:5]


def _split_ids(ids) -> tuple[array, list]:
    """(integer ids, other ids) of ``ids``."""
    ints, others = array("q"), []
    for value in ids:
        (ints if _is_int(value) else others).append(value)
    return ints, others


def _view_key(img: dict, later: int = 0) -> tuple:
    """(scene, frame, camera) of an image record, ``later`` frames on."""
    return img.get("scene_index"), img.get("frame_index", 0) + later, img.get("camera_index", 0)


class _Checker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.found: list[Violation] = []
        # Layers with a rule of their own (the core maps are checked with every annotation).
        self.layers = [LAYERS.get(n) for n in LAYERS.names() if type(LAYERS.get(n)).validate is not Layer.validate]

    def bad(self, image: str, ann, rule: str, detail: str) -> None:
        self.found.append(Violation(image, ann, rule, detail))

    def run(self) -> list[Violation]:
        try:
            index = json.loads((self.root / layout.INDEX_FILE).read_text())
        except (OSError, ValueError) as exc:
            self.bad(layout.INDEX_FILE, None, "files", f"cannot load: {exc}")
            return self.found
        scene_split: dict[int, str] = {}
        # Each split's file is read a record at a time, twice (its images, then its images beside
        # their annotations), so the check holds one image's records and a few numbers per
        # image, whatever the dataset's size.
        self.records: dict[tuple, dict] = {}  # view key -> what the next-frame lookup needs
        docs = []
        for split, entry in index.get("splits", {}).items():
            head = self._load_head(entry["coco"])
            if head is not None and (ids := self._image_index(entry["coco"])) is not None:
                docs.append((split, entry, head, ids))
        for split, entry, head, image_ids in docs:
            self.coco_file = entry["coco"]
            start = len(self.found)
            try:
                ids_found = self._check_doc(split, entry, head, image_ids, scene_split, grouped=False)
                if ids_found is None:  # annotations not in image order: group them in memory
                    del self.found[start:]
                    ids_found = self._check_doc(split, entry, head, image_ids, scene_split, grouped=True)
            except (OSError, ValueError, ijson.JSONError) as exc:
                self.bad(entry["coco"], None, "files", f"cannot load: {_flat(exc)}")
                continue
            self.found[start:start] = ids_found
        self._scenario_sequences()
        return self.found

    def _scenario(self, img: dict, anns: list[dict]) -> None:
        """The ``scenario`` rule on one image and its annotations."""
        name = img["file_name"]
        tag = img.get("scenario")
        actors: set = set()
        if tag is not None:
            if not isinstance(tag, dict) or not isinstance(tag.get("name"), str) or not tag.get("name"):
                self.bad(name, None, "scenario", f"scenario {tag!r} has no name")
                return
            if tag.get("phase") not in SCENARIO_PHASES:
                self.bad(name, None, "scenario", f"phase {tag.get('phase')!r} is not one of {', '.join(SCENARIO_PHASES)}")
            raw = tag.get("actors")
            if not isinstance(raw, list) or not raw or not all(isinstance(a, int) for a in raw):
                self.bad(name, None, "scenario", f"actors {raw!r} must be a non-empty list of object ids")
            else:
                actors = set(raw)
        for ann in anns:
            role = ann.get("scenario_role")
            if role is None:
                continue
            if not isinstance(role, str) or not role:
                self.bad(name, ann.get("id"), "scenario", f"scenario_role {role!r} must be a non-empty string")
            elif ann.get("object_id") not in actors:
                self.bad(name, ann.get("id"), "scenario", f"scenario_role {role!r} on object {ann.get('object_id')}, "
                         "not an actor of the image's scenario")

    def _scenario_sequences(self) -> None:
        """A scene's views share one scenario; each camera's phases never go back."""
        scenes: dict = {}
        for key, img in self.records.items():
            scenes.setdefault(key[0], []).append((key, img))
        order = {p: k for k, p in enumerate(SCENARIO_PHASES)}
        for views in scenes.values():
            views.sort(key=lambda v: (v[0][2], v[0][1]))
            kinds = {None if v[1].get("scenario") is None else (v[1]["scenario"].get("name"), str(v[1]["scenario"].get("actors")))
                     for v in views}
            if len(kinds) > 1:
                self.bad(views[0][1]["file_name"], None, "scenario", f"scene {views[0][0][0]} mixes scenarios {sorted(map(str, kinds))}")
                continue
            last: dict = {}
            for (_, _, camera), img in views:
                phase = order.get((img.get("scenario") or {}).get("phase"))
                if phase is None:
                    continue
                if phase < last.get(camera, 0):
                    self.bad(img["file_name"], None, "scenario", f"phase {SCENARIO_PHASES[phase]} after "
                             f"{SCENARIO_PHASES[last[camera]]} in frame order")
                last[camera] = max(phase, last.get(camera, 0))

    def _load_head(self, rel: str) -> dict | None:
        """The file's small members (``categories``), or None (reported) when it cannot be read
        or lacks a top-level member."""
        path = self.root / rel
        try:
            head = {key: jsonstream.member(path, key, _ABSENT) for key in ("info", "licenses", "categories")}
            absent = [key for key, value in head.items() if value is _ABSENT]
            absent += [key for key in ("images", "annotations") if not jsonstream.may_have_key(path, key)]
        except (OSError, ValueError, ijson.JSONError) as exc:
            self.bad(rel, None, "files", f"cannot load: {_flat(exc)}")
            return None
        if absent:
            self.bad(rel, None, "files", f"missing top-level '{absent[0]}'")
            return None
        return head

    def _image_index(self, rel: str) -> list[int] | None:
        """The file's image ids in file order, recording what the next-frame lookup needs of
        each image; None (reported) when the file cannot be read."""
        ids = []
        try:
            for img in jsonstream.array_items(self.root / rel, "images"):
                ids.append(img.get("id"))
                self.records[_view_key(img)] = {k: img[k] for k in ("file_name", "instance_file", "scenario") if k in img}
        except (OSError, ValueError, ijson.JSONError) as exc:
            self.bad(rel, None, "files", f"cannot load: {_flat(exc)}")
            return None
        return ids

    def _check_doc(self, split: str, entry: dict, head: dict, image_ids: list[int], scene_split: dict,
                   grouped: bool) -> list[Violation] | None:
        """Check every image of one split's file with its annotations; returns the ``ids``
        violations (reported first, as they concern the whole file). Annotations are taken as
        they come while they follow the images' order; None when they do not (unless
        ``grouped``: then they are grouped by image in memory first)."""
        path = self.root / entry["coco"]
        categories = {c["id"] for c in head["categories"]}
        known = set(image_ids)
        ids_found: list[Violation] = []
        ann_ids, odd_ids = array("q"), []  # annotation ids: integers, and any others

        def note_ids(ann: dict) -> bool:
            """Record the annotation's id; report an unknown image or category. True if its image is known."""
            aid = ann.get("id")
            (ann_ids if _is_int(aid) else odd_ids).append(aid)
            if ann.get("image_id") not in known:
                ids_found.append(Violation(self.coco_file, aid, "ids", f"unknown image_id {ann.get('image_id')}"))
            if ann.get("category_id") not in categories:
                ids_found.append(Violation(self.coco_file, aid, "ids", f"unknown category_id {ann.get('category_id')}"))
            return ann.get("image_id") in known

        by_image: dict[int, list[dict]] = {}
        if grouped:
            for ann in jsonstream.array_items(path, "annotations"):
                if note_ids(ann):
                    by_image.setdefault(ann.get("image_id"), []).append(ann)
        anns = iter(()) if grouped else jsonstream.array_items(path, "annotations")
        pending = next(anns, None)
        done: set = set()
        for img in jsonstream.array_items(path, "images"):
            if grouped:
                mine = by_image.get(img["id"], [])
            else:
                mine = []
                while pending is not None and (pending.get("image_id") == img["id"] or pending.get("image_id") not in known):
                    if note_ids(pending):
                        mine.append(pending)
                    pending = next(anns, None)
                if pending is not None and pending.get("image_id") in done:
                    return None
                done.add(img["id"])
            if img.get("split", split) != split:
                self.bad(img["file_name"], None, "splits", f"record says split {img.get('split')} but lies in {entry['coco']}")
            other = scene_split.setdefault(img.get("scene_index"), split)
            if other != split:
                self.bad(img["file_name"], None, "splits", f"scene {img.get('scene_index')} lies in {other} and {split}")
            self._image(img, mine, categories, entry["images"])
            self._scenario(img, mine)
        if pending is not None:  # annotations left after the last image: not in image order
            return None
        dups = [("images", _duplicates(*_split_ids(image_ids))), ("annotations", _duplicates(ann_ids, odd_ids)),
                ("categories", _duplicates(*_split_ids(c.get("id") for c in head["categories"])))]
        return [Violation(self.coco_file, None, "ids", f"duplicate {key} ids {dup}") for key, dup in dups if dup] + ids_found

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

    def _image(self, img: dict, anns: list[dict], categories: set[int], images_dir: str) -> None:
        name = img["file_name"]
        size = (img["width"], img["height"])
        rgb_path = self.root / images_dir / name
        if not rgb_path.exists():
            self.bad(name, None, "files", f"missing {images_dir}/{name}")
        else:
            with Image.open(rgb_path) as im:
                if im.size != size:
                    self.bad(name, None, "files", f"image is {im.size[0]}x{im.size[1]}, stated {size[0]}x{size[1]}")
        scale = float(img.get("depth_scale", 0.0))
        depth = self._load(name, img["depth_file"], size, read_uint16) if "depth_file" in img else None
        inst = self._load(name, img["instance_file"], size, read_uint16) if "instance_file" in img else None
        sem = self._load(name, img["semantic_file"], size, read_uint16) if "semantic_file" in img else None
        K = np.asarray(img["camera"]["K"], float) if "camera" in img else None
        lens = lens_of_record(img["camera"]) if "camera" in img else None
        inst_counts = np.bincount(inst.ravel()) if inst is not None else None  # pixels per object id
        parts: dict[int, list[int]] = {}  # whole's object id -> its parts' (their pixels are in its mask)
        for ann in anns:
            if "part_of" in ann:
                parts.setdefault(int(ann["part_of"]), []).append(int(ann["object_id"]))
        for ann in anns:
            self._annotation(name, img, ann, (K, lens), depth, scale, inst, sem, inst_counts, parts)
        for layer in self.layers:
            if layer.field in img:
                encoded = self._load(name, img[layer.field], size, read_uint16)
                if encoded is not None:
                    # The layers' rules read pinhole rays from K: not given through a lens.
                    check = LayerCheck(depth, K if lens is None else None, inst, lambda: self._next_instances(img, size))
                    for problem in layer.validate(encoded, check):
                        self.bad(name, None, layer.name, problem)

    def _next_instances(self, img: dict, size) -> np.ndarray | None:
        """The object-id map of the same camera's view of the next frame, if written."""
        after = self.records.get(_view_key(img, 1))
        if after is None or "instance_file" not in after:
            return None
        return self._load(after["file_name"], after["instance_file"], size, read_uint16)

    def _annotation(self, name, img, ann, camera, depth, scale, inst, sem, inst_counts, parts=None) -> None:
        aid = ann.get("id")
        K, lens = camera
        W, H = img["width"], img["height"]
        mask = decode_rle(ann["segmentation"])
        ignore = bool(ann.get("ignore", 0))
        box = ann.get("bbox_3d")
        extent = mask_bbox(mask)
        # Every check but the extent's looks only inside the mask's box (win): the maps are compared
        # there, and pixel counts of the whole map say that nothing lies outside it.
        win = np.s_[0:0, 0:0] if extent is None else np.s_[int(extent[1]):int(extent[1] + extent[3]),
                                                             int(extent[0]):int(extent[0] + extent[2])]
        m = mask[win]
        area = int(m.sum())
        if not ignore:
            if extent is None or not np.allclose(extent, ann["bbox"], atol=1e-6):
                self.bad(name, aid, "bbox-mask", f"bbox {ann['bbox']} but mask extent {extent}")
            if area != ann["area"]:
                self.bad(name, aid, "bbox-mask", f"area {ann['area']} but mask has {area} pixels")
        if inst is not None and "object_id" in ann:
            oid = int(ann["object_id"])
            shown = [oid, *(parts or {}).get(oid, [])]  # a whole's mask holds its parts' pixels
            on_map = sum(int(inst_counts[i]) for i in shown if 0 <= i < len(inst_counts))
            if on_map != area or not np.array_equal(np.isin(inst[win], shown), m):
                self.bad(name, aid, "instance-map", f"instance map differs from the mask of object {oid}")
        if "keypoints" in ann and K is not None and box is not None:
            self._keypoints(name, aid, ann, K, lens, inst, W, H)
        own = m if inst is None or "object_id" not in ann else m & (inst[win] == int(ann["object_id"]))
        if sem is not None and area and not np.all(sem[win][own] == ann["category_id"]):
            self.bad(name, aid, "semantic-map", f"semantic map under the mask is not category {ann['category_id']}")
        if "bbox_amodal" in ann and not ignore:
            x, y, w, h = ann["bbox_amodal"]
            x0, y0 = max(x, 0.0), max(y, 0.0)
            clipped = [x0, y0, min(x + w, W) - x0, min(y + h, H) - y0]
            if not _contains(clipped, ann["bbox"], PIXEL_TOL):
                self.bad(name, aid, "bbox-amodal", f"bbox {ann['bbox']} outside clipped bbox_amodal {clipped}")
        if box is not None:
            corners = np.asarray(box["corners"], float)
            # Through a lens the box's edges curve, so its corners need not bound the mask.
            if K is not None and lens is None and (corners[:, 2] > 0).all() and not ignore:
                uv = corners[:, :2] / corners[:, 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
                (u0, v0), (u1, v1) = uv.min(axis=0), uv.max(axis=0)
                if not _contains([u0, v0, u1 - u0, v1 - v0], ann["bbox"], PIXEL_TOL):
                    self.bad(name, aid, "bbox3d-projection", f"bbox {ann['bbox']} not inside projected 3D box [{u0:.1f}, {v0:.1f}, {u1:.1f}, {v1:.1f}]")
            if depth is not None and area:
                z = depth[win][m].astype(float) * scale
                z = z[z > 0]
                tol = DEPTH_TOL + scale + DEPTH_SQ_TOL * float(corners[:, 2].max()) ** 2
                if z.size and (z.min() < corners[:, 2].min() - tol or z.max() > corners[:, 2].max() + tol):
                    self.bad(name, aid, "depth-in-box", f"depth {z.min():.4f}..{z.max():.4f} m outside box z {corners[:, 2].min():.4f}..{corners[:, 2].max():.4f}")
            self._pose_box(name, aid, ann, box, corners)
        self._ratios(name, aid, ann)

    def _keypoints(self, name, aid, ann, K, lens, inst, W, H) -> None:
        kp = np.asarray(ann["keypoints"], float).reshape(-1, 3)
        box = ann["bbox_3d"]
        points = np.vstack([np.asarray(box["corners"], float), np.asarray(box["center"], float)[None]])
        if len(kp) != len(points):
            self.bad(name, aid, "keypoints", f"{len(kp)} keypoints, expected {len(points)}")
            return
        shown = kp[:, 2] > 0
        front = points[:, 2] > 0
        expected = np.zeros((len(points), 2))
        if lens is None:
            expected[front] = points[front, :2] / points[front, 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
        else:  # OpenCV's own projection with the written coefficients
            expected[shown] = project_through(lens, K, points[shown])
        if not np.allclose(kp[shown, :2], expected[shown], atol=1e-3):
            self.bad(name, aid, "keypoints", "keypoints are not the projected bbox_3d corners and centre")
        if inst is not None:
            col, row = np.floor(kp[shown, 0]).astype(int), np.floor(kp[shown, 1]).astype(int)
            inside = (col >= 0) & (col < W) & (row >= 0) & (row < H)
            if not inside.all():
                self.bad(name, aid, "keypoints", "a keypoint flagged in the image lies outside it")
                return
            on_object = inst[row, col] == ann.get("object_id")
            if not np.array_equal(kp[shown, 2] == 2, on_object):
                self.bad(name, aid, "keypoints", "visibility flags differ from the instance map")

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
