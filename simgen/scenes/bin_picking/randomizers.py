"""Bin picking (``scene=bin_picking``): a bin on the floor, objects dropped into it in random
order to form an occluded pile with unlabeled distractors among them, random looks, and
cameras overhead or around the bin, optionally as stereo pairs.

The recipe schema is :class:`simgen.scenes.bin_picking.schema.BinPickingSceneConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from simgen.assets.catalog import check_source, draw_asset, pybullet_data_dir
from simgen.assets.geometry import load_asset
from simgen.core.camera import look_at
from simgen.core.errors import ConfigError, SimgenError, require
from simgen.core.poses import pose_matrix
from simgen.core.seeding import weighted_index
from simgen.core.spec import AssetRef, BodySpec, SceneSpec
from simgen.randomizers import RecipeContext, register
from simgen.randomizers.balance import slot_pools
from simgen.randomizers.cameras import shell_pose, view
from simgen.randomizers.materials import background_look, check_looks, colour, materials
from simgen.randomizers.scenery import floor_slab, static_box

TRAY = "tray/traybox.urdf"
TRAY_FLOOR_TOP = 0.015  # the tray's collision floor is a 2 cm slab centred 5 mm up
TRAY_SPAWN_HALF = 0.2  # metres: objects start over the tray's flat bottom
BIN_KINDS = ("procedural", "tray")
SPAWN_CANDIDATES = 12  # random spots tried per dropped object; the lowest is taken


@dataclass(frozen=True)
class Interior:
    """Where objects start: over ``half`` (2,) metres either side of the bin centre (x, y),
    above the bin floor's top face at z = ``floor``."""

    half: np.ndarray
    floor: float


def interior(cfg) -> Interior:
    """The spawn area of a :class:`~simgen.config.schema.BinConfig` (a pure function of it)."""
    if cfg.kind == "tray":
        return Interior(half=np.array([TRAY_SPAWN_HALF, TRAY_SPAWN_HALF]), floor=TRAY_FLOOR_TOP)
    return Interior(half=np.asarray(cfg.inner_size, float) / 2, floor=float(cfg.floor_thickness))


