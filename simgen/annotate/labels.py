"""FrameLabels: every label of one view, in the conventions of the README schema table.

Pixels: boxes are ``[x, y, w, h]`` with (x, y) the top-left pixel edge, so a box tight around a
mask spans whole pixels. Camera frame: OpenCV (x right, y down, z forward), metres.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from simgen.core.spec import CameraSpec, ScenarioTag

if TYPE_CHECKING:
    from simgen.annotate.lidar import LidarScan


@dataclass
class Box3D:
    """Oriented box in the camera frame: centre (3,), size (3,) along the box axes ``R`` (3, 3)
    columns, and its 8 ``corners`` (8, 3): corner i has sign (-1 or +1) per axis from bits
    0 (x), 1 (y), 2 (z) of i, i.e. corner i = centre + R @ (size / 2 * signs(i))."""

    center: np.ndarray
    size: np.ndarray
    R: np.ndarray
    corners: np.ndarray


@dataclass
class ObjectLabel:
    """One object in one view.

    area: visible pixels; amodal_area: pixels it would cover inside the image if nothing
    occluded it; full_area: the same on the unbounded image plane. ``ignore`` marks objects
    that are no training target (exported as COCO crowd regions, KITTI DontCare) and
    ``ignore_reason`` says why: hidden (kept by ``keep_hidden``), small (fewer than
    ``min_visible_pixels`` or a box side under ``min_box_side``), occluded, truncated.
    ``keypoints`` (9, 3): the 8 ``box3d`` corners then its centre projected with K, as
    (u, v) pixels and a COCO visibility flag (2 visible, 1 in the image but hidden, 0 outside
    the image or behind the camera). ``part_of``: the whole's instance id where this object is
    a part of another (a defect of its product, :mod:`simgen.annotate.parts`): the whole's mask
    holds the part's pixels too.
    """

    instance_id: int
    category: str
    category_id: int
    bbox: list[float]
    area: int
    rle: dict
    bbox_amodal: list[float]
    amodal_area: int
    full_area: int
    visibility: float
    truncation: float
    R: np.ndarray  # object-to-camera rotation (3, 3)
    t: np.ndarray  # object origin in the camera frame (3,), metres
    box3d: Box3D
    depth_range: list[float]
    ignore: bool = False
    rle_amodal: dict | None = None
    ignore_reason: str = ""
    keypoints: np.ndarray | None = None
    part_of: int | None = None  # the instance id of the labeled body this one is part of (a defect's product)


@dataclass
class FrameLabels:
    """All labels of one view, with the per-pixel maps that writers store. A view is one
    camera of one frame: ``view_index`` counts them within the scene (frame-major).

    depth (H, W) float32 metres of z, 0 where nothing was hit; instance_map (H, W) uint16 object
    instance ids, 0 for background and scenery; semantic_map (H, W) uint16 category ids;
    ``maps``: the data of the other chosen layers by layer name (:mod:`simgen.layers`), for
    example normals (H, W, 3) float32. ``split`` is the scene's split (train, val, test);
    ``engine`` the colour engine that drew the image (raster, pathtrace). ``lidar``: the
    frame's labeled LiDAR turn (:mod:`simgen.annotate.lidar`), None without a LiDAR.
    ``attributes``: fields the scene's kind adds to the image record (an inspection image's
    ``anomaly`` label); empty for most kinds.
    """

    image_index: int
    scene_index: int
    view_index: int
    camera: CameraSpec  # a copy of the view's camera
    objects: list[ObjectLabel] = field(default_factory=list)
    frame_index: int = 0  # time step within the scene's sequence (0 for still scenes)
    camera_index: int = 0  # which of the frame's cameras (the rig's, or a still scene's views)
    depth: np.ndarray | None = None
    instance_map: np.ndarray | None = None
    semantic_map: np.ndarray | None = None
    split: str = "train"
    maps: dict[str, Any] = field(default_factory=dict)
    engine: str = "raster"
    lidar: LidarScan | None = None
    scenario: ScenarioTag | None = None  # the scene's scenario at this frame (driving), None where none
    attributes: dict[str, Any] = field(default_factory=dict)
