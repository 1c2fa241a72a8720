"""Random lighting: 1 to N directional lights from the upper hemisphere, and an ambient term."""

from __future__ import annotations

import numpy as np

from simgen.camera import look_at, opencv_to_opengl_pose
from simgen.randomizers import RecipeContext, register
from simgen.spec import LightSpec, SceneSpec


@register("lights")
def lights(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    cfg = ctx.scene.lights
    for _ in range(int(rng.integers(cfg.min_lights, cfg.max_lights + 1))):
        azimuth = rng.uniform(0, 2 * np.pi)
        elevation = rng.uniform(np.deg2rad(20), np.deg2rad(89))
        direction = np.array([np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)])
        # Lights shine down their -z, as OpenGL cameras look: the same pose convention.
        pose = opencv_to_opengl_pose(look_at(direction * 5.0, np.zeros(3)))
        tint = 1.0 - rng.uniform(0.0, 0.25, size=3)
        spec.lights.append(
            LightSpec(kind="directional", color=tuple(float(c) for c in tint), intensity=float(rng.uniform(cfg.intensity_min, cfg.intensity_max)), pose=pose)
        )
    a = float(rng.uniform(cfg.ambient_min, cfg.ambient_max))
    spec.ambient = (a, a, a)
    return spec
