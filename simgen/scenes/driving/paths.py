"""Planar road paths: straight and circular pieces, and the lanes offset from them.

A path starts at (x0, y0) heading ``h0`` (radians from world x) and runs through pieces of
``(length, curvature)``: curvature 0 is straight, ``1/R`` turns left, ``-1/R`` right. Position
along it is the arc length ``s`` (metres), across it the offset ``d`` (metres, + = left).
An offset or reversed path is again such a path, so a lane is a path and a road user moving at
speed v along its lane advances exactly ``v * dt`` of arc length per step.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class RoadPath:
    x0: float
    y0: float
    h0: float
    pieces: tuple[tuple[float, float], ...]

    @property
    def length(self) -> float:
        return float(sum(p[0] for p in self.pieces))

    @cached_property
    def _starts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Arc length, x, y, heading at the start of each piece (and at the end)."""
        s, x, y, h = [0.0], [self.x0], [self.y0], [self.h0]
        for length, k in self.pieces:
            px, py, ph = _advance(x[-1], y[-1], h[-1], k, length)
            s.append(s[-1] + length)
            x.append(px)
            y.append(py)
            h.append(ph)
        return np.array(s), np.array(x), np.array(y), np.array(h)

    def pose(self, s) -> tuple[np.ndarray, np.ndarray]:
        """Points (n, 2) and headings (n,) at arc lengths ``s`` (n,); beyond the ends the path
        continues straight."""
        s = np.atleast_1d(np.asarray(s, float))
        s0, x, y, h = self._starts
        i = np.clip(np.searchsorted(s0, s, side="right") - 1, 0, len(self.pieces) - 1)
        k = np.array([p[1] for p in self.pieces])[i]
        u = s - s0[i]
        before, after = s < 0, s > s0[-1]
        k = np.where(before | after, 0.0, k)
        i = np.where(after, len(self.pieces), i)
        u = np.where(after, s - s0[-1], u)
        px, py, ph = _advance(x[i], y[i], h[i], k, u)
        return np.stack([px, py], axis=1), ph

    def point(self, s, d=0.0) -> np.ndarray:
        """Points (n, 2) at arc lengths ``s`` and left offsets ``d`` (metres, scalar or (n,))."""
        p, h = self.pose(s)
        return p + np.stack([-np.sin(h), np.cos(h)], axis=1) * np.reshape(np.asarray(d, float), (-1, 1))

    def heading(self, s) -> np.ndarray:
        return self.pose(s)[1]

    def offset(self, d: float) -> RoadPath:
        """The path ``d`` metres to the left (a lane's centre line); needs |d| < every radius."""
        (x, y), h = self.point([0.0], d)[0], self.h0
        pieces = tuple((length * (1.0 - k * d), k / (1.0 - k * d)) for length, k in self.pieces)
        return RoadPath(float(x), float(y), float(h), pieces)

    def reversed(self) -> RoadPath:
        """The same curve driven the other way (its left is this path's right)."""
        (x, y), h = self.pose([self.length])[0][0], self.pose([self.length])[1][0]
        return RoadPath(float(x), float(y), float(h + np.pi), tuple((length, -k) for length, k in reversed(self.pieces)))

    def project(self, points) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Closest points on the path (clamped to its ends) of ``points`` (n, 2): arc length s
        (n,), signed offset d (n,, + = left) and distance (n,), exact for its pieces."""
        p = np.atleast_2d(np.asarray(points, float))
        s0, x, y, h = self._starts
        best_s = np.zeros(len(p))
        best = np.full(len(p), np.inf)
        for i, (length, k) in enumerate(self.pieces):
            a = np.array([x[i], y[i]])
            if abs(k) < 1e-12:
                t = np.array([np.cos(h[i]), np.sin(h[i])])
                u = np.clip((p - a) @ t, 0.0, length)
                dist = np.hypot(*(p - a - u[:, None] * t).T)
            else:  # around the arc's centre, counted the way the arc turns
                c = a + np.array([-np.sin(h[i]), np.cos(h[i])]) / k
                radius = 1.0 / abs(k)
                v = p - c
                phi = ((np.arctan2(v[:, 1], v[:, 0]) - np.arctan2(*(a - c)[::-1])) * np.sign(k)) % (2 * np.pi)
                u = phi * radius
                dist = np.abs(np.hypot(v[:, 0], v[:, 1]) - radius)
                outside = u > length  # nearest is an end of the arc
                d_start = np.hypot(*(p - a).T)
                d_end = np.hypot(p[:, 0] - x[i + 1], p[:, 1] - y[i + 1])
                u = np.where(outside, np.where(d_start <= d_end, 0.0, length), u)
                dist = np.where(outside, np.minimum(d_start, d_end), dist)
            better = dist < best
            best = np.where(better, dist, best)
            best_s = np.where(better, s0[i] + u, best_s)
        q, hq = self.pose(best_s)
        d = np.einsum("ij,ij->i", p - q, np.stack([-np.sin(hq), np.cos(hq)], axis=1))
        return best_s, d, best

    def samples(self, s0: float, s1: float, step: float) -> np.ndarray:
        """Arc lengths from s0 to s1 on the global grid ``step`` plus the piece joints: paths
        sampled over touching ranges share their boundary points exactly."""
        joints = np.cumsum([0.0] + [p[0] for p in self.pieces])
        grid = np.arange(np.ceil(s0 / step) * step, s1, step)
        s = np.concatenate([[s0, s1], grid, joints[(joints > s0) & (joints < s1)]])
        return np.unique(np.round(s, 9))

    def to_params(self) -> tuple[float, ...]:
        return (self.x0, self.y0, self.h0, float(len(self.pieces)), *(v for piece in self.pieces for v in piece))

    @classmethod
    def from_params(cls, params, at: int = 0) -> tuple[RoadPath, int]:
        """The path encoded at ``params[at:]`` and the index just after it."""
        x0, y0, h0, n = params[at : at + 4]
        n = int(n)
        flat = params[at + 4 : at + 4 + 2 * n]
        return cls(float(x0), float(y0), float(h0), tuple((float(flat[2 * j]), float(flat[2 * j + 1])) for j in range(n))), at + 4 + 2 * n


def _advance(x, y, h, k, u):
    """Pose after arc length ``u`` from (x, y, h) with curvature ``k`` (arrays broadcast)."""
    x, y, h, k, u = (np.asarray(v, float) for v in (x, y, h, k, u))
    straight = np.abs(k) < 1e-12
    ks = np.where(straight, 1.0, k)
    h1 = h + k * u
    px = np.where(straight, x + u * np.cos(h), x + (np.sin(h1) - np.sin(h)) / ks)
    py = np.where(straight, y + u * np.sin(h), y - (np.cos(h1) - np.cos(h)) / ks)
    return px, py, h1
