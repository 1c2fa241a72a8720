"""Anomaly-detection folder writer (``export.formats`` includes ``mvtec``): the MVTec AD layout
that anomaly-detection tools (anomalib's MVTec and Folder data modules) read.

Under ``<output_dir>/mvtec``, one folder per product kind, as MVTec AD has one per object::

    <product>/train/good/STEM.png             good views of train-split scenes
    <product>/test/good/STEM.png              good views of val- and test-split scenes
    <product>/test/<defect>/STEM.png          views that show a defect (any split)
    <product>/ground_truth/<defect>/STEM_mask.png   0/255 mask of every defect the view shows

A view's label is the image record's ``anomaly`` (:mod:`simgen.scenes.inspection.context`):
good, or the kinds of the defects it shows (a defect the product hides from the camera does not
count). A view showing defects of several kinds goes to ``combined``, as in MVTec AD. Images
are PNG hard links to the dataset's images when those are PNG.
"""

from __future__ import annotations

import cv2
import numpy as np

from simgen.annotate.labels import FrameLabels
from simgen.annotate.masks import decode_rle
from simgen.core import layout
from simgen.core.errors import ConfigError, SimgenError
from simgen.export.writers import Writer, register

ROOT = "mvtec"
GOOD, COMBINED = "good", "combined"
LABEL_FIELD = "anomaly"  # the image record's field an inspection scene gives


def defect_folder(kinds: list[str]) -> str:
    """The ``test/`` folder of a view showing defects of ``kinds`` (none: good)."""
    if not kinds:
        return GOOD
    return kinds[0] if len(kinds) == 1 else COMBINED


def defect_mask(labels: FrameLabels) -> np.ndarray:
    """(H, W) bool: pixels of every defect (a part of the product) the view shows."""
    cam = labels.camera
    mask = np.zeros((cam.height, cam.width), bool)
    for obj in labels.objects:
        if obj.part_of is not None and obj.area > 0:
            mask |= decode_rle(obj.rle)
    return mask


@register
class MvtecWriter(Writer):
    """Each view's image into its product's train/test folder, and its defect mask."""

    name = "mvtec"

    @classmethod
    def check_config(cls, cfg) -> None:
        if cfg.scene.kind != "inspection":
            raise ConfigError(f"export.formats=mvtec: scene '{cfg.scene.name}' (kind {cfg.scene.kind}) gives no "
                              "image-level good/defective label; use a scene of kind inspection")

    def frame_files(self, labels: FrameLabels, view) -> dict[str, bytes]:
        label = labels.attributes.get(LABEL_FIELD)
        if label is None:
            return {}
        stem = layout.stem(labels.image_index)
        folder = defect_folder(label["defects"])
        base = f"{ROOT}/{label['product']}"
        if folder == GOOD:
            part = "train" if labels.split == "train" else "test"
            return {f"{base}/{part}/{GOOD}/{stem}.png": view.rgb("png")}
        ok, png = cv2.imencode(".png", defect_mask(labels).astype(np.uint8) * 255)
        if not ok:
            raise SimgenError(f"mvtec: could not encode the mask of image {stem}")
        return {f"{base}/test/{folder}/{stem}.png": view.rgb("png"),
                f"{base}/ground_truth/{folder}/{stem}_mask.png": png.tobytes()}
