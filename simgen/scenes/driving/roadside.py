"""Randomizer ``roadside``: buildings along the sidewalks, street lamps and trees at the kerb.

Buildings are one scenery body, lamps and trees another. Poles, trunks and tree crowns are
recorded in the context's ``static`` as footprint tracks, so road users keep clear of them;
lamp heads (x, y, z) in its ``lamps``, for the night's lights (:mod:`simgen.scenes.driving.context`).
"""

from __future__ import annotations

import numpy as np

from simgen.core.spec import SceneSpec
from simgen.randomizers import RecipeContext, register
from simgen.scenes.driving import footprints
from simgen.scenes.driving.bodies import add_scenery
from simgen.scenes.driving.context import driving_context, street_of
from simgen.scenes.driving.layout import Street
from simgen.scenes.driving.looks import _linear, wall
from simgen.scenes.driving.scenery_meshes import SceneryParts

KERB_LINE = 0.6  # metres from the kerb edge to the line of poles and trees
POLE = _linear((0.4, 0.41, 0.42))
BARK = _linear((0.3, 0.22, 0.16))


def corridor(street: Street, points: np.ndarray, margin: float = 0.05) -> np.ndarray:
    """Whether ``points`` (n, 2) lie on a road or its sidewalks (or within ``margin``)."""
    inside = np.zeros(len(points), bool)
    for road in street.roads:
        _, d, dist = road.path.project(points)
        reach = np.where(d >= 0, road.half(1), road.half(-1)) + road.sidewalk + margin
        inside |= dist < reach
    return inside


def _outline(box: np.ndarray, step: float = 4.0) -> np.ndarray:
    """Points (n, 2) along the edges of a footprint box (1, 7), at most ``step`` metres apart."""
    t = box
    c = footprints.corners(t)[0]
    pts = []
    for a, b in zip(c, np.roll(c, -1, axis=0), strict=True):
        n = max(2, int(np.ceil(np.linalg.norm(b - a) / step)) + 1)
        pts.append(a + np.linspace(0, 1, n)[:, None] * (b - a))
    return np.vstack(pts)


def _buildings(rng, street: Street, cfg, parts: SceneryParts) -> None:
    placed = footprints.Occupancy(margin=0.3)
    window = _linear(rng.uniform(0.12, 0.22, 3) * [0.9, 1.0, 1.1])
    for k, road in enumerate(street.roads):
        L = road.path.length
        for side in (-1, 1):
            s = road.sidewalk if k > 0 else -10.0
            while s < L + 10.0:
                frontage = rng.uniform(cfg.building_length_min, cfg.building_length_max)
                gap = rng.uniform(0.0, cfg.building_gap_max)
                depth = rng.uniform(cfg.building_depth_min, cfg.building_depth_max)
                height = rng.uniform(cfg.building_height_min, cfg.building_height_max)
                setback = rng.uniform(0.0, cfg.building_setback_max)
                at = s + frontage / 2
                s += frontage + gap
                if rng.random() < cfg.empty_lot_probability:
                    continue
                d = side * (road.half(side) + road.sidewalk + setback + depth / 2 + 0.05)
                (x, y), = road.path.point([at], d)
                yaw = float(road.path.heading([at])[0])
                box = np.array([[x, y, yaw, frontage, depth, 0.0, height]])
                if not placed.clear(box) or corridor(street, _outline(box)).any():
                    continue
                placed.add(box)
                floor = rng.uniform(2.9, 3.6)
                parts.building(x, y, yaw, frontage, depth, height, floor, rng.uniform(2.4, 3.8), wall(rng), window)
                if rng.random() < cfg.shop_front_probability:
                    _shop_front(rng, parts, x, y, yaw, side, frontage, depth, floor)


AWNINGS = _linear([(0.6, 0.12, 0.1), (0.15, 0.35, 0.2), (0.15, 0.2, 0.45), (0.85, 0.8, 0.65), (0.12, 0.12, 0.12),
                   (0.75, 0.45, 0.1)])
SHOP_GLASS = _linear((0.08, 0.09, 0.1))


