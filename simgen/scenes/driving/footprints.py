"""Where things are over time, as oriented boxes standing on the ground, to keep them apart.

A track is an array (T, 7) of ``x, y, yaw, l, w, z0, z1`` (metres, radians): a box of length l
along its heading and width w, spanning heights z0..z1, at each of T times on a shared grid
(T = 1: it never moves). Two tracks collide if at some time their boxes come closer than the
margin (separating-axis test). The grid is fine enough that nothing moves more than
``MAX_STEP`` between samples, so nothing can pass through another between frames either.
"""

from __future__ import annotations

import math

import numpy as np

X, Y, YAW, LENGTH, WIDTH, Z0, Z1 = range(7)
MAX_STEP = 0.25  # metres any road user may move between two checked instants


def time_grid(frames: int, time_step: float, max_speed: float) -> np.ndarray:
    """Instants (seconds) at which tracks are checked: every frame and enough in between."""
    if frames <= 1:
        return np.zeros(1)
    sub = max(1, math.ceil(max_speed * time_step / MAX_STEP))
    return np.linspace(0.0, (frames - 1) * time_step, (frames - 1) * sub + 1)


def track(xy: np.ndarray, yaw: np.ndarray, length: float, width: float, z0: float, z1: float) -> np.ndarray:
    """A track from positions (T, 2) and headings (T,)."""
    n = len(yaw)
    return np.column_stack([xy, yaw, np.full(n, length), np.full(n, width), np.full(n, z0), np.full(n, z1)])


def corners(t: np.ndarray, grow: float = 0.0) -> np.ndarray:
    """(T, 4, 2) ground corners of each box of track ``t``, each side moved out by ``grow``."""
    c, s = np.cos(t[:, YAW]), np.sin(t[:, YAW])
    hl, hw = t[:, LENGTH] / 2 + grow, t[:, WIDTH] / 2 + grow
    out = []
    for a, b in ((1, 1), (1, -1), (-1, -1), (-1, 1)):
        out.append(np.stack([t[:, X] + a * hl * c - b * hw * s, t[:, Y] + a * hl * s + b * hw * c], axis=1))
    return np.stack(out, axis=1)


def collide(a: np.ndarray, b: np.ndarray, margin: float) -> bool:
    """Whether tracks ``a`` and ``b`` (same T, or T = 1) are ever closer than ``margin``."""
    zs = (a[:, Z0] < b[:, Z1]) & (b[:, Z0] < a[:, Z1])
    if not zs.any():
        return False
    d = b[:, :2] - a[:, :2]
    reach = np.hypot(a[:, LENGTH], a[:, WIDTH]) / 2 + np.hypot(b[:, LENGTH], b[:, WIDTH]) / 2 + margin
    near = zs & (np.hypot(d[:, 0], d[:, 1]) < reach)
    if not near.any():
        return False
    axes = []
    for t in (a, b):
        c, s = np.cos(t[:, YAW]), np.sin(t[:, YAW])
        axes += [np.stack([c, s], axis=1), np.stack([-s, c], axis=1)]
    separated = np.zeros(len(near), bool)
    for n in axes:
        extent = 0.0
        for t in (a, b):
            c, s = np.cos(t[:, YAW]), np.sin(t[:, YAW])
            along = np.abs(c * n[:, 0] + s * n[:, 1])
            across = np.abs(-s * n[:, 0] + c * n[:, 1])
            extent = extent + (t[:, LENGTH] / 2 + margin / 2) * along + (t[:, WIDTH] / 2 + margin / 2) * across
        separated |= np.abs(d[:, 0] * n[:, 0] + d[:, 1] * n[:, 1]) > extent
    return bool((near & ~separated).any())


class Occupancy:
    """Tracks placed so far; a new one is accepted only if it keeps ``margin`` from all.
    Axis-aligned bounds of each whole track rule most pairs out before the exact test."""

    def __init__(self, margin: float) -> None:
        self.margin = margin
        self.tracks: list[np.ndarray] = []
        self._bounds = np.empty((0, 6))

    @staticmethod
    def _box(t: np.ndarray, grow: float) -> np.ndarray:
        r = float(np.max(np.hypot(t[:, LENGTH], t[:, WIDTH]))) / 2 + grow
        return np.array([t[:, X].min() - r, t[:, Y].min() - r, t[:, X].max() + r, t[:, Y].max() + r,
                         t[:, Z0].min(), t[:, Z1].max()])

    def clear(self, t: np.ndarray) -> bool:
        a, b = self._box(t, self.margin), self._bounds
        near = (b[:, 0] < a[2]) & (a[0] < b[:, 2]) & (b[:, 1] < a[3]) & (a[1] < b[:, 3]) & (b[:, 4] < a[5]) & (a[4] < b[:, 5])
        return not any(collide(t, self.tracks[i], self.margin) for i in np.flatnonzero(near))

    def add(self, t: np.ndarray) -> None:
        self.tracks.append(t)
        self._bounds = np.vstack([self._bounds, self._box(t, 0.0)])
