"""A camera's lens as plain data: OpenCV's distortion model and coefficients.

A camera with a :class:`Lens` keeps its pinhole ``K`` (pixels, centres at integer + 0.5) and
adds OpenCV's distortion: ``opencv`` (``dist`` = k1, k2, p1, p2, k3, k4, k5, k6, as
``cv2.projectPoints`` takes it) or ``fisheye`` (``dist`` = k1, k2, k3, k4, as
``cv2.fisheye.projectPoints``). The projection and the remap from a wider pinhole view live in
:mod:`simgen.core.distortion` (which imports OpenCV; this module does not, so the spec and the
configuration load without it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MODELS = ("pinhole", "opencv", "fisheye")
OPENCV_NAMES = ("k1", "k2", "p1", "p2", "k3", "k4", "k5", "k6")  # cv2.projectPoints' order
FISHEYE_NAMES = ("k1", "k2", "k3", "k4")  # cv2.fisheye's


@dataclass(frozen=True)
class Lens:
    """A distorting lens: ``model`` opencv or fisheye, ``dist`` in OpenCV's order for it (see
    the module), ``render_scale``: the source pinhole view is this many times the image size."""

    model: str
    dist: tuple[float, ...]
    render_scale: float = 1.5

    def to_dict(self) -> dict:
        return {"model": self.model, "dist": list(self.dist), "render_scale": self.render_scale}

    @classmethod
    def from_dict(cls, d: dict) -> Lens:
        return cls(model=d["model"], dist=tuple(float(x) for x in d["dist"]), render_scale=d["render_scale"])


def lens_of_record(camera: dict) -> Lens | None:
    """The lens of a COCO image record's ``camera`` (``model``, ``dist``), None for a pinhole."""
    model = camera.get("model", "pinhole")
    return None if model == "pinhole" else Lens(model=model, dist=tuple(float(x) for x in camera["dist"]))


def source_size(width: int, height: int, render_scale: float) -> tuple[int, int]:
    """(width, height) in pixels of the pinhole view a lens image of ``width`` x ``height`` is
    remapped from: one size per job, so one renderer serves every camera."""
    return math.ceil(width * render_scale), math.ceil(height * render_scale)
