"""Tabletop randomizers: the room floor, a table, and objects on it (at rest, or held above it to
drop), with unlabeled distractors among them."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from simgen.assets.catalog import draw_asset
from simgen.assets.geometry import load_asset
from simgen.core.poses import pose_matrix
from simgen.core.seeding import weighted_index
from simgen.core.spec import BodySpec, SceneSpec
from simgen.randomizers import RecipeContext, register
from simgen.randomizers.balance import slot_pools
from simgen.randomizers.materials import background_look, check_looks
from simgen.randomizers.placement import Support
from simgen.randomizers.scenery import floor_slab, static_box

SLAB = 0.04  # table top thickness, metres
LEG = 0.05  # table leg side, metres


@register("room", appearance=True)
def room(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """A floor slab whose top face is z = 0 with a look of ``scene.background`` (picture,
    procedural or colour), and a muted backdrop colour beyond it. Only looks are drawn."""
    spec.background = tuple(float(c) for c in rng.uniform(0.05, 0.6) * (1.0 - rng.uniform(0.0, 0.3, size=3)))
    floor_slab(spec).material = background_look(rng, ctx.scene.background, ctx.scene.scenery_textures)
    return spec


@register("table")
def table(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """A table top of ``scene.table_size`` at ``scene.table_height`` on four legs.

    Objects that fall off it are removed after settling (``keep_above``).
    """
    sx, sy = ctx.scene.table_size
    top = ctx.scene.table_height
    static_box(spec, (sx, sy, SLAB), (0.0, 0.0, top - SLAB / 2), support_top=top)
    leg_h = top - SLAB
    for cx in (-1, 1):
        for cy in (-1, 1):
            centre = (cx * (sx / 2 - LEG), cy * (sy / 2 - LEG), leg_h / 2)
            static_box(spec, (LEG, LEG, leg_h), centre, support_top=top)
    spec.keep_above = top - 0.01
    return spec


WALL = 0.1  # metres thick


@register("walls")
def walls(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """With ``scene.walls.probability``, a room: four walls around the table, each
    ``distance_min``..``distance_max`` metres from its centre, ``height_min``..``height_max``
    high (scenery: textured by ``scene.scenery_textures``). Geometry, so drawn from the scene
    stream, and nothing is drawn at probability 0 (labels as without the randomizer)."""
    w = ctx.scene.walls
    if w.probability <= 0 or rng.random() >= w.probability:
        return spec
    d = rng.uniform(w.distance_min, w.distance_max, size=4)  # +x, -x, +y, -y
    h = float(rng.uniform(w.height_min, w.height_max))
    span_x, span_y = d[0] + d[1] + 2 * WALL, d[2] + d[3] + 2 * WALL
    cx, cy = (d[0] - d[1]) / 2, (d[2] - d[3]) / 2
    for size, centre in (((WALL, span_y, h), (d[0] + WALL / 2, cy, h / 2)), ((WALL, span_y, h), (-d[1] - WALL / 2, cy, h / 2)),
                         ((span_x, WALL, h), (cx, d[2] + WALL / 2, h / 2)), ((span_x, WALL, h), (cx, -d[3] - WALL / 2, h / 2))):
        static_box(spec, size, centre, support_top=None)
    return spec


def _pick_entry(rng: np.random.Generator, entries) -> object:
    return entries[weighted_index(rng, [e.weight for e in entries])]


@register("objects")
def objects(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """Between ``min_objects`` and ``max_objects`` objects on the table, none overlapping.

    ``scene.placement=rest`` (default) puts each object in one of its resting poses at contact
    height, footprints apart (:mod:`simgen.randomizers.placement`), so physics only confirms;
    an object that finds no free spot is dropped from above the others instead. ``drop`` holds
    every object above the table at a random orientation, bounding spheres (about the link
    origin) apart, for physics to drop and settle. Then ``distractors_min``..``distractors_max``
    unlabeled bodies (category None: never annotated, but they occlude and collide) from
    ``scene.distractors``, placed the same way.
    """
    s = ctx.scene
    n = int(rng.integers(s.min_objects, s.max_objects + 1))
    half = np.array(s.table_size, float) * s.spawn_fraction / 2
    support = Support(z=s.table_height, half=half)
    placed: list[tuple[np.ndarray, float]] = []
    for pool in slot_pools(rng, spec, ctx, s.assets, n):  # balance.classes: the plan's class per object
        entry = _pick_entry(rng, pool)
        asset = draw_asset(rng, entry.source, entry.size_min, entry.size_max, entry.scale)
        loaded = load_asset(asset)
        pose = support.place(rng, loaded) if s.placement == "rest" else None
        if pose is None:
            pose = _drop_pose(rng, loaded, s, half, placed, floor=support.top)
        spec.bodies.append(BodySpec(instance_id=spec.next_instance_id(), asset=asset, pose=pose, category=entry.category))
    if s.distractors_max > 0 and s.distractors:  # nothing drawn without distractors: labels as before
        for _ in range(int(rng.integers(s.distractors_min, s.distractors_max + 1))):
            entry = _pick_entry(rng, s.distractors)
            asset = draw_asset(rng, entry.source, entry.size_min, entry.size_max, entry.scale)
            loaded = load_asset(asset)
            pose = support.place(rng, loaded) if s.placement == "rest" else None
            if pose is None:
                pose = _drop_pose(rng, loaded, s, half, placed, floor=support.top)
            spec.bodies.append(BodySpec(instance_id=spec.next_instance_id(), asset=asset, pose=pose, category=None))
    return spec


def _drop_pose(rng: np.random.Generator, asset, s, half: np.ndarray, placed: list[tuple[np.ndarray, float]],
               floor: float) -> np.ndarray:
    """A random orientation whose bounding sphere starts above ``floor`` (the table, or the
    top of the objects resting on it) and clears every earlier drop."""
    radius = float(np.linalg.norm(asset.vertices, axis=1).max())
    rotation = Rotation.random(random_state=rng).as_matrix()
    centre = None
    for _attempt in range(30):
        xy = rng.uniform(-half, half)
        z = floor + radius + rng.uniform(s.drop_height_min, s.drop_height_max)
        c = np.array([xy[0], xy[1], z])
        if all(np.linalg.norm(c - q) > radius + r for q, r in placed):
            centre = c
            break
    if centre is None:  # crowded: stack above everything placed so far
        top = max((q[2] + r for q, r in placed), default=floor)
        xy = rng.uniform(-half, half)
        centre = np.array([xy[0], xy[1], top + radius + 0.01])
    placed.append((centre, radius))
    return pose_matrix(centre, rotation)


def check_recipe(scene) -> None:
    """Values of a tabletop recipe that types and ranges cannot catch (one-line ConfigError)."""
    from simgen.assets.catalog import check_source
    from simgen.core.errors import ConfigError, SimgenError

    if scene.distractors_max > 0 and not scene.distractors:
        raise ConfigError(f"scene.distractors_max={scene.distractors_max}: scene.distractors lists no source to draw them from")
    for k, entry in enumerate(scene.distractors):
        try:
            check_source(entry.source)
        except SimgenError as exc:
            raise ConfigError(f"scene.distractors[{k}].source: {exc}") from None
    w = scene.walls
    if w.probability > 0 and w.distance_min <= scene.camera.radius_max:
        raise ConfigError(f"scene.walls.distance_min={w.distance_min}: must exceed scene.camera.radius_max "
                          f"({scene.camera.radius_max} m), so cameras stand inside the room")
    check_looks(scene)
