"""Where a rig camera sits on the ego car and what it sees: its pose on the car and its
vertical field of view (the ``rig`` randomizer and the scenarios' planning share them)."""

from __future__ import annotations

import numpy as np

from simgen.core.camera import look_at


def fov_y_deg(width: int, height: int, fov_x_deg: float) -> float:
    """Vertical field of view of square pixels with a horizontal one of ``fov_x_deg``."""
    f = 0.5 * width / np.tan(np.deg2rad(fov_x_deg) / 2)
    return float(np.rad2deg(2 * np.arctan(0.5 * height / f)))


def mount_pose(x: float, y: float, heading: float, cam, dz: float, dpitch: float) -> np.ndarray:
    """OpenCV cam_to_world of rig camera ``cam`` on a car at (x, y) heading ``heading``."""
    c, s = np.cos(heading), np.sin(heading)
    eye = np.array([x + c * cam.x - s * cam.y, y + s * cam.x + c * cam.y, cam.z + dz])
    yaw = heading + np.deg2rad(cam.yaw_deg)
    pitch = np.deg2rad(cam.pitch_deg + dpitch)
    forward = np.array([np.cos(pitch) * np.cos(yaw), np.cos(pitch) * np.sin(yaw), -np.sin(pitch)])
    return look_at(eye, eye + forward)
