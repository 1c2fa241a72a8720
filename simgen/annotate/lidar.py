"""Per-point labels of a LiDAR turn: the instance and semantic id of what each point hit.

Ids follow the camera's maps (:class:`~simgen.annotate.labels.FrameLabels`): an object's
instance id and its category id (1-based, the COCO ids); scenery (road, buildings) and nothing
get 0 in both, SemanticKITTI's "unlabeled".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.core.camera import world_to_camera
from simgen.physics.state import SceneState
from simgen.sensor.lidar import LidarReturns


@dataclass
class LidarScan:
    """One labeled turn. ``points`` (n, 3) float32 metres in the LiDAR frame (x forward, y left,
    z up), ``intensity`` (n,) float32 in [0, 1], ``instance`` (n,) uint16 object instance id,
    ``semantic`` (n,) uint16 category id, ``beam`` (n,) int16 (0 = highest),
    ``lidar_to_world`` (4, 4), ``rays`` cast in the turn."""

    points: np.ndarray
    intensity: np.ndarray
    instance: np.ndarray
    semantic: np.ndarray
    beam: np.ndarray
    lidar_to_world: np.ndarray
    rays: int

    def lidar_to_camera(self, cam_to_world: np.ndarray) -> np.ndarray:
        """(4, 4) from the LiDAR frame into the OpenCV frame of a camera at ``cam_to_world``."""
        return world_to_camera(cam_to_world) @ self.lidar_to_world


def label_returns(returns: LidarReturns, state: SceneState, category_ids: dict[str, int]) -> LidarScan:
    """``returns`` with each point's instance and semantic id (objects only; scenery 0)."""
    n = max((b.instance_id for b in state.bodies), default=0) + 1
    instance_lut, semantic_lut = np.zeros(n, np.uint16), np.zeros(n, np.uint16)
    for body in state.objects():
        instance_lut[body.instance_id] = body.instance_id
        semantic_lut[body.instance_id] = category_ids[body.category]
    k = returns.instance_id
    return LidarScan(points=returns.points.astype(np.float32), intensity=returns.intensity, instance=instance_lut[k],
                     semantic=semantic_lut[k], beam=returns.beam, lidar_to_world=returns.lidar_to_world,
                     rays=returns.rays)
