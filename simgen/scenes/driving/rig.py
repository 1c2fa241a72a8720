"""Randomizer ``rig``: the ego car's cameras, for every frame of the sequence.

Each camera of ``scene.rig.cameras`` sits at (x forward, y left, z up) metres from the point
on the road under the ego car's centre, turned by yaw (left +) and pitched down by pitch. The
rig is drawn once per sequence (height, pitch and field of view jitter) and rides with the car.
"""

from __future__ import annotations

import numpy as np

from simgen.core.camera import intrinsics
from simgen.core.spec import CameraSpec, SceneSpec
from simgen.randomizers import RecipeContext, register
from simgen.scenes.driving.mount import fov_y_deg, mount_pose
from simgen.scenes.driving.traffic import ego_track


@register("rig")
def rig(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    cfg = ctx.scene.rig
    dz = rng.uniform(-cfg.height_jitter, cfg.height_jitter)
    dpitch = rng.uniform(-cfg.pitch_jitter_deg, cfg.pitch_jitter_deg)
    Ks = [intrinsics(ctx.width, ctx.height, fov_y_deg(ctx.width, ctx.height, cam.fov_x_deg + rng.uniform(-cfg.fov_jitter_deg, cfg.fov_jitter_deg)))
          for cam in cfg.cameras]
    frames = spec.sequence()
    xy, heading = ego_track(spec, [f.time for f in frames])
    for k, frame in enumerate(frames):
        frame.cameras = [CameraSpec(K=K, width=ctx.width, height=ctx.height, znear=cfg.znear, zfar=cfg.zfar,
                                    cam_to_world=mount_pose(xy[k, 0], xy[k, 1], heading[k], cam, dz, dpitch))
                         for cam, K in zip(cfg.cameras, Ks, strict=True)]
    spec.cameras = list(frames[0].cameras)
    return spec
