"""Randomizer ``conditions``: a sequence's time of day and weather (``scene.conditions``).

Drawn from the looks stream after ``sun``, it turns the sun's daylight into dawn, dusk or night
(moonlight, lit street lamps, head and tail lights of vehicles), overcast (dim, flat, grey sky),
rain (overcast, ``SceneSpec.atmosphere.rain`` and a darker, glossier road) and fog
(``SceneSpec.atmosphere.fog_density`` towards a fog colour the sky takes too). The image stage
applies the atmosphere; here only lights, ambient, sky colour and scenery materials change, so
the labels never do. What was drawn goes to the context's ``conditions`` (the report's facts).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from simgen.config.looks import TIMES_OF_DAY
from simgen.core.camera import look_at, opencv_to_opengl_pose
from simgen.core.spec import Atmosphere, LightSpec, SceneSpec
from simgen.randomizers import RecipeContext, register
from simgen.scenes.driving.context import Conditions, driving_context

LAMP_COLOR = (1.0, 0.78, 0.5)  # sodium-ish warm white
LAMP_CANDELA = 70.0  # about 1.4 (the sun is 2.6-3.6) on the road under a 7 m lamp
HEADLIGHT_CANDELA = 90.0
TAIL_CANDELA = 1.5
RAIN_DARKEN = 0.55  # wet asphalt keeps this share of its colour
RAIN_ROUGHNESS = 0.12  # and turns glossy
REACH = 90.0  # metres: lamps and vehicles farther from the first camera stay dark


def _lit(pose: np.ndarray) -> np.ndarray:
    """A light pose shining down its -z from an OpenCV look-at pose (the sun's convention)."""
    return opencv_to_opengl_pose(pose)


def _sun_direction(light: LightSpec) -> np.ndarray:
    """Unit vector towards the light (world), from its pose: it shines down its local -z."""
    return light.pose[:3, 2] / np.linalg.norm(light.pose[:3, 2])


def _set_elevation(light: LightSpec, elevation: float) -> None:
    d = _sun_direction(light)
    azimuth = float(np.arctan2(d[1], d[0]))
    direction = np.array([np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)])
    light.pose = _lit(look_at(direction * 100.0, np.zeros(3)))


def draw(rng: np.random.Generator, cfg) -> Conditions:
    """Which conditions one sequence has: four draws whatever the probabilities, so boosting
    one condition never changes which others a sequence has."""
    u = rng.random(4)
    p = np.array([cfg.dawn, cfg.dusk, cfg.night])
    edges = np.cumsum(p)
    k = int(np.searchsorted(edges, u[0], side="right"))
    time = TIMES_OF_DAY[1 + k] if k < 3 else "day"
    rain = bool(u[2] < cfg.rain)
    return Conditions(time_of_day=time, sky="overcast" if (rain or u[1] < cfg.overcast) else "clear", rain=rain,
                      fog=bool(u[3] < cfg.fog))


def _scale(c, f) -> tuple[float, float, float]:
    return tuple(float(x) for x in np.asarray(c, float) * f)


def _time_of_day(rng: np.random.Generator, spec: SceneSpec, sun: LightSpec | None, time: str) -> None:
    """Sun and sky of dawn, dusk or night (day: as the ``sun`` randomizer left them)."""
    glow = rng.uniform(0.8, 1.2)
    if time in ("dawn", "dusk"):
        if sun is not None:
            _set_elevation(sun, np.deg2rad(rng.uniform(2.0, 10.0)))
            sun.color = (1.0, float(rng.uniform(0.5, 0.65)), float(rng.uniform(0.25, 0.4)))
            sun.intensity *= 0.45 * glow
        spec.ambient = _scale((0.9, 0.75, 0.75) if time == "dusk" else (0.8, 0.8, 0.95), 0.5 * np.mean(spec.ambient))
        spec.background = _scale((0.95, 0.55, 0.4) if time == "dusk" else (0.85, 0.65, 0.6), 0.75 * glow)
    elif time == "night":
        if sun is not None:  # the moon
            _set_elevation(sun, np.deg2rad(rng.uniform(20.0, 60.0)))
            sun.color, sun.intensity = (0.6, 0.7, 1.0), float(0.06 * glow)
        spec.ambient = _scale((0.5, 0.6, 1.0), 0.05 * glow)
        spec.background = _scale((0.1, 0.13, 0.25), 0.15 * glow)


def _overcast(rng: np.random.Generator, spec: SceneSpec, sun: LightSpec | None, time: str) -> None:
    if sun is not None:
        sun.intensity *= float(rng.uniform(0.25, 0.45))
        sun.color = (0.92, 0.94, 0.97)
    if time != "night":
        spec.ambient = _scale(spec.ambient, rng.uniform(1.3, 1.7))
        grey = float(rng.uniform(0.55, 0.72)) * (0.5 if time != "day" else 1.0)
        spec.background = (grey, grey * 1.01, grey * 1.04)


def _wet(spec: SceneSpec) -> None:
    """Rain: the road darker and glossy, the sidewalks a little darker (materials only)."""
    surfaces = driving_context(spec).surfaces
    if surfaces is None:  # no street
        return
    for iid, darken, roughness in ((surfaces.road, RAIN_DARKEN, RAIN_ROUGHNESS), (surfaces.sidewalk, 0.8, 0.4)):
        body = next((b for b in spec.bodies if b.instance_id == iid), None)
        if body is not None and body.material is not None:  # a copy: scenery shares one material
            base = body.material.base_color
            body.material = dataclasses.replace(body.material, base_color=(*_scale(base[:3], darken), base[3]),
                                                roughness=roughness, metallic=0.0)


