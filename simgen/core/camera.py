"""Camera conventions, converted in this module only.

Labels use OpenCV: camera x right, y down, z forward; ``K`` in pixels with pixel centres at
integer + 0.5. pyrender uses OpenGL (camera looks down -z, y up, window origin bottom-left).
"""

from __future__ import annotations

import numpy as np

# Rotation between the OpenCV and the OpenGL camera axes (its own inverse).
CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])


def intrinsics(width: int, height: int, fov_y_deg: float) -> np.ndarray:
    """Pinhole ``K`` (3, 3) for a vertical field of view, principal point at the image centre."""
    f = 0.5 * height / np.tan(np.deg2rad(fov_y_deg) / 2.0)
    return np.array([[f, 0.0, width / 2.0], [0.0, f, height / 2.0], [0.0, 0.0, 1.0]])


def look_at(eye: np.ndarray, target: np.ndarray, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """OpenCV ``cam_to_world`` (4, 4) for a camera at ``eye`` looking at ``target`` (metres)."""
    eye = np.asarray(eye, float)
    z = np.asarray(target, float) - eye
    z /= np.linalg.norm(z)
    up = np.asarray(up, float)
    x = np.cross(z, up)
    if np.linalg.norm(x) < 1e-9:  # looking straight along up: any perpendicular will do
        x = np.cross(z, [0.0, 1.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = x, y, z, eye
    return pose


def opencv_to_opengl_pose(cam_to_world: np.ndarray) -> np.ndarray:
    """pyrender camera node pose from an OpenCV ``cam_to_world``."""
    return np.asarray(cam_to_world, float) @ CV_TO_GL


def pyrender_intrinsics(K: np.ndarray, offset=(0, 0)) -> tuple[float, float, float, float]:
    """(fx, fy, cx, cy) for ``pyrender.IntrinsicsCamera`` (its projection flips y itself, so
    its cy counts from the top like OpenCV's; checked by the off-centre analytic tests).

    ``offset`` (dx, dy) in whole pixels moves the viewport's top-left corner to pixel (dx, dy)
    of the same image plane, keeping the pixel grid: used to render past the image border.
    """
    dx, dy = offset
    return float(K[0, 0]), float(K[1, 1]), float(K[0, 2] - dx), float(K[1, 2] - dy)


# cv2.remap (and array indexing) puts pixel (i, j)'s centre at (i, j); simgen's coordinates put
# it at (i + 0.5, j + 0.5).
REMAP_SHIFT = 0.5


def remap_coordinates(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``cv2.remap`` map coordinates of simgen pixel coordinates ``u, v`` (same shapes)."""
    return np.asarray(u) - REMAP_SHIFT, np.asarray(v) - REMAP_SHIFT


def world_to_camera(cam_to_world: np.ndarray) -> np.ndarray:
    """Inverse of a rigid (4, 4) transform."""
    T = np.asarray(cam_to_world, float)
    inv = np.eye(4)
    inv[:3, :3] = T[:3, :3].T
    inv[:3, 3] = -T[:3, :3].T @ T[:3, 3]
    return inv


def project(K: np.ndarray, points_cam: np.ndarray) -> np.ndarray:
    """Pixel coordinates (n, 2) of camera-frame points (n, 3); pixel centres at integer + 0.5."""
    p = np.asarray(points_cam, float)
    uv = (K @ p.T).T
    return uv[:, :2] / uv[:, 2:3]


def backproject(K: np.ndarray, u: np.ndarray, v: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Camera-frame points (n, 3) of pixel coordinates ``u, v`` at z-depth ``z`` (metres)."""
    x = (np.asarray(u, float) - K[0, 2]) * z / K[0, 0]
    y = (np.asarray(v, float) - K[1, 2]) * z / K[1, 1]
    return np.stack([x, y, np.asarray(z, float)], axis=-1)


# Mitsuba's camera looks down +z with x left and y up: OpenCV's x and y turned around.
CV_TO_MITSUBA = np.diag([-1.0, -1.0, 1.0, 1.0])


def mitsuba_perspective(K: np.ndarray, width: int, height: int, cam_to_world: np.ndarray) -> dict:
    """Mitsuba ``perspective`` sensor settings that put pixel (u, v) of ``K`` where OpenCV does:
    ``x_fov`` (degrees, along x), ``principal_point_offset_x`` / ``_y`` (fractions of the image
    width / height) and ``to_world`` (4, 4). Mitsuba has one field of view, so fx must equal fy
    (raises ValueError otherwise)."""
    fx, fy, cx, cy = float(K[0, 0]), float(K[1, 1]), float(K[0, 2]), float(K[1, 2])
    if abs(fx - fy) > 1e-9 * max(fx, fy):
        raise ValueError(f"the path tracer needs square pixels (fx == fy), got fx={fx:g}, fy={fy:g}")
    return {
        "x_fov": float(np.rad2deg(2.0 * np.arctan(0.5 * width / fx))),
        "principal_point_offset_x": -(cx - width / 2.0) / width,
        "principal_point_offset_y": -(cy - height / 2.0) / height,
        "to_world": np.asarray(cam_to_world, float) @ CV_TO_MITSUBA,
    }
