"""The image stage of the pipeline: after render, before annotate and export.

It changes only the colour image (fog and rain from the scene's atmosphere, then the camera
and sensor model) and makes the depth sensor layer beside the exact depth. Labels come from
the id and depth passes, which it never touches.
"""

from __future__ import annotations

import numpy as np

from simgen.config.sensor import SensorConfig
from simgen.core import layout
from simgen.core.spec import Atmosphere
from simgen.sensor import atmosphere, camera
from simgen.sensor.color import gamma8, luminance, to_linear, to_srgb8
from simgen.sensor.depth import sense_depth
from simgen.sensor.look import (
    DEPTH_SENSOR,
    NOISE_FIELD,
    RAIN,
    Look,
    at_resolution,
    draw_look,
    might_apply,
    view_rng,
)


def develop(rgb: np.ndarray, look: Look, noise_rng: np.random.Generator | None = None, depth: np.ndarray | None = None,
            K: np.ndarray | None = None, air: Atmosphere | None = None,
            rain_rng: np.random.Generator | None = None) -> np.ndarray:
    """(H, W, 3) uint8 sRGB as the camera of ``look`` would record it, seen through ``air``
    (fog needs the exact ``depth`` (H, W) metres and ``K``). Order: fog, rain, defocus, motion
    blur, chromatic aberration, vignetting, exposure, noise, white balance (linear light),
    sRGB encoding with the tone curve, JPEG. An image nothing acts on is returned as it is."""
    air = air or Atmosphere()
    out = rgb
    if look.linear or not atmosphere.is_clear(air):
        lin = atmosphere.apply(to_linear(rgb), depth, K, air, rain_rng)
        if look.defocus_radius is not None:
            lin = camera.defocus(lin, look.defocus_radius)
        if look.motion is not None:
            lin = camera.motion_blur(lin, *look.motion)
        if look.ca_shift is not None:
            lin = camera.chromatic_aberration(lin, look.ca_shift)
        if look.vignetting is not None:
            lin = camera.vignette(lin, look.vignetting)
        if look.exposure_stops is not None:
            lin = camera.expose(lin, look.exposure_stops)
        if look.noise is not None:
            lin = camera.add_noise(lin, *look.noise, noise_rng)
        if look.wb_gains is not None:
            lin = camera.white_balance(lin, look.wb_gains)
        out = to_srgb8(lin, 1.0 if look.gamma is None else look.gamma)
    elif look.gamma is not None:
        out = gamma8(rgb, look.gamma)
    if look.jpeg_quality is not None:
        out = camera.jpeg(out, look.jpeg_quality)
    return out


class ImageStage:
    """The image stage of one job: ``seed`` and the sensor settings; ``moving``: its scenes
    move (sequence.length > 1); ``depth_layer``: the depth_sensor layer is written."""

    def __init__(self, cfg: SensorConfig, seed: int, moving: bool, depth_layer: bool) -> None:
        self.cfg, self.seed, self.moving, self.depth_layer = cfg, seed, moving, depth_layer
        self._camera = might_apply(cfg, moving)

    def acts_on(self, air: Atmosphere) -> bool:
        """Whether this stage can change anything in a scene with ``air``."""
        return self._camera or self.depth_layer or not atmosphere.is_clear(air)

    def apply(self, arrays: dict[str, np.ndarray], cam, air: Atmosphere, scene_index: int,
              view: int) -> dict[str, np.ndarray]:
        """The view's ``arrays`` (render passes by name) with ``color`` developed and, when the
        depth sensor layer is written, ``depth_sensor`` (H, W) float32 metres added, for view
        ``view`` of scene ``scene_index``; ``arrays`` itself is left as it is."""
        if not self.acts_on(air):
            return arrays
        rng = lambda key: view_rng(self.seed, scene_index, view, key)  # noqa: E731
        out = dict(arrays)
        rgb, depth = arrays["color"], arrays["depth"]
        if self.depth_layer:  # the sensor sees the scene itself, not the colour camera's image
            out[layout.DEPTH_SENSOR] = sense_depth(depth, luminance(rgb), self.cfg.depth, rng(DEPTH_SENSOR))
        look = draw_look(self.cfg, self.seed, scene_index, view, self.moving) if self._camera else Look()
        look = at_resolution(look, rgb.shape[1], rgb.shape[0])  # pixel sizes are of a 640x480 image
        out["color"] = develop(rgb, look, rng(NOISE_FIELD), depth, cam.K, air, rng(RAIN))
        return out
