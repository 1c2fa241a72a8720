"""Randomizer ``sun``: daylight from a sun direction, colour and intensity, plus ambient light
from the sky above and the sunlit ground below, and a sky-coloured background. A low sun is
warmer and weaker."""

from __future__ import annotations

import numpy as np

from simgen.core.camera import look_at, opencv_to_opengl_pose
from simgen.core.spec import LightSpec, SceneSpec
from simgen.randomizers import RecipeContext, register


@register("sun", appearance=True)
def sun(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    cfg = ctx.scene.sun
    elevation = np.deg2rad(rng.uniform(cfg.elevation_min_deg, cfg.elevation_max_deg))
    azimuth = rng.uniform(0.0, 2 * np.pi)
    direction = np.array([np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)])
    high = float(np.clip(np.sin(elevation) / np.sin(np.deg2rad(50.0)), 0.0, 1.0))  # 0 at the horizon, 1 high
    color = (1.0, 0.82 + 0.18 * high, 0.62 + 0.36 * high)
    intensity = rng.uniform(cfg.intensity_min, cfg.intensity_max) * (0.7 + 0.3 * high)
    # Lights shine down their local -z, as OpenGL cameras look: the same pose convention.
    spec.lights.append(LightSpec(kind="directional", color=color, intensity=float(intensity),
                                 pose=opencv_to_opengl_pose(look_at(direction * 100.0, np.zeros(3)))))
    a = rng.uniform(cfg.ambient_min, cfg.ambient_max)
    spec.ambient = (a * 0.95, a * 0.98, a * 1.05)
    spec.ambient_ground = (a * cfg.ground_ratio, a * cfg.ground_ratio * 0.95, a * cfg.ground_ratio * 0.85)  # sunlit ground
    haze = rng.uniform(0.0, 0.35)
    sky = (1 - haze) * np.array([0.5 + 0.15 * (1 - high), 0.66 + 0.05 * (1 - high), 0.9]) + haze * np.array([0.82, 0.83, 0.85])
    spec.background = tuple(float(c) for c in sky)
    return spec
