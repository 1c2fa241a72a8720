"""Camera and sensor effects on one image: optics (defocus, motion blur, chromatic aberration,
vignetting), exposure, sensor noise, white balance (all on (H, W, 3) float32 linear light in
[0, 1], returning a new array), and JPEG re-compression (on (H, W, 3) uint8 sRGB).

Units: pixels for blur radii, lengths and shifts; stops for exposure; *linear levels* (linear
value x 255) for noise. See :class:`simgen.config.sensor.SensorConfig` for the settings.
"""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np

SUBSAMPLES = 4  # per pixel side when a kernel's coverage is integrated
POISSON_BELOW = 100.0  # electrons: exact Poisson draws below, its Gaussian approximation above


def disk_kernel(radius: float) -> np.ndarray:
    """(2n+1, 2n+1) float32 pillbox of ``radius`` px summing to 1, each cell weighted by the
    share of it inside the disk (``SUBSAMPLES``^2 samples per cell)."""
    n = max(int(math.ceil(radius - 0.5)), 0)
    offsets = (np.arange(SUBSAMPLES) + 0.5) / SUBSAMPLES - 0.5
    grid = np.arange(-n, n + 1)[:, None] + offsets[None, :]  # (2n+1, S) sample coordinates
    y, x = grid.reshape(-1)[:, None], grid.reshape(-1)[None, :]
    inside = (x * x + y * y <= radius * radius).astype(np.float32)
    cells = inside.reshape(2 * n + 1, SUBSAMPLES, 2 * n + 1, SUBSAMPLES).sum(axis=(1, 3))
    if cells.sum() == 0:  # a radius below half a sample: no blur
        cells[n, n] = 1.0
    return (cells / cells.sum()).astype(np.float32)


def line_kernel(length: float, angle: float) -> np.ndarray:
    """(2n+1, 2n+1) float32 kernel of a segment ``length`` px long through the centre at
    ``angle`` radians (0 = along +x, counter-clockwise as seen in the image), summing to 1."""
    n = max(int(math.ceil(length / 2.0)), 1)
    t = np.linspace(-length / 2.0, length / 2.0, max(int(length * SUBSAMPLES), 1) + 1)
    x, y = n + t * math.cos(angle), n - t * math.sin(angle)  # image rows grow downwards
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    k = np.zeros((2 * n + 2, 2 * n + 2), np.float64)  # one spare row and column for the splat
    for dx, dy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        np.add.at(k, (y0 + dy, x0 + dx), w)
    k = k[: 2 * n + 1, : 2 * n + 1]
    return (k / k.sum()).astype(np.float32)


def convolve(linear: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``linear`` filtered with a centred ``kernel`` (edges mirrored)."""
    return cv2.filter2D(linear, -1, kernel, borderType=cv2.BORDER_REFLECT)


def defocus(linear: np.ndarray, radius: float) -> np.ndarray:
    """Defocus blur: a disk of ``radius`` px."""
    return convolve(linear, disk_kernel(radius))


def motion_blur(linear: np.ndarray, length: float, angle: float) -> np.ndarray:
    """Motion blur: a line ``length`` px long at ``angle`` radians."""
    return convolve(linear, line_kernel(length, angle))


def _centre(h: int, w: int) -> tuple[float, float, float]:
    """Image centre (x, y) in OpenCV pixel coordinates (pixel centres at integers) and the
    distance from it to a corner, in px."""
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    return cx, cy, math.hypot(cx, cy)


def chromatic_aberration(linear: np.ndarray, shift: float) -> np.ndarray:
    """Lateral chromatic aberration: red magnified and blue shrunk about the centre, each
    ``shift`` px away from green in the corners (shifts grow linearly with the radius)."""
    h, w = linear.shape[:2]
    cx, cy, corner = _centre(h, w)
    channels = list(cv2.split(linear))  # contiguous planes: no copy of the whole image besides
    for channel, sign in ((0, 1.0), (2, -1.0)):
        s = 1.0 + sign * shift / corner
        m = np.array([[s, 0.0, (1 - s) * cx], [0.0, s, (1 - s) * cy]], np.float64)
        channels[channel] = cv2.warpAffine(channels[channel], m, (w, h), flags=cv2.INTER_LINEAR,
                                           borderMode=cv2.BORDER_REFLECT)
    return cv2.merge(channels)


@lru_cache(maxsize=8)
def _radius2(h: int, w: int) -> np.ndarray:
    """(H, W) float32 squared distance from the centre over the squared corner distance."""
    cx, cy, corner = _centre(h, w)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((x - cx) ** 2 + (y - cy) ** 2) / np.float32(corner * corner)
    r2.setflags(write=False)
    return r2


def vignette(linear: np.ndarray, strength: float) -> np.ndarray:
    """Light times ``1 - strength * (r / r_corner) ** 2``."""
    gain = 1.0 - np.float32(strength) * _radius2(*linear.shape[:2])
    return cv2.multiply(linear, cv2.merge([gain, gain, gain]))


def expose(linear: np.ndarray, stops: float) -> np.ndarray:
    """Exposure error: light times ``2 ** stops`` (clipped later, at encoding)."""
    return linear * np.float32(2.0 ** stops)


def add_noise(linear: np.ndarray, read_std: float, electrons_per_level: float | None,
              rng: np.random.Generator) -> np.ndarray:
    """Shot and read noise in linear levels (value x 255). A pixel of s levels collects
    s x ``electrons_per_level`` electrons (None: no shot noise); the count is Poisson, drawn
    exactly below ``POISSON_BELOW`` electrons and as a Gaussian of equal variance above; read
    noise adds a Gaussian of ``read_std`` levels. Variance: s / electrons_per_level + read_std^2."""
    levels = np.maximum(linear, 0.0)
    levels *= np.float32(255.0)
    noisy = rng.standard_normal(linear.shape, dtype=np.float32)  # z, then (in place) the result
    if electrons_per_level is None:
        noisy *= np.float32(read_std)
    else:
        e = np.float32(electrons_per_level)
        # Dark pixels are few: their flat indices (C order, as a boolean mask would take them).
        dark = np.flatnonzero(levels < np.float32(POISSON_BELOW) / e)
        flat_noisy, flat_levels = noisy.reshape(-1), levels.reshape(-1)
        z_dark = flat_noisy[dark] if dark.size else None
        std = levels / e  # in place: variance, then standard deviation
        std += np.float32(read_std * read_std)
        np.sqrt(std, out=std)
        noisy *= std
        if z_dark is not None:  # few electrons: the exact Poisson count instead of its Gaussian
            dark_levels = flat_levels[dark]
            flat_noisy[dark] = (rng.poisson(dark_levels * e).astype(np.float32) / e - dark_levels
                                + z_dark * np.float32(read_std))
    noisy += levels
    noisy *= np.float32(1.0 / 255.0)
    return noisy


def white_balance(linear: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    """Per-channel gains (R, G, B) on linear light."""
    return cv2.multiply(linear, tuple(float(g) for g in gains) + (1.0,))


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    """(H, W, 3) uint8 RGB encoded as JPEG at ``quality`` (1..100) and decoded again."""
    # cvtColor swaps channels as a flipped view would, in a fraction of numpy's strided copy
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
