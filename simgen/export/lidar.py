"""Encodings of a labeled LiDAR turn (:class:`~simgen.annotate.lidar.LidarScan`), each in one
place: KITTI's ``velodyne/*.bin``, SemanticKITTI's ``labels/*.label`` and, for every dataset with
a LiDAR, ``lidar/<stem>.npy`` with the COCO image record's ``lidar_file`` and ``lidar_to_camera``.

All three hold the points in the LiDAR frame (x forward, y left, z up, metres), in the same
order; ``lidar_to_camera`` (4, 4) (KITTI's ``Tr_velo_to_cam``) carries them into the view's
OpenCV camera frame.
"""

from __future__ import annotations

import io

import numpy as np

from simgen.annotate.labels import FrameLabels
from simgen.annotate.lidar import LidarScan
from simgen.core import layout

# One record per point of lidar/<stem>.npy (numpy.load reads it without simgen).
POINT_DTYPE = np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("intensity", "<f4"),
                        ("instance", "<u2"), ("semantic", "<u2"), ("beam", "<u2")])


def velodyne_bytes(scan: LidarScan) -> bytes:
    """KITTI ``velodyne/*.bin``: (n, 4) little-endian float32 x, y, z, reflectance."""
    return np.column_stack([scan.points, scan.intensity]).astype("<f4").tobytes()


def semantic_kitti_bytes(scan: LidarScan) -> bytes:
    """SemanticKITTI ``labels/*.label``: (n,) little-endian uint32, the semantic id in the
    lower 16 bits and the instance id in the upper 16."""
    return (scan.semantic.astype(np.uint32) | (scan.instance.astype(np.uint32) << 16)).astype("<u4").tobytes()


def points_npy(scan: LidarScan) -> bytes:
    """``lidar/<stem>.npy``: a structured array of :data:`POINT_DTYPE`."""
    table = np.zeros(len(scan.points), POINT_DTYPE)
    table["x"], table["y"], table["z"] = scan.points.T
    table["intensity"], table["instance"], table["semantic"], table["beam"] = (scan.intensity, scan.instance,
                                                                              scan.semantic, scan.beam)
    buffer = io.BytesIO()
    np.save(buffer, table, allow_pickle=False)
    return buffer.getvalue()


def lidar_to_camera(labels: FrameLabels) -> np.ndarray:
    """(4, 4) from the view's LiDAR frame into its camera's OpenCV frame."""
    return labels.lidar.lidar_to_camera(labels.camera.cam_to_world)


def image_record_fields(labels: FrameLabels) -> dict:
    """The COCO image record's LiDAR fields ({} without a LiDAR)."""
    if labels.lidar is None:
        return {}
    T = np.round(lidar_to_camera(labels), 9).tolist()
    return {"lidar_file": layout.lidar_path(labels.image_index), "lidar_to_camera": T}
