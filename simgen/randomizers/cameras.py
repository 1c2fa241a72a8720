"""Cameras on a hemisphere shell around the table, looking at its centre with jitter."""

from __future__ import annotations

import numpy as np

from simgen.core.camera import intrinsics, look_at
from simgen.core.spec import CameraSpec, SceneSpec
from simgen.randomizers import RecipeContext, register


def shell_pose(rng: np.random.Generator, cfg, centre: np.ndarray) -> np.ndarray:
    """OpenCV ``cam_to_world`` on a hemisphere shell around ``centre`` (radius, elevation and
    azimuth drawn from ``cfg``), looking at ``centre`` moved by up to ``cfg.target_jitter``."""
    r = rng.uniform(cfg.radius_min, cfg.radius_max)
    el = np.deg2rad(rng.uniform(cfg.elevation_min_deg, cfg.elevation_max_deg))
    az = rng.uniform(0, 2 * np.pi)
    eye = centre + r * np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    target = centre + rng.uniform(-cfg.target_jitter, cfg.target_jitter, size=3)
    return look_at(eye, target)


def view(ctx: RecipeContext, cfg, fov_y_deg: float, cam_to_world: np.ndarray) -> CameraSpec:
    """A camera of the job's image size with a vertical field of view and the clip planes of ``cfg``."""
    return CameraSpec(K=intrinsics(ctx.width, ctx.height, fov_y_deg), width=ctx.width, height=ctx.height,
                      cam_to_world=cam_to_world, znear=cfg.znear, zfar=cfg.zfar)


@register("cameras")
def cameras(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """``scene.views_per_scene`` views: radius, elevation, azimuth and field of view drawn per view."""
    cfg = ctx.scene.camera
    target0 = np.array([0.0, 0.0, ctx.scene.table_height])
    for _ in range(ctx.scene.views_per_scene):
        pose = shell_pose(rng, cfg, target0)
        fov = rng.uniform(cfg.fov_y_min_deg, cfg.fov_y_max_deg)
        spec.cameras.append(view(ctx, cfg, fov, pose))
    return spec
