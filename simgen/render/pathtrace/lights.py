"""The raster's lights as Mitsuba emitters, in the same units.

The fast shader (``simgen/render/shaders/lit.frag``) gives a Lambert surface of albedo a the
radiance a / pi * E cos(theta) with E = colour x intensity for a directional light
(irradiance, lux) and E = colour x intensity / d^2 for point and spot lights (intensity,
candela): exactly what Mitsuba's ``directional`` (``irradiance``), ``point`` and ``spot``
(``intensity``) emitters give. A spot light's cone scales it by
``clamp((cos(angle) - cos(outer)) / (cos(inner) - cos(outer)), 0, 1) ** 2``, as pyrender's
uniforms set it up; Mitsuba's own falloff is linear in the angle, so the profile is drawn into
the spot's projected texture and its own falloff switched off (beam width = cutoff).

The hemisphere ambient (sky colour from above, ground colour from below, blended by the
normal's z) is the irradiance of an environment whose upper half has the sky's radiance and
lower half the ground's: ``base x mix(ground, sky, (1 + n_z) / 2)`` for an unoccluded Lambert
surface. In the path tracer that environment is occluded and bounces, as light does.
"""

from __future__ import annotations

import numpy as np

from simgen.core.spec import LightSpec, SceneSpec

SPOT_PROFILE_SIZE = 128  # pixels a side of a spot's cone profile
ENV_ROWS = 64  # rows of the two-colour environment map (half sky, half ground)
MAX_CONE = np.deg2rad(89.0)  # a spot's profile is a projection: its cone stays under 90 degrees

# Mitsuba's environment map has +y up; the world has +z up.
ENV_TO_WORLD = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, 0.0],
                         [0.0, 0.0, 0.0, 1.0]])
# Mitsuba's spot shines down its local +z, simgen's lights down their local -z.
SPOT_FLIP = np.diag([1.0, -1.0, -1.0, 1.0])


def spot_profile(inner: float, outer: float, size: int = SPOT_PROFILE_SIZE) -> np.ndarray:
    """(size, size, 3) float32 cone falloff over a spot's projected texture: texture coordinate
    (u, v) is the direction (2u - 1, 2v - 1) tan(outer) on the plane z = 1 of the light."""
    outer = min(float(outer), MAX_CONE)
    t = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    r = np.hypot(*np.meshgrid(t, t)) * np.tan(outer)
    cos_angle = 1.0 / np.sqrt(1.0 + r * r)
    scale = 1.0 / max(0.001, np.cos(inner) - np.cos(outer))  # pyrender's light_angle_scale
    cone = np.clip((cos_angle - np.cos(outer)) * scale, 0.0, 1.0) ** 2
    return np.repeat(cone[..., None], 3, axis=2).astype(np.float32)


def emitter(mi, light: LightSpec) -> dict:
    """The Mitsuba emitter of ``light`` (kind directional, point or spot)."""
    rgb = np.asarray(light.color, float) * light.intensity
    pose = np.asarray(light.pose, float)
    if light.kind == "directional":
        return {"type": "directional", "direction": (-pose[:3, 2]).tolist(),
                "irradiance": {"type": "rgb", "value": rgb.tolist()}}
    if light.kind == "spot":
        outer = min(float(light.outer_cone), MAX_CONE)
        profile = spot_profile(light.inner_cone, outer)
        return {"type": "spot", "to_world": mi.ScalarTransform4f(pose @ SPOT_FLIP),
                "intensity": {"type": "rgb", "value": rgb.tolist()},
                "cutoff_angle": float(np.rad2deg(outer)), "beam_width": float(np.rad2deg(outer)),
                "texture": {"type": "bitmap", "bitmap": mi.Bitmap(profile), "raw": True,
                            "wrap_mode": "clamp"}}
    return {"type": "point", "position": pose[:3, 3].tolist(),
            "intensity": {"type": "rgb", "value": rgb.tolist()}}


def environment(mi, spec: SceneSpec) -> dict:
    """The hemisphere ambient of ``spec`` as an environment emitter (constant where sky and
    ground agree)."""
    sky = np.asarray(spec.ambient, np.float32)
    ground = sky if spec.ambient_ground is None else np.asarray(spec.ambient_ground, np.float32)
    if np.allclose(sky, ground):
        return {"type": "constant", "radiance": {"type": "rgb", "value": sky.tolist()}}
    image = np.empty((ENV_ROWS, 8, 3), np.float32)
    image[: ENV_ROWS // 2], image[ENV_ROWS // 2:] = sky, ground  # row 0 looks straight up
    return {"type": "envmap", "bitmap": mi.Bitmap(image), "to_world": mi.ScalarTransform4f(ENV_TO_WORLD)}
