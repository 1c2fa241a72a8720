"""The one (4, 4) rigid-transform builder: world poses in metres, rotation (3, 3) then translation."""

from __future__ import annotations

import numpy as np


def pose_matrix(translation=(0.0, 0.0, 0.0), rotation: np.ndarray | None = None) -> np.ndarray:
    """(4, 4) float64 transform with ``rotation`` (3, 3; None = identity) and ``translation`` (3,)."""
    T = np.eye(4)
    if rotation is not None:
        T[:3, :3] = rotation
    T[:3, 3] = translation
    return T
