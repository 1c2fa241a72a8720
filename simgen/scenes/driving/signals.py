"""Randomizer ``signals``: traffic lights and signs on posts at the kerb, facing the traffic
that comes towards them on their side of the road.

Recipe classes placed ``signal`` (traffic lights: at the junction's corners first) or
``roadside`` (signs) become labeled bodies: the head or plate only; the post is scenery.
"""

from __future__ import annotations

import numpy as np

from simgen.core.spec import AssetRef, BodySpec, SceneSpec
from simgen.randomizers import RecipeContext, register
from simgen.randomizers.balance import driving_counts
from simgen.scenes.driving import footprints
from simgen.scenes.driving.bodies import add_scenery, ground_pose
from simgen.scenes.driving.context import Track, driving_context, street_of
from simgen.scenes.driving.layout import Street
from simgen.scenes.driving.looks import dims, look, road_user_material
from simgen.scenes.driving.roadside import KERB_LINE, POLE
from simgen.scenes.driving.scenery_meshes import SceneryParts

ATTEMPTS = 20
RED, GREEN = 0.0, 2.0


def _corners(street: Street) -> list[tuple[int, int, float, float | None]]:
    """(road, side, s, lit lamp) where a junction needs its lights: green for the main road,
    red for side roads' incoming traffic."""
    if street.junction_s is None:
        return []
    js, half = street.junction_s, street.junction_half
    spots = [(0, -1, js - half - 1.0, GREEN), (0, 1, js + half + 1.0, GREEN)]
    spots += [(k, 1, street.stop_line + 1.0, RED) for k in range(1, len(street.roads))]
    return spots


def _facing(side: int, heading: float) -> float:
    """Yaw of a face towards traffic on ``side``: right-side traffic comes along the path."""
    return heading + np.pi if side < 0 else heading


@register("signals")
def signals(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    scene = ctx.scene
    street = street_of(spec)
    context = driving_context(spec)
    static = context.static
    taken = footprints.Occupancy(margin=0.4)
    for row in static:
        taken.add(np.array([row]))
    posts = SceneryParts()
    tracks = context.tracks
    pieces = [w for w in street.sidewalks if w.s1 - w.s0 > 4.0]
    planned = driving_counts(spec, ctx)  # balance.classes: the plan's counts
    for cls in scene.classes:
        if cls.placement not in ("signal", "roadside"):
            continue
        shape = cls.shape or cls.category
        spots = _corners(street) if cls.placement == "signal" else []
        count = planned[cls.category] if planned is not None else int(rng.integers(cls.count_min, cls.count_max + 1))
        for n in range(count):
            for attempt in range(ATTEMPTS):
                if n < len(spots) and attempt == 0:
                    k, side, s, lit = spots[n]
                else:
                    w = pieces[int(rng.integers(len(pieces)))]
                    k, side, s, lit = w.road, w.side, rng.uniform(w.s0 + 2.0, w.s1 - 2.0), None
                road = street.roads[k]
                (x, y), = road.path.point([s], side * (road.half(side) + KERB_LINE))
                yaw = _facing(side, float(road.path.heading([s])[0]))
                size = dims(rng, cls.size_min, cls.size_max)
                z = road.kerb + rng.uniform(cls.mount_min, cls.mount_max)
                post = np.array([[x, y, yaw, max(size[0], 0.3), max(size[1], 0.3), road.kerb, z + size[2]]])
                if not taken.clear(post):
                    continue
                taken.add(post)
                static.append(post[0].tolist())
                posts.cylinder(x, y, road.kerb, 0.07 if shape == "traffic_light" else 0.04, z - road.kerb, POLE)
                params = look(rng, shape)
                if lit is not None and shape == "traffic_light":
                    params = (lit,)
                body = BodySpec(instance_id=spec.next_instance_id(),
                                asset=AssetRef(kind="procedural", shape=shape, size=(*size, *params)),
                                pose=ground_pose(x, y, z, yaw), category=cls.category,
                                material=road_user_material(rng, shape), static=True)
                spec.bodies.append(body)
                tracks[body.instance_id] = Track(placement=cls.placement, speed=0.0)
                break
    add_scenery(spec, posts)
    return spec
