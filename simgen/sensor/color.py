"""sRGB <-> linear light, by look-up tables (the one place images change encoding here).

Rendered and written images are 8-bit sRGB-encoded; physical effects (blur, fog, exposure,
noise) act on linear light, float32 in [0, 1] (HxWx3).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

ENCODE_STEPS = 1 << 14  # linear levels of the encoding table: 0.2 sRGB levels apart in the darks
LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)  # Rec. 709 luminance of linear RGB


def srgb_to_linear_value(v: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] -> linear light in [0, 1] (IEC 61966-2-1)."""
    v = np.asarray(v, np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb_value(x: np.ndarray) -> np.ndarray:
    """Linear light in [0, 1] -> sRGB-encoded values in [0, 1]."""
    x = np.clip(np.asarray(x, np.float64), 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * x ** (1 / 2.4) - 0.055)


_DECODE = srgb_to_linear_value(np.arange(256) / 255.0).astype(np.float32)


def to_linear(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 sRGB -> (H, W, 3) float32 linear light in [0, 1]."""
    return cv2.LUT(rgb, _DECODE)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """(H, W) float32 linear luminance in [0, 1] of an (H, W, 3) uint8 sRGB image."""
    return to_linear(rgb) @ LUMA


@lru_cache(maxsize=64)
def encode_table(gamma: float = 1.0) -> np.ndarray:
    """(ENCODE_STEPS,) uint8: linear level k / (ENCODE_STEPS - 1) -> 8-bit sRGB value, with
    the tone curve v ** (1 / gamma) applied to the encoded value v."""
    v = linear_to_srgb_value(np.arange(ENCODE_STEPS) / (ENCODE_STEPS - 1)) ** (1.0 / gamma)
    return np.round(v * 255.0).astype(np.uint8)


def to_srgb8(linear: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    """(H, W, 3) float32 linear light (clipped to [0, 1]) -> (H, W, 3) uint8 sRGB, tone curve
    ``gamma`` applied to the encoded value."""
    index = np.clip(linear, 0.0, 1.0)  # one float32 buffer, then in place: the same roundings
    index *= np.float32(ENCODE_STEPS - 1)
    index += np.float32(0.5)
    return encode_table(round(float(gamma), 6)).take(index.astype(np.uint16))  # 14-bit indices


def gamma8(rgb: np.ndarray, gamma: float) -> np.ndarray:
    """The tone curve v ** (1 / gamma) on an 8-bit encoded image (H, W, 3) uint8."""
    table = np.round((np.arange(256) / 255.0) ** (1.0 / gamma) * 255.0).astype(np.uint8)
    return table[rgb]
