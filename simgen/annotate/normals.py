"""Surface normals layer: encoding and decoding (the pass that draws them is
:mod:`simgen.render.passes.normals`).

Normals are unit vectors in the camera frame (OpenCV axes: x right, y down, z forward),
turned to face the camera, stored as a 3-channel uint16 PNG (R, G, B = x, y, z) with
``value = round((n + 1) / 2 * 65535)``: a step of 3e-5 per component, far below 0.01 degree.
0, 0, 0 marks pixels with no surface.
"""

from __future__ import annotations

import cv2
import numpy as np

SCALE = 65535.0


def encode_normals(normals: np.ndarray, png_compression: int = 1) -> bytes:
    """PNG bytes of ``normals`` (H, W, 3) float unit vectors; all-zero pixels = no surface."""
    hit = np.any(normals != 0, axis=-1)
    values = np.rint((normals + 1.0) / 2.0 * SCALE).clip(0, SCALE).astype(np.uint16)
    values[~hit] = 0
    ok, buf = cv2.imencode(".png", cv2.cvtColor(values, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, png_compression])
    assert ok
    return buf.tobytes()


def decode_normals(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) float32 normals from the PNG as OpenCV reads it (BGR); 0 where no surface."""
    rgb = image[..., ::-1].astype(np.float32)
    n = rgb / np.float32(SCALE) * 2.0 - 1.0
    n[~np.any(image > 0, axis=-1)] = 0.0
    return n
