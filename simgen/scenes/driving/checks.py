"""Value checks of a driving recipe (roads, roadside, signals, the ego car and its camera rig,
traffic, sun).

The recipe ``simgen/scenes/driving.yaml`` lists them in order: ``street`` lays out the roads
(in the scene's :class:`~simgen.scenes.driving.context.DrivingContext`), ``roadside`` and ``signals`` add what stands beside them,
``ego`` sets the sequence's time steps and the ego car's drive, ``traffic`` the road users
and their paths, ``rig`` the cameras of every frame, ``sun`` the light, ``conditions`` the time
of day and weather (both appearance: drawn from the looks stream).
"""

from __future__ import annotations

from simgen.assets.procedural import BUILDERS
from simgen.core.errors import require

PLACEMENTS = ("lane", "bike", "sidewalk", "roadside", "signal")
NEEDS = {"roadside": "street", "signals": "street", "ego": "street", "traffic": "ego", "rig": "ego"}


def check_recipe(scene) -> None:
    """Value checks of a driving recipe, each failure naming its setting."""
    order = list(scene.randomizers)
    for name, need in NEEDS.items():
        if name in order:
            require(need in order and order.index(need) < order.index(name), "scene.randomizers", order,
                     f"'{name}' needs '{need}' before it")
    require(len(scene.rig.cameras) >= 1, "scene.rig.cameras", [], "must list at least one camera")
    require(0 < scene.rig.znear < scene.rig.zfar, "scene.rig.znear", scene.rig.znear,
             f"must be > 0 and < scene.rig.zfar ({scene.rig.zfar})")
    reach = 65535 * scene.depth_scale
    require(scene.rig.zfar <= reach, "scene.depth_scale", scene.depth_scale,
             f"stores depth up to {reach:.1f} m but scene.rig.zfar is {scene.rig.zfar} m: raise depth_scale or lower zfar")
    for k, cam in enumerate(scene.rig.cameras):
        require(1.0 <= cam.fov_x_deg <= 170.0, f"scene.rig.cameras[{k}].fov_x_deg", cam.fov_x_deg, "must lie in [1, 170] degrees")
    rc = scene.road
    for lo, hi in (("lanes_min", "lanes_max"), ("lane_width_min", "lane_width_max"), ("sidewalk_width_min", "sidewalk_width_max"),
                   ("kerb_height_min", "kerb_height_max"), ("straight_min", "straight_max"), ("radius_min", "radius_max")):
        require(0 < getattr(rc, lo) <= getattr(rc, hi), f"scene.road.{hi}", getattr(rc, hi),
                 f"must be >= scene.road.{lo} ({getattr(rc, lo)}) > 0")
    require(rc.radius_min > 2 * (rc.lanes_max * rc.lane_width_max + rc.parking_width + rc.sidewalk_width_max),
             "scene.road.radius_min", rc.radius_min, "must exceed twice the road's half width with sidewalks")
    require(rc.sidewalk_width_min >= 2.0, "scene.road.sidewalk_width_min", rc.sidewalk_width_min,
             "must be >= 2 m (room for poles and pedestrians)")
    require(scene.ego.speed_min >= 0 and scene.ego.speed_max >= scene.ego.speed_min, "scene.ego.speed_max",
             scene.ego.speed_max, "must be >= scene.ego.speed_min >= 0")
    shapes = BUILDERS.names()
    seen = set()
    for k, cls in enumerate(scene.classes):
        key = f"scene.classes[{k}]"
        require(cls.category not in seen, f"{key}.category", cls.category, "appears twice")
        seen.add(cls.category)
        require((cls.shape or cls.category) in shapes, f"{key}.shape", cls.shape or cls.category,
                 f"not a procedural shape; choose one of {', '.join(shapes)}")
        require(cls.placement in PLACEMENTS, f"{key}.placement", cls.placement, f"allowed: {', '.join(PLACEMENTS)}")
        require(0 <= cls.count_min <= cls.count_max, f"{key}.count_max", cls.count_max, f"must be >= count_min ({cls.count_min}) >= 0")
        require(len(cls.size_min) == 3 and len(cls.size_max) == 3, f"{key}.size_min", cls.size_min,
                 "size_min and size_max must give length, width, height (metres)")
        require(all(0 < a <= b for a, b in zip(cls.size_min, cls.size_max, strict=True)), f"{key}.size_max", cls.size_max,
                 f"must be >= size_min ({cls.size_min}) > 0 per dimension")
        require(0 <= cls.speed_min <= cls.speed_max, f"{key}.speed_max", cls.speed_max, f"must be >= speed_min ({cls.speed_min}) >= 0")
        require(cls.parked_weight >= 0, f"{key}.parked_weight", cls.parked_weight, "must be >= 0")
    require(0 <= scene.parked_min <= scene.parked_max, "scene.parked_max", scene.parked_max, f"must be >= scene.parked_min ({scene.parked_min}) >= 0")
    require(scene.min_gap >= 0, "scene.min_gap", scene.min_gap, "must be >= 0 metres")
    chances = scene.scenarios.chances()  # one draw picks a sequence's scenario
    require(sum(chances.values()) <= 1.0 + 1e-9, "scene.scenarios", {k: v for k, v in chances.items() if v > 0},
             "probabilities must sum to at most 1 (one scenario per sequence)")
    for name in chances:
        r = getattr(scene.scenario_ranges, name)
        for lo, hi in (("distance_min", "distance_max"), ("speed_min", "speed_max"), ("decel_min", "decel_max"),
                       ("ego_speed_min", "ego_speed_max"), ("onset_min", "onset_max")):
            require(getattr(r, lo) <= getattr(r, hi), f"scene.scenario_ranges.{name}.{hi}", getattr(r, hi),
                     f"must be >= {lo} ({getattr(r, lo)})")
    c = scene.conditions  # what the ranges cannot say: the times of day share one draw
    require(c.night + c.dawn + c.dusk <= 1.0 + 1e-9, "scene.conditions", {"night": c.night, "dawn": c.dawn, "dusk": c.dusk},
            "night + dawn + dusk must be at most 1 (day takes the rest; the ones not set on the command line give way)")


TIMES = ("night", "dawn", "dusk")  # one draw: their probabilities sum to at most 1, day the rest


def times_of_day_give_way(conditions, set_here: set[str]) -> None:
    """``scene.conditions.night=1.0`` alone was refused while dawn and dusk kept their defaults:
    the times of day the command line did not set are scaled down, in proportion, to leave
    what the set ones leave (nothing when those sum to 1 or more: the check then names them)."""
    chosen = [t for t in TIMES if f"scene.conditions.{t}" in set_here]
    others = [t for t in TIMES if t not in chosen]
    fixed = sum(float(getattr(conditions, t)) for t in chosen)
    rest = sum(float(getattr(conditions, t)) for t in others)
    if not chosen or fixed + rest <= 1.0 + 1e-9 or fixed > 1.0 + 1e-9:
        return
    for t in others:
        setattr(conditions, t, getattr(conditions, t) * max(0.0, 1.0 - fixed) / rest)
