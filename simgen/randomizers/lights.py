"""Random lighting: directional, point and spot lights of black-body colours around the
objects, and a sky/ground hemisphere ambient. Drawn from the scene's looks stream."""

from __future__ import annotations

import numpy as np

from simgen.core.camera import look_at, opencv_to_opengl_pose
from simgen.core.errors import ConfigError
from simgen.core.kelvin import kelvin_to_rgb
from simgen.core.seeding import weighted_index
from simgen.core.spec import LightSpec, SceneSpec
from simgen.randomizers import RecipeContext, register

KINDS = ("directional", "point", "spot")


def check_lights(cfg, key: str = "scene.lights") -> None:
    """One-line ConfigError for kind weights that name no kind or give none a chance."""
    for kind, weight in cfg.kind_weights.items():
        if kind not in KINDS:
            raise ConfigError(f"{key}.kind_weights.{kind}: not a light kind; allowed: {', '.join(KINDS)}")
        if not weight >= 0:
            raise ConfigError(f"{key}.kind_weights.{kind}={weight!r}: must be >= 0")
    if cfg.max_lights > 0 and sum(cfg.kind_weights.values()) <= 0:
        raise ConfigError(f"{key}.kind_weights={dict(cfg.kind_weights)}: at least one weight must be > 0")


def _centre(spec: SceneSpec) -> np.ndarray:
    """Mean position (3,) of the labeled bodies (metres), the origin when there are none."""
    points = [b.pose[:3, 3] for b in spec.bodies if b.category is not None]
    return np.mean(points, axis=0) if points else np.zeros(3)


def _light(rng: np.random.Generator, cfg, centre: np.ndarray) -> LightSpec:
    kinds = [k for k in KINDS if cfg.kind_weights.get(k, 0.0) > 0]
    kind = kinds[weighted_index(rng, [cfg.kind_weights[k] for k in kinds])]
    azimuth = rng.uniform(0, 2 * np.pi)
    elevation = np.deg2rad(rng.uniform(cfg.elevation_min_deg, cfg.elevation_max_deg))
    up = np.array([np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)])
    color = kelvin_to_rgb(rng.uniform(cfg.temperature_min_k, cfg.temperature_max_k))
    lux = float(rng.uniform(cfg.intensity_min, cfg.intensity_max))
    if kind == "directional":
        # Lights shine down their -z, as OpenGL cameras look: the same pose convention.
        pose = opencv_to_opengl_pose(look_at(centre + up * 5.0, centre))
        return LightSpec(kind=kind, color=color, intensity=lux, pose=pose)
    distance = float(rng.uniform(cfg.distance_min, cfg.distance_max))
    position = centre + up * distance
    if kind == "point":
        return LightSpec(kind=kind, color=color, intensity=lux * distance**2, pose=opencv_to_opengl_pose(look_at(position, centre)))
    aim = centre + rng.uniform(-cfg.spot_aim_jitter, cfg.spot_aim_jitter, size=3) * np.array([1.0, 1.0, 0.0])
    outer = np.deg2rad(rng.uniform(cfg.spot_cone_min_deg, cfg.spot_cone_max_deg))
    return LightSpec(kind=kind, color=color, intensity=lux * float(np.linalg.norm(aim - position)) ** 2,
                     pose=opencv_to_opengl_pose(look_at(position, aim)),
                     inner_cone=float(outer * cfg.spot_inner_fraction), outer_cone=float(outer))


@register("lights", appearance=True)
def lights(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    cfg = ctx.scene.lights
    centre = _centre(spec)
    for _ in range(int(rng.integers(cfg.min_lights, cfg.max_lights + 1))):
        spec.lights.append(_light(rng, cfg, centre))
    sky = float(rng.uniform(cfg.ambient_min, cfg.ambient_max))
    ground = sky * float(rng.uniform(cfg.ground_ratio_min, cfg.ground_ratio_max))
    spec.ambient = tuple(sky * c for c in kelvin_to_rgb(cfg.sky_temperature_k))
    spec.ambient_ground = tuple(ground * c for c in kelvin_to_rgb(cfg.ground_temperature_k))
    return spec
