"""COCO instances writer, with simgen's extra fields (README schema table): the index format of
every dataset (``annotations/instances_<split>.json``).

Records are built per frame as frames arrive (in any order, :meth:`CocoWriter.frame_records`),
travel with their shard, and are joined once at the merge (:meth:`CocoWriter.dataset_files`):
images sorted by id, annotation ids numbered 1.. in that order, so the file is a function of
the frames alone, whatever the number of workers or shards. The merge writes the files shard
by shard (:func:`write_splits`), the same bytes as :func:`build_splits` and :func:`dumps` of
the whole dataset at once, holding one shard's records at a time.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import asdict
from typing import IO

import numpy as np

import simgen
from simgen.annotate import keypoints
from simgen.annotate.labels import FrameLabels, ObjectLabel
from simgen.core import layout
from simgen.core.errors import DatasetError
from simgen.export.lidar import image_record_fields
from simgen.export.writers import (
    DatasetOutput,
    DatasetRecords,
    FrameRecords,
    ShardRecords,
    Writer,
    WriterContext,
    register,
)
from simgen.layers import base as layers


def _r(values, digits: int = 6):
    """Rounded nested lists: stable, compact JSON."""
    return np.round(np.asarray(values, float), digits).tolist()


def camera_record(cam) -> dict:
    """The image record's ``camera``: K, pose and clip planes; with a lens also its ``model``
    and ``dist``, the coefficients as OpenCV's projectPoints (opencv) or fisheye.projectPoints
    (fisheye) take them with this K."""
    record = {"K": _r(cam.K), "cam_to_world": _r(cam.cam_to_world), "znear": cam.znear, "zfar": cam.zfar}
    if cam.lens is not None:
        record = {"model": cam.lens.model, **record, "dist": [float(x) for x in cam.lens.dist]}
    return record


def image_record(labels: FrameLabels, image_format: str, depth_scale: float, layer_files: dict[str, str]) -> dict:
    """The image's record; ``layer_files`` maps each written layer's field (``depth_file``...)
    to its file relative to the dataset root."""
    cam = labels.camera
    i = labels.image_index
    return {
        "id": i + 1,
        "file_name": layout.image_name(i, image_format),
        "width": cam.width,
        "height": cam.height,
        "split": labels.split,
        "scene_index": labels.scene_index,
        "view_index": labels.view_index,
        "sequence_id": labels.scene_index,
        "frame_index": labels.frame_index,
        "camera_index": labels.camera_index,
        "engine": labels.engine,
        "camera": camera_record(cam),
        **layer_files,
        "depth_scale": depth_scale,
        **image_record_fields(labels),  # lidar_file, lidar_to_camera: only with a LiDAR
        **labels.attributes,  # the scene kind's image-level fields (none for most kinds)
    } | _scenario_field(labels)


def _scenario_field(labels: FrameLabels) -> dict:
    """``scenario: {name, phase, actors}`` where the view's scene has one (none: no key, so
    datasets without scenarios keep their bytes)."""
    tag = labels.scenario
    if tag is None:
        return {}
    return {"scenario": {"name": tag.name, "phase": tag.phase, "actors": [int(i) for i in tag.actors]}}


def annotation_record(obj: ObjectLabel, image_id: int) -> dict:
    """One annotation without its ``id`` (numbered when the file is written)."""
    b = obj.box3d
    rec = {
        "image_id": image_id,
        "category_id": obj.category_id,
        "object_id": obj.instance_id,
        "bbox": [float(v) for v in obj.bbox],
        "area": int(obj.area),
        "segmentation": obj.rle,
        "iscrowd": int(obj.ignore),
        "ignore": int(obj.ignore),
        "ignore_reason": obj.ignore_reason,
        "bbox_amodal": [float(v) for v in obj.bbox_amodal],
        "area_amodal": int(obj.amodal_area),
        "area_full": int(obj.full_area),
        "visibility": round(float(obj.visibility), 6),
        "truncation": round(float(obj.truncation), 6),
        "object_pose": {"R": _r(obj.R, 8), "t": _r(obj.t, 8)},
        "bbox_3d": {"center": _r(b.center, 8), "size": _r(b.size, 8), "R": _r(b.R, 8), "corners": _r(b.corners, 8)},
        "depth_range": _r(obj.depth_range),
    }
    if obj.keypoints is not None:
        kp = obj.keypoints
        rec["keypoints"] = [v for u, w, flag in kp for v in (round(float(u), keypoints.DECIMALS), round(float(w), keypoints.DECIMALS), int(flag))]
        rec["num_keypoints"] = int(np.count_nonzero(kp[:, 2]))
    if obj.rle_amodal is not None:
        rec["segmentation_amodal"] = obj.rle_amodal
    if obj.part_of is not None:
        rec["part_of"] = obj.part_of
    return rec


def frame_records(labels: FrameLabels, image_format: str, depth_scale: float, layer_files: dict[str, str]) -> tuple[dict, list[dict]]:
    image = image_record(labels, image_format, depth_scale, layer_files)
    annotations = [annotation_record(o, image["id"]) for o in labels.objects]
    if labels.scenario is not None:  # the scenario's actors say their part in it
        roles = labels.scenario.roles
        for ann in annotations:
            if ann["object_id"] in roles:
                ann["scenario_role"] = roles[ann["object_id"]]
    return image, annotations


def dataset_info(ctx: WriterContext) -> dict:
    """The COCO ``info`` block: what produced the dataset (no clock: files stay reproducible)."""
    return {
        "description": f"simgen synthetic dataset, scene '{ctx.scene.name}'",
        "version": simgen.__version__,
        "contributor": "simgen",
        "scene": ctx.scene.name,
        "seed": ctx.seed,
        "frames": ctx.frames,
        "label_policy": asdict(ctx.labels),
        "depth_encoding": {"format": "uint16 png", "depth_scale": ctx.scene.depth_scale, "unit": "metre", "invalid": 0},
        "layers": layers.info_block(ctx.export.layers, ctx.scene.depth_scale),
        "splits": {"fractions": ctx.split_fractions, "scenes": ctx.split_sizes, "by": "scene"},
        "camera_convention": "OpenCV: x right, y down, z forward; K in pixels, pixel centres at integer + 0.5",
    }


def categories(names: list[str]) -> list[dict]:
    """Category records, ids from 1 in recipe order, each with the cuboid keypoints' names."""
    return [{"id": k + 1, "name": name, "supercategory": "object", "keypoints": keypoints.NAMES, "skeleton": keypoints.SKELETON}
            for k, name in enumerate(names)]


