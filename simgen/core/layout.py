"""Where each file of a dataset lives, relative to the dataset root (one place for names).

```
images/<split>/000000.png            RGB (COCO ``file_name`` is the name inside images/<split>/)
layers/<layer>/000000.png            per-pixel layers (depth, object_ids, semantic, normals, flow)
lidar/000000.npy                     the view's LiDAR turn with per-point labels (with a LiDAR)
annotations/instances_<split>.json   COCO per split (Datumaro's and Detectron2's convention)
simgen_dataset.json                  written last by the merge: splits, counts and layers
```

Per-pixel layers live under ``layers/`` so that no other format claims the folder (a folder
named ``instances/`` one level down makes Datumaro take the dataset for MOTS, one named
``instance/`` anywhere for KITTI segmentation).
"""

from __future__ import annotations

IMAGES, LAYERS, ANNOTATIONS = "images", "layers", "annotations"
DEPTH, INSTANCES, SEMANTIC, NORMALS, FLOW = "depth", "object_ids", "semantic", "normals", "flow"
DEPTH_SENSOR = "depth_sensor"  # a depth sensor's reading, beside the exact depth (simgen.sensor.depth)
INDEX_FILE = "simgen_dataset.json"


def stem(image_index: int) -> str:
    return f"{image_index:06d}"


def image_name(image_index: int, image_format: str) -> str:
    """RGB file name relative to ``images/<split>/`` (COCO ``file_name``)."""
    return f"{stem(image_index)}.{image_format}"


def image_path(split: str, image_index: int, image_format: str) -> str:
    """RGB file relative to the dataset root."""
    return f"{IMAGES}/{split}/{image_name(image_index, image_format)}"


def coco_file(split: str) -> str:
    """The COCO file of one split, relative to the dataset root."""
    return f"{ANNOTATIONS}/instances_{split}.json"


def map_path(layer: str, image_index: int) -> str:
    """Path of a per-pixel layer's file (depth, instances, ...) relative to the dataset root."""
    return f"{LAYERS}/{layer}/{stem(image_index)}.png"


KITTI = "kitti"  # KITTI object layout: training/ and testing/ with image_2/, label_2/, calib/
KITTI_SPLIT_DIRS = {"train": "training", "val": "training", "test": "testing"}


LIDAR = "lidar"  # one .npy per view with a LiDAR (simgen.export.lidar)


def lidar_path(image_index: int) -> str:
    """The view's LiDAR points file relative to the dataset root."""
    return f"{LIDAR}/{stem(image_index)}.npy"


def kitti_path(split: str, folder: str, image_index: int, extension: str) -> str:
    """Path of a KITTI file (``folder`` image_2, label_2, calib, velodyne or labels) relative to
    the dataset root."""
    return f"{KITTI}/{KITTI_SPLIT_DIRS[split]}/{folder}/{stem(image_index)}.{extension}"
