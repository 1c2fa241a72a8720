"""KITTI object writer (``export.formats: [coco, kitti]``, settings ``export.kitti``: :class:`KittiConfig`):
``kitti/training/`` (train and val scenes) and ``kitti/testing/`` (test scenes), each with
``image_2/``, ``label_2/`` and ``calib/``, one file each per image, named like the image (``image_2`` is a hard link to the
COCO image when both are PNG), ``kitti/ImageSets/{train,val,test}.txt`` listing the stems
of each split (the split files 3D detection toolkits read), and ``kitti/dataset_meta.json``,
the label list (Datumaro's meta file, so that training/ and testing/ share their labels).

Every view is one KITTI sample seen by "camera 2"; labels are in that camera's frame, which is
KITTI's rectified frame (x right, y down, z forward, metres), so ``R0_rect`` is the identity
and ``P0``..``P3`` are all ``[K | 0]``. Values come from FrameLabels; nothing is re-measured:

- type: ``export.kitti.types[category]`` (skipped when "" or absent); objects that are ignore
  regions in COCO (below the label policy) are ``DontCare`` lines with their visible box;
  fully hidden ones are not written;
- truncated: the label's truncation; occluded: 0/1/2 from visibility by ``occlusion_levels``;
- bbox: left, top, right, bottom = the box's edges in pixels (COCO's x, y, x + w, y + h), of
  ``bbox_amodal`` clipped to the image or of ``bbox``: tools that take width = right - left
  (Datumaro, FiftyOne, the KITTI evaluation's height filter) read COCO's size, and a 1-pixel
  object is a 1-pixel box;
- dimensions h, w, l and location: the 3D box's axis nearest to the world's up direction is its
  height, the first of the others (the object's x, its heading) its length; location is the
  centre of the box's bottom face in the camera frame;
- rotation_y: the heading's angle about the camera's y axis (0 = facing camera x), and
  alpha = rotation_y - atan2(x, z), both wrapped to [-pi, pi).

KITTI pixel coordinates put pixel centres on integers, simgen's on integer + 0.5, so P's
principal point is K's minus 0.5 px. ``Tr_velo_to_cam`` maps a gravity-aligned frame at the
camera (x forward along the ground, y left, z up: KITTI's Velodyne axes) into the camera, so it
carries the camera's pitch and roll; ``Tr_imu_to_velo`` is the identity. KITTI assumes level
cameras: with a pitched rig the KITTI box (upright in the camera frame) tilts from the object's
by the pitch.

With a LiDAR (``lidar=hdl64``...) ``Tr_velo_to_cam`` is the LiDAR's own frame into the camera,
and ``velodyne/*.bin`` (float32 x, y, z, reflectance) and SemanticKITTI's ``labels/*.label``
(uint32: semantic id in the lower 16 bits, instance id in the upper 16) hold its points
(:mod:`simgen.export.lidar`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from simgen.annotate.labels import FrameLabels, ObjectLabel
from simgen.core import layout
from simgen.core.errors import ConfigError
from simgen.core.spec import CameraSpec
from simgen.export.lidar import lidar_to_camera, semantic_kitti_bytes, velodyne_bytes
from simgen.export.writers import DatasetRecords, Writer, refuse_lens, register

BBOX_MODES = ("amodal", "visible")


def _kitti_types() -> dict[str, str]:
    return {"car": "Car", "van": "Van", "truck": "Truck", "bus": "Misc", "pedestrian": "Pedestrian",
            "cyclist": "Cyclist", "traffic_sign": "", "traffic_light": ""}


@dataclass
class KittiConfig:
    """KITTI object labels (``export.kitti``). ``types``: category -> KITTI type; "" or an
    unlisted category is not written to label_2 (KITTI has no bus, sign or light type).
    ``occlusion_levels`` (v0, v1): occluded = 0 if visibility >= v0, 1 if >= v1, else 2 (3,
    unknown, is never written: visibility is measured). ``bbox``: ``amodal`` (the whole object's
    extent clipped to the image, as KITTI's boxes are) or ``visible`` (the COCO box)."""

    types: dict[str, str] = field(default_factory=_kitti_types)
    occlusion_levels: list[float] = field(default_factory=lambda: [0.9, 0.5])
    bbox: str = "amodal"


def check_settings(cfg) -> None:
    """The ``export.kitti`` settings, each failure naming its key."""
    if cfg.bbox not in BBOX_MODES:
        raise ConfigError(f"export.kitti.bbox={cfg.bbox!r}: allowed {', '.join(BBOX_MODES)}")
    levels = list(cfg.occlusion_levels)
    if len(levels) != 2 or not 0.0 <= levels[1] <= levels[0] <= 1.0:
        raise ConfigError(f"export.kitti.occlusion_levels={levels}: need two visibilities v0 >= v1 in [0, 1]")


def wrap(angle: float) -> float:
    """Angle in [-pi, pi)."""
    return float((angle + np.pi) % (2 * np.pi) - np.pi)


def world_up(camera: CameraSpec) -> np.ndarray:
    """The world's up direction (3,) in the camera frame."""
    return np.asarray(camera.cam_to_world, float)[2, :3]


def box_geometry(obj: ObjectLabel, up: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(h, w, l) metres, bottom-face centre (3,) in the camera frame, rotation_y (radians)."""
    R, size, centre = obj.box3d.R, obj.box3d.size, obj.box3d.center
    k_up = int(np.argmax(np.abs(up @ R)))
    k_len, k_wid = [k for k in range(3) if k != k_up]
    axis_up = R[:, k_up] * np.sign(up @ R[:, k_up])
    bottom = centre - axis_up * size[k_up] / 2
    heading = R[:, k_len]
    ry = wrap(np.arctan2(-heading[2], heading[0]))
    return np.array([size[k_up], size[k_wid], size[k_len]]), bottom, ry


def occluded(visibility: float, levels) -> int:
    """KITTI occlusion state: 0 fully visible, 1 partly, 2 largely occluded."""
    v0, v1 = levels
    return 0 if visibility >= v0 else 1 if visibility >= v1 else 2


def pixel_box(obj: ObjectLabel, camera: CameraSpec, mode: str) -> tuple[float, float, float, float]:
    """Left, top, right and bottom edges (pixels) of the chosen box, clipped to the image."""
    x, y, w, h = obj.bbox_amodal if mode == "amodal" else obj.bbox
    x0, y0 = max(x, 0.0), max(y, 0.0)
    return x0, y0, min(x + w, camera.width), min(y + h, camera.height)


def dont_care_line(obj: ObjectLabel, camera: CameraSpec) -> str:
    """A ``DontCare`` region over the visible box (KITTI's values for the fields it leaves out)."""
    left, top, right, bottom = pixel_box(obj, camera, "visible")
    return " ".join(["DontCare", "-1", "-1", "-10", *(f"{v:.2f}" for v in (left, top, right, bottom)),
                     "-1", "-1", "-1", "-1000", "-1000", "-1000", "-10"])


def label_line(obj: ObjectLabel, camera: CameraSpec, cfg) -> str | None:
    """The 15 KITTI fields of ``obj``, or None if it is not written."""
    kind = cfg.types.get(obj.category, "")
    if not kind or obj.area == 0:
        return None
    if obj.ignore:
        return dont_care_line(obj, camera)
    dims, loc, ry = box_geometry(obj, world_up(camera))
    alpha = wrap(ry - np.arctan2(loc[0], loc[2]))
    left, top, right, bottom = pixel_box(obj, camera, cfg.bbox)
    fields = [kind, f"{obj.truncation:.4f}", str(occluded(obj.visibility, cfg.occlusion_levels)), f"{alpha:.4f}",
              *(f"{v:.2f}" for v in (left, top, right, bottom)), *(f"{v:.4f}" for v in (*dims, *loc)), f"{ry:.4f}"]
    return " ".join(fields)


def projection(K: np.ndarray) -> np.ndarray:
    """KITTI's (3, 4) P = [K | 0] with pixel centres on integers."""
    P = np.zeros((3, 4))
    P[:, :3] = K
    P[0, 2] -= 0.5
    P[1, 2] -= 0.5
    return P


def velo_to_cam(camera: CameraSpec) -> np.ndarray:
    """(3, 4) transform from the gravity-aligned frame at the camera into the camera."""
    up = world_up(camera)
    forward = np.array([0.0, 0.0, 1.0]) - up[2] * up
    if np.linalg.norm(forward) < 1e-9:  # looking straight down or up
        forward = np.array([0.0, -1.0, 0.0]) - up[1] * up
    forward /= np.linalg.norm(forward)
    T = np.zeros((3, 4))
    T[:, :3] = np.column_stack([forward, np.cross(up, forward), up])
    return T


def calib_text(camera: CameraSpec, tr_velo_to_cam: np.ndarray | None = None) -> str:
    """The calib file; ``tr_velo_to_cam`` (3, 4): the LiDAR's, when the job has one."""
    P = projection(np.asarray(camera.K, float))
    rows = [(f"P{k}", P) for k in range(4)]
    velo = velo_to_cam(camera) if tr_velo_to_cam is None else tr_velo_to_cam
    rows += [("R0_rect", np.eye(3)), ("Tr_velo_to_cam", velo), ("Tr_imu_to_velo", np.eye(4)[:3])]
    return "".join(f"{name}: {' '.join(f'{v:.12e}' for v in M.ravel())}\n" for name, M in rows)


@register
class KittiWriter(Writer):
    name = "kitti"
    config = KittiConfig

    @classmethod
    def check_config(cls, cfg) -> None:
        refuse_lens(cfg, "kitti", "KITTI's calib/ holds pinhole projections only")
        check_settings(cfg.export.kitti)

    def warnings(self) -> list[str]:
        names, scene = self.ctx.categories, self.ctx.scene
        if any(self.ctx.export.kitti.types.get(name) for name in names):
            return []
        return [f"export kitti: no category of scene {scene.name} ({', '.join(names[:4])}"
                f"{', ...' if len(names) > 4 else ''}) has a KITTI type in export.kitti.types, so every "
                f"label_2 file will be empty; map one with +export.kitti.types.{names[0]}=Misc"]

    def frame_files(self, labels: FrameLabels, view) -> dict[str, bytes]:
        cfg, i, split = self.ctx.export.kitti, labels.image_index, labels.split
        lines = [line for obj in labels.objects if (line := label_line(obj, labels.camera, cfg)) is not None]
        lidar = None if labels.lidar is None else lidar_to_camera(labels)[:3]
        files = {
            layout.kitti_path(split, "label_2", i, "txt"): "".join(f"{line}\n" for line in lines).encode(),
            layout.kitti_path(split, "calib", i, "txt"): calib_text(labels.camera, lidar).encode(),
        }
        if labels.lidar is not None:  # the LiDAR turn: KITTI's velodyne/ and SemanticKITTI's labels/
            files[layout.kitti_path(split, "velodyne", i, "bin")] = velodyne_bytes(labels.lidar)
            files[layout.kitti_path(split, "labels", i, "label")] = semantic_kitti_bytes(labels.lidar)
        files[layout.kitti_path(split, "image_2", i, "png")] = view.rgb("png")  # KITTI images are PNG
        return files

    def dataset_files(self, records: DatasetRecords) -> dict[str, bytes]:
        stems: dict[str, list[str]] = {}
        for images, _ in records.shards():  # shards come in rising image id order
            for img in sorted(images, key=lambda r: r["id"]):
                stems.setdefault(img["split"], []).append(layout.stem(img["id"] - 1))
        files = {f"{layout.KITTI}/ImageSets/{split}.txt": "".join(f"{s}\n" for s in names).encode()
                 for split, names in stems.items()}
        # The label list of the KITTI folders (Datumaro's dataset_meta.json): without it each
        # folder's labels are the types it happens to hold, and training/ and testing/ conflict.
        labels = list(dict.fromkeys([t for t in self.ctx.export.kitti.types.values() if t] + ["DontCare"]))
        files[f"{layout.KITTI}/dataset_meta.json"] = json.dumps({"labels": labels}).encode()
        return files
