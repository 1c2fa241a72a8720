"""Fog and rain from a scene's :class:`simgen.core.spec.Atmosphere`, on (H, W, 3) float32 linear light.

Fog attenuates along the *ray*: a pixel whose surface lies at ray distance r (metres from the
camera centre, r = z x |(u - cx) / fx, (v - cy) / fy, 1| from the exact z-depth) keeps
exp(-fog_density x r) of its colour and takes the rest from the fog colour; pixels with no
surface (depth 0: the sky, the background) are the fog colour.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from simgen.core.spec import Atmosphere

RAIN_STREAKS = 1.5e-3  # streaks per pixel at rain = 1 (about 460 over 640 x 480)
RAIN_COLOR = 0.8  # linear grey of a lit drop
RAIN_ALPHA_MAX = 0.35  # opacity of the brightest streak at rain = 1


@lru_cache(maxsize=16)
def _ray_factor(h: int, w: int, fx: float, fy: float, cx: float, cy: float) -> np.ndarray:
    """(H, W) float32 ray length per metre of z-depth at each pixel centre (integer + 0.5)."""
    u = (np.arange(w, dtype=np.float64) + 0.5 - cx) / fx
    v = (np.arange(h, dtype=np.float64) + 0.5 - cy) / fy
    f = np.sqrt(1.0 + u[None, :] ** 2 + v[:, None] ** 2).astype(np.float32)
    f.setflags(write=False)
    return f


def ray_distance(depth: np.ndarray, K: np.ndarray) -> np.ndarray:
    """(H, W) float32 metres from the camera centre to the surface, from z-depth (H, W) and K."""
    h, w = depth.shape
    return depth * _ray_factor(h, w, float(K[0, 0]), float(K[1, 1]), float(K[0, 2]), float(K[1, 2]))


def fog(linear: np.ndarray, depth: np.ndarray, K: np.ndarray, density: float, color) -> np.ndarray:
    """``linear`` seen through fog of ``density`` (1/m) and linear RGB ``color``."""
    keep = np.exp(-np.float32(density) * ray_distance(depth, K))
    keep[depth <= 0] = 0.0  # no surface: only fog
    fog_rgb = np.asarray(color, np.float32)
    return linear * keep[..., None] + fog_rgb * (1.0 - keep)[..., None]


def rain(linear: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Rain streaks over ``linear``: about RAIN_STREAKS x H x W x ``strength`` thin bright
    lines, slanted by one wind angle per view (within 20 degrees of vertical, each streak
    within 4 degrees of it), 2-6 % of the image height long, softened by a small blur."""
    h, w = linear.shape[:2]
    n = int(rng.poisson(RAIN_STREAKS * h * w * strength))
    wind = rng.uniform(-20.0, 20.0)
    angle = np.radians(wind + rng.uniform(-4.0, 4.0, n))
    length = rng.uniform(0.02, 0.06, n) * h
    x0, y0 = rng.uniform(0, w, n), rng.uniform(-0.06 * h, h, n)
    x1, y1 = x0 + length * np.sin(angle), y0 + length * np.cos(angle)
    level = rng.uniform(0.3, 1.0, n)
    alpha = np.zeros((h, w), np.float32)
    for k in range(n):
        cv2.line(alpha, (int(x0[k]), int(y0[k])), (int(x1[k]), int(y1[k])), float(level[k]), 1, cv2.LINE_AA)
    alpha = cv2.GaussianBlur(alpha, (3, 3), 0) * np.float32(RAIN_ALPHA_MAX * min(1.0, strength) ** 0.5)
    alpha = np.minimum(alpha, 1.0)[..., None]
    return linear * (1.0 - alpha) + np.float32(RAIN_COLOR) * alpha


def apply(linear: np.ndarray, depth: np.ndarray, K: np.ndarray, air: Atmosphere,
          rng: np.random.Generator | None) -> np.ndarray:
    """Fog, then rain (``rng`` needed only when it rains)."""
    if air.fog_density > 0:
        linear = fog(linear, depth, K, air.fog_density, air.fog_color)
    if air.rain > 0:
        linear = rain(linear, air.rain, rng)
    return linear


def is_clear(air: Atmosphere) -> bool:
    return not (air.fog_density > 0 or air.rain > 0)



