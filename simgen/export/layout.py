"""Where each file of a dataset lives, relative to the dataset root (one place for names)."""

from __future__ import annotations

IMAGES, DEPTH, INSTANCES, SEMANTIC, ANNOTATIONS = "images", "depth", "instances", "semantic", "annotations"
COCO_FILE = f"{ANNOTATIONS}/instances.json"


def stem(image_index: int) -> str:
    return f"{image_index:06d}"


def image_name(image_index: int, image_format: str) -> str:
    """RGB file name relative to ``images/`` (COCO ``file_name``)."""
    return f"{stem(image_index)}.{image_format}"


def map_path(folder: str, image_index: int) -> str:
    """Path of a per-pixel map (depth, instances, semantic) relative to the dataset root."""
    return f"{folder}/{stem(image_index)}.png"


KITTI = "kitti/training"  # KITTI object layout: image_2/, label_2/, calib/ share the frame's stem


def kitti_path(folder: str, image_index: int, extension: str) -> str:
    """Path of a KITTI file (``folder`` image_2, label_2 or calib) relative to the dataset root."""
    return f"{KITTI}/{folder}/{stem(image_index)}.{extension}"