LICENSES = [{"id": 1, "name": "Generated by simgen; free to use", "url": ""}]


def build(info: dict, category_names: list[str], images: list[dict], annotations: list[dict]) -> dict:
    """One COCO document: images sorted by id, annotations numbered in that order."""
    images = sorted(images, key=lambda r: r["id"])
    order = {img["id"]: k for k, img in enumerate(images)}
    anns = sorted(annotations, key=lambda a: (order[a["image_id"]], a["object_id"]))
    numbered = [{"id": k + 1, **a} for k, a in enumerate(anns)]
    return {
        "info": info,
        "licenses": LICENSES,
        "categories": categories(category_names),
        "images": images,
        "annotations": numbered,
    }


def build_splits(info: dict, category_names: list[str], images: list[dict], annotations: list[dict]) -> dict[str, dict]:
    """One document per split that has images (by each image record's ``split``). Annotation
    ids are numbered over the whole dataset in image order, so they are unique across splits."""
    whole = build(info, category_names, images, annotations)
    split_of = {img["id"]: img["split"] for img in whole["images"]}
    docs: dict[str, dict] = {}
    for img in whole["images"]:
        docs.setdefault(img["split"], {**whole, "info": {**info, "split": img["split"]}, "images": [], "annotations": []})["images"].append(img)
    for ann in whole["annotations"]:
        docs[split_of[ann["image_id"]]]["annotations"].append(ann)
    return docs


def dumps(doc: dict) -> bytes:
    """The COCO file's bytes: compact JSON."""
    return json.dumps(doc, separators=(",", ":")).encode()


