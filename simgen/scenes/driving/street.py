"""Randomizer ``street``: the road layout, painted, with kerbed sidewalks and the ground.

Two scenery bodies: the road (asphalt and markings tiling the road at z = 0, and the ground a
little lower), whose top is z = 0 so it can hide nothing standing on it; and the sidewalks.
"""

from __future__ import annotations

import numpy as np

from simgen.core.spec import SceneSpec
from simgen.randomizers import RecipeContext, register
from simgen.scenes.driving.bodies import add_scenery
from simgen.scenes.driving.context import Surfaces, driving_context
from simgen.scenes.driving.layout import GROUND_TOP, Road, Street, make_street
from simgen.scenes.driving.looks import _linear
from simgen.scenes.driving.scenarios.plan import road_for
from simgen.scenes.driving.scenery_meshes import SceneryParts

LINE = 0.15  # metres: width of lane lines
EDGE_INSET = 0.25  # metres between an edge line and the kerb where no parking strip is
DASH, DASH_GAP = 3.0, 6.0  # metres: lane dividers
STOP_LINE = 0.3  # metres deep
ZEBRA_STRIPE = 0.5  # metres


def _lines(road: Road) -> list[tuple[float, float, bool]]:
    """(offset, width, dashed) of every painted line across ``road``."""
    n, w = road.lanes, road.lane_width
    lines = [(0.0, LINE, n == 1)]
    for k in range(1, n):
        lines += [(k * w, LINE, True), (-k * w, LINE, True)]
    for side in (-1, 1):
        park = road.parking[0 if side < 0 else 1]
        lines.append((side * (n * w if park > 0 else n * w - EDGE_INSET), 0.12, False))
    return sorted(lines)


def _paint(parts: SceneryParts, road: Road, s0: float, s1: float, asphalt, paint, lines: bool = True) -> None:
    """Tile the road between s0 and s1: asphalt strips between lines (or one strip)."""
    lo, hi = -road.half(-1), road.half(1)
    edge = lo
    for d, width, dashed in (_lines(road) if lines else []):
        a, b = d - width / 2, d + width / 2
        parts.strip(road.path, s0, s1, edge, a, 0.0, asphalt)
        gap = DASH if (dashed and d == 0.0) else DASH_GAP
        if dashed:
            parts.dashes(road.path, s0, s1, a, b, 0.0, DASH, gap, paint, asphalt)
        else:
            parts.strip(road.path, s0, s1, a, b, 0.0, paint)
        edge = b
    parts.strip(road.path, s0, s1, edge, hi, 0.0, asphalt)


def _paint_side_road(parts: SceneryParts, road: Road, street: Street, asphalt, paint) -> None:
    """A side road: plain where it meets the main road, a zebra crossing in line with the main
    sidewalk, a stop line across the incoming half, then lanes."""
    lo, hi = -road.half(-1), road.half(1)
    z0, z1 = street.zebra
    stop = street.stop_line
    parts.strip(road.path, 0.0, z0, lo, hi, 0.0, asphalt)
    edges = np.arange(lo, hi + 1e-9, ZEBRA_STRIPE)
    edges[-1] = hi
    for k, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        parts.strip(road.path, z0, z1, a, b, 0.0, paint if k % 2 else asphalt)
    parts.strip(road.path, z1, stop, lo, hi, 0.0, asphalt)
    parts.strip(road.path, stop, stop + STOP_LINE, lo, 0.0, 0.0, asphalt)
    parts.strip(road.path, stop, stop + STOP_LINE, 0.0, hi, 0.0, paint)
    _paint(parts, road, stop + STOP_LINE, road.path.length, asphalt, paint)


@register("street")
def street(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """Lay out and build the roads and sidewalks; the layout and the two surfaces' bodies go
    to the scene's :class:`DrivingContext`."""
    scene = ctx.scene
    context = driving_context(spec)
    layout = context.street = make_street(rng, *road_for(spec, scene, ctx.balance))
    asphalt = _linear([rng.uniform(0.24, 0.33)] * 3) * (1.0 + rng.uniform(-0.03, 0.03, 3))
    paint = _linear([rng.uniform(0.8, 0.9)] * 3)
    paint = paint + rng.uniform(0.0, 0.45) * (asphalt - paint)  # worn markings: part asphalt again
    road_parts, walk_parts = SceneryParts(), SceneryParts()
    main = layout.main
    L = main.path.length
    if layout.junction_s is None:
        _paint(road_parts, main, 0.0, L, asphalt, paint)
    else:
        j0, j1 = layout.junction_s - layout.junction_half, layout.junction_s + layout.junction_half
        _paint(road_parts, main, 0.0, j0, asphalt, paint)
        _paint(road_parts, main, j0, j1, asphalt, paint, lines=False)
        _paint(road_parts, main, j1, L, asphalt, paint)
        for road in layout.roads[1:]:
            _paint_side_road(road_parts, road, layout, asphalt, paint)
    ground = _linear(rng.choice([(0.36, 0.42, 0.26), (0.45, 0.42, 0.35), (0.4, 0.4, 0.38)]))
    (cx, cy), = main.path.point([L / 2])
    road_parts.box(cx, cy, GROUND_TOP - 0.2, 0.0, 3 * L, 3 * L, 0.2, ground)
    top = _linear([rng.uniform(0.6, 0.72)] * 3)
    kerb = top * 1.25
    for w in layout.sidewalks:
        road = layout.roads[w.road]
        inner = road.half(w.side)
        d0, d1 = sorted((w.side * inner, w.side * (inner + road.sidewalk)))
        walk_parts.slab(road.path, w.s0, w.s1, d0, d1, GROUND_TOP, road.kerb, top, kerb)
    context.surfaces = Surfaces(road=add_scenery(spec, road_parts, support_top=0.0).instance_id,
                                sidewalk=add_scenery(spec, walk_parts, support_top=main.kerb).instance_id)
    return spec
