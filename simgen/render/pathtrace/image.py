"""From the path tracer's linear radiance to the bytes the raster would write.

The raster's fast shader writes ``sqrt(clamp(colour, 0, 1))`` (gamma 2) and its background is
the clear colour written as it is; :func:`to_bytes` does the same to a linear image whose
misses (alpha < 1) take the background. :func:`denoise` runs Intel Open Image Denoise on the
linear (HDR) image with albedo and normal guides.
"""

from __future__ import annotations

import numpy as np


def to_bytes(rgb: np.ndarray, alpha: np.ndarray, background) -> np.ndarray:
    """(H, W, 3) uint8 of linear ``rgb`` (H, W, 3) float with coverage ``alpha`` (H, W) in
    [0, 1] over ``background`` (3,) in output values (as the raster's clear colour)."""
    bg = np.asarray(background, np.float32) ** 2  # to the shader's linear space
    linear = rgb + (1.0 - np.clip(alpha, 0.0, 1.0))[..., None] * bg
    return np.rint(np.sqrt(np.clip(linear, 0.0, 1.0)) * 255.0).astype(np.uint8)


def denoise(oidn, rgb: np.ndarray, albedo: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Denoised (H, W, 3) float32 of linear HDR ``rgb`` guided by ``albedo`` (H, W, 3) in [0, 1]
    and unit ``normal`` (H, W, 3) (world space, 0 where nothing was hit)."""
    return oidn.denoise(np.ascontiguousarray(rgb, np.float32),
                        np.ascontiguousarray(np.clip(albedo, 0.0, 1.0), np.float32),
                        np.ascontiguousarray(normal, np.float32), hdr=True)