_encode = json.JSONEncoder(separators=(",", ":")).encode  # as dumps, one record at a time
_IMAGES_END = b'],"annotations":['


class _SplitFile:
    """One split's COCO file being written: its head and image records go straight to the file,
    its annotation records to a spool that follows them when the file is finished."""

    def __init__(self, file: IO[bytes], spool: IO[bytes], head: dict) -> None:
        self.file, self.spool = file, spool
        whole = dumps({**head, "images": [], "annotations": []})
        self.file.write(whole[: -len(b'],"annotations":[]}')])  # up to and with '"images":['
        self.images = self.annotations = 0

    def add(self, images: list[dict], annotations: list[dict]) -> None:
        for records, sink, done in ((images, self.file, self.images), (annotations, self.spool, self.annotations)):
            if records:
                sink.write((b"," if done else b"") + ",".join(map(_encode, records)).encode())
        self.images += len(images)
        self.annotations += len(annotations)

    def finish(self) -> None:
        self.file.write(_IMAGES_END)
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, self.file, 1 << 20)
        self.file.write(b"]}")


def write_splits(info: dict, category_names: list[str], shards: Iterable[ShardRecords], out: DatasetOutput) -> list[str]:
    """Write one COCO file per split that has images, shard by shard (shards in rising image id
    order): the bytes of :func:`build_splits` and :func:`dumps`,
    holding one shard's records at a time. Returns the files written.

    Raises DatasetError when a shard's images do not all come after the previous shard's."""
    head = {"info": info, "licenses": LICENSES, "categories": categories(category_names)}
    with ExitStack() as stack:
        files: dict[str, _SplitFile] = {}
        last_id, next_ann = 0, 1
        for images, annotations in shards:
            images = sorted(images, key=lambda r: r["id"])
            if images and images[0]["id"] <= last_id:
                raise DatasetError(f"COCO merge: image {images[0]['id']} comes after image {last_id}; "
                                   "shards must come in the order of their scenes")
            order = {img["id"]: k for k, img in enumerate(images)}
            anns = sorted(annotations, key=lambda a: (order[a["image_id"]], a["object_id"]))
            numbered = [{"id": next_ann + k, **a} for k, a in enumerate(anns)]
            next_ann += len(numbered)
            by_split: dict[str, tuple[list, list]] = {}
            for img in images:
                by_split.setdefault(img["split"], ([], []))[0].append(img)
            split_of = {img["id"]: img["split"] for img in images}
            for ann in numbered:
                by_split[split_of[ann["image_id"]]][1].append(ann)
            for split, (split_images, split_anns) in by_split.items():
                if split not in files:
                    file = stack.enter_context(out.open(layout.coco_file(split)))
                    spool = stack.enter_context(out.scratch())
                    files[split] = _SplitFile(file, spool, {**head, "info": {**info, "split": split}})
                files[split].add(split_images, split_anns)
            if images:
                last_id = images[-1]["id"]
        for split_file in files.values():
            split_file.finish()
    return [layout.coco_file(split) for split in files]


@register
class CocoWriter(Writer):
    """Each view's image and annotation records (:func:`frame_records`), joined at the merge into
    one file per split by :func:`build_splits`."""

    name = "coco"

    def frame_records(self, labels: FrameLabels, view) -> FrameRecords:
        image, annotations = frame_records(labels, self.ctx.export.image_format, view.depth_scale, view.layer_files)
        return FrameRecords(image, annotations)

    def dataset_files(self, records: DatasetRecords) -> dict[str, bytes]:
        """The files of :meth:`write_dataset_files`, built whole in memory (small sets, tests)."""
        docs = build_splits(dataset_info(self.ctx), self.ctx.categories, records.images, records.annotations)
        return {layout.coco_file(split): dumps(doc) for split, doc in docs.items()}

    def write_dataset_files(self, records: DatasetRecords, out: DatasetOutput) -> None:
        write_splits(dataset_info(self.ctx), self.ctx.categories, records.shards(), out)