@register("bin_room", appearance=True)
def bin_room(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """The floor (top face z = 0) with a look of ``scene.background`` (picture, procedural or
    colour), and a random colour where nothing is hit. Only looks are drawn."""
    spec.background = colour(rng, (0.0, 0.5), (0.05, 0.7))
    floor_slab(spec).material = background_look(rng, ctx.scene.background, ctx.scene.scenery_textures)
    return spec


@register("bin")
def bin_(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """The bin on the floor, centred at the origin: a floor slab and four walls (procedural),
    or pybullet's tray. Objects that end up outside it are removed after settling."""
    cfg = ctx.scene.bin
    inside = interior(cfg)
    if cfg.kind == "tray":
        path = str(pybullet_data_dir() / TRAY)
        spec.bodies.append(BodySpec(instance_id=spec.next_instance_id(), asset=AssetRef(kind="urdf", path=path),
                                    pose=np.eye(4), static=True))
    else:
        (hx, hy), t, h, f = inside.half, cfg.wall_thickness, cfg.wall_height, cfg.floor_thickness
        static_box(spec, (2 * hx + 2 * t, 2 * hy + 2 * t, f), (0.0, 0.0, f / 2), support_top=f)
        for sx in (-1, 1):  # walls can hide what is in the bin: no support_top
            static_box(spec, (t, 2 * hy + 2 * t, h), (sx * (hx + t / 2), 0.0, h / 2), support_top=None)
        for sy in (-1, 1):
            static_box(spec, (2 * hx, t, h), (0.0, sy * (hy + t / 2), h / 2), support_top=None)
    spec.keep_above = inside.floor - 0.01
    return spec


def _drop_height(lo_xy: np.ndarray, hi_xy: np.ndarray, floor: float, placed: list[tuple[np.ndarray, np.ndarray]], gap: float) -> float:
    """Lowest bottom height for a box spanning ``lo_xy``..``hi_xy`` in plan: ``gap`` above the
    floor and above the top of every placed box (lo (3,), hi (3,)) it overlaps in plan."""
    z = floor + gap
    for lo, hi in placed:
        if lo_xy[0] < hi[0] and lo[0] < hi_xy[0] and lo_xy[1] < hi[1] and lo[1] < hi_xy[1]:
            z = max(z, float(hi[2]) + gap)
    return z


def _pick(rng: np.random.Generator, entries):
    return entries[weighted_index(rng, [e.weight for e in entries])]


@register("pile")
def pile(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """Between ``min_objects`` and ``max_objects`` bodies, ``distractor_fraction`` of them
    unlabeled distractors, in a random drop order: each starts over the central
    ``spawn_fraction`` of the bin, in a random orientation, its box just clear of the boxes
    of everything dropped before it, at the lowest of a few random spots, so they fall a
    short way into a pile."""
    s = ctx.scene
    inside = interior(s.bin)
    n = int(rng.integers(s.min_objects, s.max_objects + 1))
    n_distractors = int(round(s.distractor_fraction * n)) if s.distractors else 0
    order = rng.permutation(np.arange(n) < n_distractors)
    placed: list[tuple[np.ndarray, np.ndarray]] = []
    pools = iter(slot_pools(rng, spec, ctx, s.assets, n - int(order.sum())))  # balance.classes
    for is_distractor in order:
        entry = _pick(rng, s.distractors if is_distractor else next(pools))
        asset = draw_asset(rng, entry.source, entry.size_min, entry.size_max, entry.scale, entry.collision)
        rotation = Rotation.random(random_state=rng).as_matrix()
        turned = load_asset(asset).vertices @ rotation.T
        lo, hi = turned.min(axis=0), turned.max(axis=0)  # world box of the turned mesh
        half = (hi - lo) / 2
        room = np.maximum(inside.half * s.spawn_fraction - half[:2], 0.0)
        spots = rng.uniform(-room, room, size=(SPAWN_CANDIDATES, 2))
        bottoms = [_drop_height(xy - half[:2], xy + half[:2], inside.floor, placed, s.drop_gap) for xy in spots]
        k = int(np.argmin(bottoms))  # the lowest free spot of a few: a dense start, short falls
        box_lo = np.array([*(spots[k] - half[:2]), bottoms[k]])
        placed.append((box_lo, box_lo + 2 * half))
        spec.bodies.append(BodySpec(
            instance_id=spec.next_instance_id(), asset=asset, pose=pose_matrix(box_lo - lo, rotation),
            category=None if is_distractor else entry.category, mass=entry.mass, friction=entry.friction,
        ))
    return spec


@register("bin_materials", appearance=True)
def bin_materials(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """Looks for every body still without a material, as ``materials`` gives them: parts and
    distractors one of ``scene.textures``, the bin one of ``scene.scenery_textures``."""
    return materials(rng, spec, ctx)


def _overhead(rng: np.random.Generator, c, floor: float) -> np.ndarray:
    """Looking down on the bin from ``overhead_height`` above its floor, eye and target jittered,
    tilted at most ``overhead_tilt_max_deg``, rolled at random about the optical axis."""
    h = rng.uniform(c.overhead_height_min, c.overhead_height_max)
    eye = np.array([*rng.uniform(-c.overhead_jitter, c.overhead_jitter, 2), floor + h])
    tilt = np.tan(np.deg2rad(rng.uniform(0.0, c.overhead_tilt_max_deg))) * h
    heading = rng.uniform(0, 2 * np.pi)
    target = np.array([eye[0] + tilt * np.cos(heading), eye[1] + tilt * np.sin(heading), floor])
    pose = look_at(eye, target)
    pose[:3, :3] = pose[:3, :3] @ Rotation.from_euler("z", rng.uniform(0, 2 * np.pi)).as_matrix()
    return pose


@register("bin_cameras")
def bin_cameras(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """``views_per_scene`` views: each overhead with probability ``overhead_fraction``, else on
    the shell. With ``stereo_baseline`` > 0 views come in pairs (left, then right: the left
    camera moved by the baseline along its x axis), so images 2k and 2k + 1 are a pair."""
    c = ctx.scene.camera
    floor = interior(ctx.scene.bin).floor
    stereo = c.stereo_baseline > 0
    for _ in range(ctx.scene.views_per_scene // 2 if stereo else ctx.scene.views_per_scene):
        if rng.random() < c.overhead_fraction:
            pose = _overhead(rng, c, floor)
        else:
            pose = shell_pose(rng, c, np.array([0.0, 0.0, floor]))
        fov = rng.uniform(c.fov_y_min_deg, c.fov_y_max_deg)
        spec.cameras.append(view(ctx, c, fov, pose))
        if stereo:
            right = pose.copy()
            right[:3, 3] += c.stereo_baseline * pose[:3, 0]
            spec.cameras.append(view(ctx, c, fov, right))
    return spec


def check_recipe(scene) -> None:
    """Values of a bin_picking recipe that types alone cannot catch (one-line ConfigError)."""
    require(scene.bin.kind in BIN_KINDS, "scene.bin.kind", scene.bin.kind, f"allowed: {', '.join(BIN_KINDS)}")
    require(all(x > 0 for x in scene.bin.inner_size) and len(scene.bin.inner_size) == 2, "scene.bin.inner_size",
             list(scene.bin.inner_size), "must be two sizes > 0 (metres)")
    require(0.0 <= scene.distractor_fraction <= 1.0, "scene.distractor_fraction", scene.distractor_fraction, "must lie in [0, 1]")
    for k, entry in enumerate(scene.distractors):
        require(entry.weight > 0, f"scene.distractors[{k}].weight", entry.weight, "must be > 0")
        try:
            check_source(entry.source)
        except SimgenError as exc:
            raise ConfigError(f"scene.distractors[{k}].source: {exc}") from None
    c = scene.camera
    require(c.stereo_baseline >= 0, "scene.camera.stereo_baseline", c.stereo_baseline, "must be >= 0 metres")
    if c.stereo_baseline > 0:
        require(scene.views_per_scene % 2 == 0, "scene.views_per_scene", scene.views_per_scene,
                 "must be even with scene.camera.stereo_baseline > 0 (views come in left/right pairs)")
    require(0.0 <= c.overhead_fraction <= 1.0, "scene.camera.overhead_fraction", c.overhead_fraction, "must lie in [0, 1]")
    check_looks(scene)
