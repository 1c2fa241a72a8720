"""The depth sensor's reading: uint16 like depth, z = value x depth_scale metres along the
optical axis, 0 = no measurement (dropout, out of range, no surface). Written beside the exact
depth, never instead of it. The image stage (:mod:`simgen.sensor.stage`), which holds the
``sensor.depth`` settings and the view's appearance stream, makes it from the exact depth and
the clean render (:mod:`simgen.sensor.depth`) as the view's ``depth_sensor`` array."""

from __future__ import annotations

import numpy as np

from simgen.annotate.labels import FrameLabels
from simgen.core import layout
from simgen.core.images import depth_to_uint16, encode_uint16
from simgen.layers.base import Layer, LayerCheck, ViewData, register_layer


@register_layer
class DepthSensor(Layer):
    name, field = layout.DEPTH_SENSOR, "depth_sensor_file"

    def compute(self, view: ViewData) -> np.ndarray | None:
        """(H, W) float32 metres as the image stage's depth sensor read them."""
        return view.arrays.get(self.name)

    def encode(self, labels: FrameLabels, depth_scale: float, compression: int) -> bytes | None:
        sensed = labels.maps.get(self.name)
        return None if sensed is None else encode_uint16(depth_to_uint16(sensed, depth_scale), compression)

    def encoding(self, depth_scale: float) -> dict:
        return {"format": "uint16 png", "dtype": "uint16", "scale": depth_scale, "offset": 0, "unit": "metre",
                "value": "depth sensor reading, z along the optical axis = value * scale (simgen.sensor.depth)",
                "invalid": "0: no measurement (dropout, out of range, no surface)"}

    def validate(self, encoded: np.ndarray, check: LayerCheck) -> list[str]:
        """A reading only where the exact depth has a surface."""
        if check.depth is None:
            return []
        stray = int(np.sum((encoded > 0) & (check.depth == 0)))
        return [f"{stray} px read depth where there is no surface"] if stray else []
