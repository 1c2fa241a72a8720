"""Cameras on a hemisphere shell around the table, looking at its centre with jitter."""

from __future__ import annotations

import numpy as np

from simgen.camera import intrinsics, look_at
from simgen.randomizers import RecipeContext, register
from simgen.spec import CameraSpec, SceneSpec


@register("cameras")
def cameras(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """``scene.views_per_scene`` views: radius, elevation, azimuth and field of view drawn per view."""
    cfg = ctx.scene.camera
    target0 = np.array([0.0, 0.0, ctx.scene.table_height])
    for _ in range(ctx.scene.views_per_scene):
        r = rng.uniform(cfg.radius_min, cfg.radius_max)
        el = np.deg2rad(rng.uniform(cfg.elevation_min_deg, cfg.elevation_max_deg))
        az = rng.uniform(0, 2 * np.pi)
        eye = target0 + r * np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
        target = target0 + rng.uniform(-cfg.target_jitter, cfg.target_jitter, size=3)
        fov = rng.uniform(cfg.fov_y_min_deg, cfg.fov_y_max_deg)
        spec.cameras.append(
            CameraSpec(
                K=intrinsics(ctx.width, ctx.height, fov),
                width=ctx.width,
                height=ctx.height,
                cam_to_world=look_at(eye, target),
                znear=cfg.znear,
                zfar=cfg.zfar,
            )
        )
    return spec
