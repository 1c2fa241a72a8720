"""ultralytics YOLO writer (``export.formats`` includes ``yolo``): the layout ``yolo train`` reads.

Under ``<output_dir>/yolo``::

    data.yaml                      train/val/test: images/<split>, names from 0 (no ``path``:
                                   ultralytics then takes the yaml's own folder, so it moves with it)
    images/<split>/STEM.png|jpg    hard links to the COCO images (no copies)
    labels/<split>/STEM.txt        one line per object, coordinates normalized by width and height

Classes are COCO category ids minus 1. ``export.yolo.task``:

- ``detect``: ``cls cx cy w h`` of the COCO ``bbox`` (the visible mask's tight box);
- ``segment``: ``cls x1 y1 x2 y2 ...``, one polygon per object traced on its exact mask; a
  mask of several parts or with holes is joined into one polygon by zero-width bridges from
  each hole or part to the nearest point of the polygon so far (as ultralytics' own COCO
  converter merges parts). Thin masks: the tracer runs on the mask upsampled 2x, so the
  polygon runs a quarter pixel inside the outer pixel edges and even a one-pixel-wide sliver
  or a single pixel gets a polygon of nonzero area over exactly its pixel centres.

Objects that are ignore regions in COCO (below the label policy) are not written: YOLO has no
ignore label. When the val split has no scenes, ``data.yaml``'s ``val`` names the train
images (ultralytics needs a val entry to start training), and says so in a comment.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from simgen.annotate.labels import FrameLabels, ObjectLabel
from simgen.annotate.masks import decode_rle
from simgen.core import layout
from simgen.core.errors import ConfigError
from simgen.export.writers import DatasetRecords, Writer, register

ROOT = "yolo"
TASKS = ("detect", "segment")


@dataclass
class YoloConfig:
    """ultralytics YOLO labels (``export.yolo``): ``task`` detect (``cls cx cy w h``) or segment (polygons)."""

    task: str = "detect"


def box_line(obj: ObjectLabel, width: int, height: int) -> str:
    """``cls cx cy w h`` normalized, from the COCO box."""
    x, y, w, h = obj.bbox
    values = ((x + w / 2) / width, (y + h / 2) / height, w / width, h / height)
    return f"{obj.category_id - 1} " + " ".join(f"{v:.8f}" for v in values)


def _bridge(polygon: np.ndarray, part: np.ndarray) -> np.ndarray:
    """``polygon`` (n, 2) with ``part`` (m, 2) spliced in at the closest pair of points:
    out along a zero-width bridge, around ``part``, and back."""
    d = ((polygon[:, None, :] - part[None, :, :]) ** 2).sum(-1)
    i, j = np.unravel_index(int(np.argmin(d)), d.shape)
    loop = np.vstack([part[j:], part[: j + 1]])
    return np.vstack([polygon[: i + 1], loop, polygon[i:]])


def mask_polygon(mask: np.ndarray) -> np.ndarray | None:
    """One polygon (n, 2) in pixel-corner coordinates whose interior is ``mask`` (H, W) bool,
    parts and holes joined by bridges; None for an empty mask."""
    if not mask.any():
        return None
    # Trace on a 2x upsampled mask: contour points then lie on pixel corners of the original.
    big = np.kron(mask.astype(np.uint8), np.ones((2, 2), np.uint8))
    big = np.pad(big, 1)
    contours, _ = cv2.findContours(big, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    loops = [(c[:, 0, :].astype(float) - 1 + 0.5) / 2 for c in contours if len(c) >= 3]
    if not loops:
        return None
    loops.sort(key=lambda p: -abs(cv2.contourArea(p.astype(np.float32))))
    polygon = loops[0]
    for part in loops[1:]:
        polygon = _bridge(polygon, part)
    return polygon


def _rectangle(bbox) -> np.ndarray:
    x, y, w, h = bbox
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], float)


def segment_line(obj: ObjectLabel, width: int, height: int) -> str:
    """``cls x1 y1 ...`` normalized: the mask's polygon (its box's rectangle if it had none)."""
    polygon = mask_polygon(decode_rle(obj.rle))
    if polygon is None:
        polygon = _rectangle(obj.bbox)
    norm = np.clip(polygon / [width, height], 0.0, 1.0)
    return f"{obj.category_id - 1} " + " ".join(f"{v:.6f}" for v in norm.ravel())


def data_yaml(categories: list[str], split_sizes: dict[str, int], image_format: str) -> str:
    """``data.yaml``: one entry per split with scenes, ``names`` from 0."""
    lines = ["# simgen YOLO export: ultralytics reads this file as is (yolo train data=data.yaml)"]
    for split in ("train", "val", "test"):
        if split_sizes.get(split, 0):
            lines.append(f"{split}: images/{split}")
    if not split_sizes.get("val", 0):
        lines.append("val: images/train  # no val scenes in this dataset (splits.val): validating on train images")
    lines.append("names:")
    lines += [f"  {k}: {_quote(name)}" for k, name in enumerate(categories)]
    return "\n".join(lines) + "\n"


def _quote(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def label_path(split: str, image_index: int) -> str:
    return f"{ROOT}/labels/{split}/{layout.stem(image_index)}.txt"


@register
class YoloWriter(Writer):
    name = "yolo"
    config = YoloConfig

    @classmethod
    def check_config(cls, cfg) -> None:
        if cfg.export.yolo.task not in TASKS:
            raise ConfigError(f"export.yolo.task={cfg.export.yolo.task!r}: allowed {', '.join(TASKS)}")

    def frame_files(self, labels: FrameLabels, view) -> dict[str, bytes]:
        W, H = labels.camera.width, labels.camera.height
        line = box_line if self.ctx.export.yolo.task == "detect" else segment_line
        lines = [line(obj, W, H) for obj in labels.objects if not obj.ignore]
        image = f"{ROOT}/{layout.image_path(labels.split, labels.image_index, self.ctx.export.image_format)}"
        return {image: view.rgb(),  # a link to the dataset's image
                label_path(labels.split, labels.image_index): "".join(f"{s}\n" for s in lines).encode()}

    def dataset_files(self, records: DatasetRecords) -> dict[str, bytes]:
        text = data_yaml(self.ctx.categories, self.ctx.split_sizes, self.ctx.export.image_format)
        return {f"{ROOT}/data.yaml": text.encode()}