def _near(points: np.ndarray, eye: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` of ``points`` (m, 2+) nearest ``eye`` in plan, within REACH."""
    if len(points) == 0 or n <= 0:
        return np.zeros(0, int)
    d = np.hypot(points[:, 0] - eye[0], points[:, 1] - eye[1])
    order = np.argsort(d, kind="stable")
    return order[d[order] < REACH][:n]


def _street_lamps(spec: SceneSpec, eye: np.ndarray, n: int) -> None:
    lamps = np.asarray(driving_context(spec).lamps, float).reshape(-1, 3)
    for k in _near(lamps, eye, n):
        pose = np.eye(4)
        pose[:3, 3] = lamps[k]
        spec.lights.append(LightSpec(kind="point", color=LAMP_COLOR, intensity=LAMP_CANDELA, pose=pose))


VEHICLE_SHAPES = ("car", "van", "truck", "bus")


def _vehicle_lights(spec: SceneSpec, eye: np.ndarray, n: int) -> int:
    """Head (spot) and tail (point) lights of the ``n`` lit vehicles nearest ``eye``: those on
    a lane that stand still for the whole sequence (or all on a lane in a one-frame scene). In
    a sequence that stages a scenario, moving vehicles (its actors among them) are lit too, their
    lights riding on them (``LightSpec.rides_on``); other sequences keep the lights they had.
    Returns how many vehicles were lit."""
    context = driving_context(spec)
    tracks = context.tracks
    follow = context.scenario is not None
    moving_ok = follow or len(spec.sequence()) <= 1  # else lights would stay where frame 0 puts them

    def candidate(b) -> bool:
        placement = tracks[b.instance_id].placement
        if placement == "lane":
            return moving_ok or b.static
        return follow and placement == "scenario" and b.asset.shape in VEHICLE_SHAPES

    lit = [b for b in spec.bodies if b.instance_id in tracks and candidate(b)]
    if not lit:
        return 0
    where = np.array([b.pose[:3, 3] for b in lit])
    chosen = _near(where, eye, n)
    for k in chosen:
        body = lit[int(k)]
        length, width, height = body.asset.size[:3]
        T = body.pose
        for side in (-1.0, 1.0):
            head = T @ np.array([length / 2, side * 0.35 * width, min(0.7, 0.45 * height), 1.0])
            ahead = T @ np.array([length / 2 + 10.0, side * 0.35 * width, -0.2, 1.0])
            rides = None if body.static else body.instance_id
            spec.lights.append(LightSpec(kind="spot", color=(1.0, 0.97, 0.9), intensity=HEADLIGHT_CANDELA,
                                         pose=_lit(look_at(head[:3], ahead[:3])), inner_cone=0.2, outer_cone=0.45,
                                         rides_on=rides))
            tail = np.eye(4)
            tail[:3, 3] = (T @ np.array([-length / 2 - 0.1, side * 0.38 * width, min(0.9, 0.5 * height), 1.0]))[:3]
            spec.lights.append(LightSpec(kind="point", color=(1.0, 0.08, 0.04), intensity=TAIL_CANDELA, pose=tail,
                                         rides_on=rides))
    return len(chosen)


FOG_COLOR = {"day": (0.72, 0.74, 0.77), "dawn": (0.7, 0.62, 0.6), "dusk": (0.62, 0.5, 0.48), "night": (0.05, 0.055, 0.07)}


@register("conditions", appearance=True)
def conditions(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    cfg = ctx.scene.conditions
    drawn = draw(rng, cfg)
    sun = next((li for li in spec.lights if li.kind == "directional"), None)
    time = drawn.time_of_day
    sky_before = float(np.mean(spec.ambient))
    _time_of_day(rng, spec, sun, time)
    if drawn.sky == "overcast":
        _overcast(rng, spec, sun, time)
    if spec.ambient_ground is not None and sky_before > 0:  # light from the ground follows the sky's
        spec.ambient_ground = _scale(spec.ambient_ground, float(np.mean(spec.ambient)) / sky_before)
    fog_density = float(rng.uniform(cfg.fog_density_min, cfg.fog_density_max))  # drawn always: a fixed count
    rain = float(rng.uniform(cfg.rain_min, cfg.rain_max))
    atmosphere = Atmosphere()
    if drawn.rain:
        atmosphere.rain = rain
        _wet(spec)
    if drawn.fog:
        dim = 1.0 if drawn.sky == "clear" else 0.85
        atmosphere.fog_density = fog_density
        atmosphere.fog_color = _scale(FOG_COLOR[time], dim)
        spec.background = atmosphere.fog_color
    spec.atmosphere = atmosphere
    if time == "night":
        eye = spec.cameras[0].cam_to_world[:3, 3] if spec.cameras else np.zeros(3)
        _street_lamps(spec, eye, cfg.lamps_max)
        _vehicle_lights(spec, eye, cfg.vehicle_lights_max)
    driving_context(spec).conditions = drawn
    return spec
