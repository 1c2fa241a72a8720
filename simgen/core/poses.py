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


def relative_turns(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Rotation vectors (m, 3) radians, in each pose's own frame, turning the rotations of poses
    ``A`` (m, 4, 4) into those of ``B`` (m, 4, 4) along the shortest arc."""
    from scipy.spatial.transform import Rotation

    rel = np.einsum("mji,mjk->mik", A[:, :3, :3], B[:, :3, :3])
    return Rotation.from_matrix(rel).as_rotvec() if len(rel) else np.zeros((0, 3))


def poses_between(A: np.ndarray, B: np.ndarray, w: float, turns: np.ndarray | None = None) -> np.ndarray:
    """Rigid poses (m, 4, 4) a share ``w`` of the way from ``A`` to ``B`` (m, 4, 4): positions
    linear, rotations along the shortest arc (outside 0..1: extrapolated); ``turns``: their
    :func:`relative_turns`, when already known."""
    from scipy.spatial.transform import Rotation

    turns = relative_turns(A, B) if turns is None else turns
    out = np.zeros_like(A, dtype=float)
    out[:, 3, 3] = 1.0
    if len(A):
        out[:, :3, :3] = A[:, :3, :3] @ Rotation.from_rotvec(w * turns).as_matrix()
    out[:, :3, 3] = (1.0 - w) * A[:, :3, 3] + w * B[:, :3, 3]
    return out