def _shop_front(rng, parts: SceneryParts, x: float, y: float, yaw: float, side: int, frontage: float, depth: float,
                floor: float) -> None:
    """A ground-floor shop on the facade facing the road: a dark glass front (covering that
    floor's windows) under a coloured awning or sign band, above head height."""
    n = -side * np.array([-np.sin(yaw), np.cos(yaw)])  # out of the facade, towards the road
    width = frontage * rng.uniform(0.6, 0.9)
    glass = np.array([x, y]) + n * (depth / 2 + 0.04)
    parts.box(float(glass[0]), float(glass[1]), 0.25, yaw, width, 0.08, floor - 0.6, SHOP_GLASS)
    colour = AWNINGS[int(rng.integers(len(AWNINGS)))]
    reach = rng.uniform(0.15, 0.9)  # a flat sign band, or an awning out over the sidewalk
    band = np.array([x, y]) + n * (depth / 2 + reach / 2)
    parts.box(float(band[0]), float(band[1]), floor - 0.45, yaw, width + 0.2, reach, rng.uniform(0.25, 0.5), colour)


def _kerb_spots(rng, street: Street, spacing: tuple[float, float]):
    """(road, side, s) spots along every sidewalk piece, ``spacing`` metres apart."""
    for w in street.sidewalks:
        s = w.s0 + rng.uniform(1.5, spacing[0])
        while s < w.s1 - 1.5:
            yield w.road, w.side, s
            s += rng.uniform(*spacing)


@register("roadside")
def roadside(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    cfg = ctx.scene.roadside
    street = street_of(spec)
    context = driving_context(spec)
    static = context.static
    houses, furniture = SceneryParts(), SceneryParts()
    _buildings(rng, street, cfg, houses)
    lamps = []
    for k, side, s in _kerb_spots(rng, street, (cfg.lamp_spacing_min, cfg.lamp_spacing_max)):
        road = street.roads[k]
        (x, y), = road.path.point([s], side * (road.half(side) + KERB_LINE))
        inward = -side * np.array([-np.sin(road.path.heading([s])[0]), np.cos(road.path.heading([s])[0])])
        h = rng.uniform(6.5, 8.5)
        z = road.kerb
        furniture.cylinder(x, y, z, 0.09, h, POLE)
        tip = np.array([x, y]) + 1.8 * inward
        furniture.bar((x, y, z + h - 0.05), (tip[0], tip[1], z + h + 0.15), 0.05, POLE)
        furniture.box(tip[0], tip[1], z + h - 0.05, float(np.arctan2(inward[1], inward[0])), 0.6, 0.3, 0.18, POLE)
        static.append([x, y, 0.0, 0.3, 0.3, z, z + h + 0.3])
        context.lamps.append([float(tip[0]), float(tip[1]), float(z + h - 0.15)])  # lit at night
        static.append([(x + tip[0]) / 2, (y + tip[1]) / 2, float(np.arctan2(inward[1], inward[0])), 2.2, 0.4, z + h - 0.3, z + h + 0.3])
        lamps.append((x, y))
    for k, side, s in _kerb_spots(rng, street, (cfg.tree_spacing_min, cfg.tree_spacing_max)):
        road = street.roads[k]
        (x, y), = road.path.point([s], side * (road.half(side) + KERB_LINE))
        if rng.random() > cfg.tree_probability or any(np.hypot(x - a, y - b) < 3.0 for a, b in lamps):
            continue
        trunk, radius = rng.uniform(2.8, 4.0), rng.uniform(1.2, max(1.3, min(2.4, road.sidewalk / 2 + 0.4)))
        z = road.kerb
        green = _linear((rng.uniform(0.2, 0.35), rng.uniform(0.35, 0.5), rng.uniform(0.12, 0.22)))
        furniture.cylinder(x, y, z, rng.uniform(0.1, 0.18), trunk + 0.3 * radius, BARK)
        furniture.ball(x, y, z + trunk + 0.6 * radius, radius, green)
        static.append([x, y, 0.0, 0.4, 0.4, z, z + trunk])
        static.append([x, y, 0.0, 2 * radius, 2 * radius, z + trunk - 0.4 * radius, z + trunk + 1.6 * radius])
    add_scenery(spec, houses)
    add_scenery(spec, furniture)
    return spec
