"""Surface normals: uint16 x 3 (RGB = x, y, z), n = value / 65535 x 2 - 1, in the camera frame
(OpenCV axes), unit length, facing the camera; 0, 0, 0 = no surface. Drawn by the ``normals``
render pass (:mod:`simgen.render.passes.normals`), encoded by :mod:`simgen.annotate.normals`."""

from __future__ import annotations

import numpy as np

from simgen.annotate.labels import FrameLabels
from simgen.annotate.normals import decode_normals, encode_normals
from simgen.core import layout
from simgen.layers.base import Layer, LayerCheck, ViewData, register_layer


@register_layer
class Normals(Layer):
    name, field = layout.NORMALS, "normals_file"
    passes = ("normals",)

    def compute(self, view: ViewData) -> np.ndarray:
        """(H, W, 3) float32 unit normals of the view."""
        return view.arrays["normals"]

    def encode(self, labels: FrameLabels, depth_scale: float, compression: int) -> bytes | None:
        normals = labels.maps.get(self.name)
        return None if normals is None else encode_normals(normals, compression)

    def encoding(self, depth_scale: float) -> dict:
        return {"format": "uint16 png, 3 channels (R, G, B = x, y, z)", "dtype": "uint16", "scale": 2 / 65535,
                "offset": -1.0, "unit": "unit vector",
                "frame": "camera, OpenCV axes (x right, y down, z forward), facing the camera",
                "value": "n = value * scale + offset", "invalid": [0, 0, 0]}

    def validate(self, encoded: np.ndarray, check: LayerCheck) -> list[str]:
        """Unit vectors, exactly where depth is valid, facing the camera."""
        problems = []
        n = decode_normals(encoded)
        hit = np.any(encoded > 0, axis=-1)
        length = np.linalg.norm(n[hit], axis=-1)
        if length.size and np.abs(length - 1).max() > 1e-3:
            problems.append(f"normals of length {length.min():.4f}..{length.max():.4f}, not unit")
        if check.depth is not None and not np.array_equal(hit, check.depth > 0):
            problems.append(f"normals cover {int(hit.sum())} px, depth {int((check.depth > 0).sum())} px")
        K = check.K
        if K is not None and length.size:
            rows, cols = np.nonzero(hit)
            rays = np.stack([(cols + 0.5 - K[0, 2]) / K[0, 0], (rows + 0.5 - K[1, 2]) / K[1, 1], np.ones(len(rows))], axis=-1)
            away = np.einsum("ij,ij->i", n[hit], rays) / np.linalg.norm(rays, axis=-1) > 1e-3
            if away.any():
                problems.append(f"{int(away.sum())} normals face away from the camera")
        return problems
