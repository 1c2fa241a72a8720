"""Inspection randomizers: the stage (a conveyor belt or a fixture), the product at rest on it
with a pose jitter, the station's camera, the product's defects (built facing the camera's
side), their looks and the station's lights.

Geometry (stage, product, camera, defects) draws from the scene's stream; looks and lights
from its looks stream, so switching a look never moves a defect.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from simgen.core.camera import look_at, opencv_to_opengl_pose
from simgen.core.kelvin import kelvin_to_rgb
from simgen.core.poses import pose_matrix
from simgen.core.seeding import job_rng, weighted_index
from simgen.core.spec import AssetRef, BodySpec, LightSpec, Material, SceneSpec, Texture
from simgen.randomizers import RecipeContext, register
from simgen.randomizers.cameras import view
from simgen.randomizers.scenery import static_box
from simgen.scenes.inspection.build import Inspected, built
from simgen.scenes.inspection.context import InspectionContext, PlacedDefect
from simgen.scenes.inspection.defects import Defect
from simgen.scenes.inspection.plan import is_defective, product_and_defects
from simgen.scenes.inspection.products import make_product
from simgen.scenes.inspection.schema import LIGHTINGS, STAGES

SEED_MAX = 2**31  # build seeds stay exact in the float parameters of an AssetRef
BELT = (0.7, 0.26, 0.02)  # conveyor belt: length, width, thickness (m); its top at z = 0
RAIL = (0.7, 0.012, 0.04)
PLATE = (0.24, 0.24, 0.015)  # fixture plate; its top at z = 0
PIN_RADIUS, PIN_HEIGHT, PIN_OFFSET = 0.004, 0.012, 0.1


def _choice(rng: np.random.Generator, weights: dict[str, float], names) -> str:
    names = [n for n in names if weights.get(n, 0.0) > 0]
    return names[weighted_index(rng, [weights[n] for n in names])]


def _context(spec: SceneSpec) -> InspectionContext:
    if not isinstance(spec.context, InspectionContext):
        raise ValueError("inspection randomizers need inspection_stage first in scene.randomizers")
    return spec.context


@register("inspection_stage")
def inspection_stage(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """A conveyor belt between two side rails, or a fixture plate with four locating pins;
    either way its top face is z = 0 (scenery: unlabeled, it occludes)."""
    stage = _choice(rng, ctx.scene.stages, STAGES)
    spec.context = InspectionContext(stage=stage)
    if stage == "conveyor":
        static_box(spec, BELT, (0.0, 0.0, -BELT[2] / 2), support_top=0.0)
        for side in (-1, 1):
            static_box(spec, RAIL, (0.0, side * (BELT[1] / 2 + RAIL[1] / 2), RAIL[2] / 2 - BELT[2]), support_top=None)
    else:
        static_box(spec, PLATE, (0.0, 0.0, -PLATE[2] / 2), support_top=0.0)
        for angle in np.arange(4) * np.pi / 2 + np.pi / 4:
            centre = (PIN_OFFSET * np.cos(angle), PIN_OFFSET * np.sin(angle), PIN_HEIGHT / 2)
            spec.bodies.append(BodySpec(
                instance_id=spec.next_instance_id(), static=True, pose=pose_matrix(centre),
                asset=AssetRef(kind="primitive", shape="cylinder", size=(PIN_RADIUS, PIN_HEIGHT))))
    return spec


@register("inspection_product")
def inspection_product(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """The product: defective or not by the job's plan (``scene.defect_rate``), its kind and
    defect kinds (:func:`~simgen.scenes.inspection.plan.product_and_defects`), its build seed,
    and its pose at rest on the stage, moved by up to ``pose_jitter`` and turned about z by up
    to ``yaw_jitter_deg``. Its defects are built once the camera is known."""
    s, c = ctx.scene, _context(spec)
    c.defective = is_defective(spec.seed, spec.index, s.defect_rate)
    c.product, c.planned = product_and_defects(rng, ctx, spec.index, spec.seed, c.defective)
    c.seed = int(rng.integers(SEED_MAX))
    mesh = make_product(c.product, c.seed).mesh
    lo, hi = mesh.bounds
    c.radius = float(np.linalg.norm(hi - lo) / 2)
    xy = rng.uniform(-s.pose_jitter, s.pose_jitter, size=2)
    yaw = np.deg2rad(rng.uniform(-s.yaw_jitter_deg, s.yaw_jitter_deg))
    pose = pose_matrix((xy[0], xy[1], c.top), Rotation.from_euler("z", yaw).as_matrix())
    c.product_id = spec.next_instance_id()
    spec.bodies.append(BodySpec(instance_id=c.product_id, category=c.product, static=True, pose=pose,
                                asset=AssetRef(kind="procedural", shape="inspection_product",
                                               size=Inspected(c.product, c.seed).params())))
    return spec


def _product(spec: SceneSpec, c: InspectionContext) -> BodySpec:
    return next(b for b in spec.bodies if b.instance_id == c.product_id)


@register("inspection_camera")
def inspection_camera(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """``views_per_scene`` views of the product: straight above (rolled at random) or at an
    angle from any side, at the distance where its bounding sphere fills ``fill_min``..
    ``fill_max`` of the image height, aim jittered. With ``camera.fixed`` the direction, field
    of view, fill and roll come from the job's stream (one station camera) and the distance
    follows the product's size."""
    s, c = ctx.scene, _context(spec)
    cam = s.camera
    product = _product(spec, c)
    centre = product.pose[:3, 3] + [0.0, 0.0, c.radius * 0.5]
    for v in range(s.views_per_scene):
        draw = job_rng(spec.seed, v) if cam.fixed else rng
        fov = draw.uniform(cam.fov_y_min_deg, cam.fov_y_max_deg)
        fill = draw.uniform(cam.fill_min, cam.fill_max)
        overhead = draw.random() < cam.overhead_fraction
        tilt = 0.0 if overhead else np.deg2rad(draw.uniform(cam.angle_min_deg, cam.angle_max_deg))
        azimuth = draw.uniform(0, 2 * np.pi)
        roll = np.deg2rad(draw.uniform(-cam.roll_max_deg, cam.roll_max_deg))
        distance = c.radius / np.sin(np.deg2rad(fov * fill) / 2)
        direction = np.array([np.sin(tilt) * np.cos(azimuth), np.sin(tilt) * np.sin(azimuth), np.cos(tilt)])
        target = (np.zeros(3) + [0.0, 0.0, centre[2]]) if cam.fixed else centre
        jitter = np.deg2rad(cam.jitter_deg) * distance
        target = target + rng.uniform(-jitter, jitter, size=3) * [1.0, 1.0, 0.0]
        pose = look_at(target + distance * direction, target)
        if overhead:
            pose[:3, :3] = pose[:3, :3] @ Rotation.from_euler("z", roll).as_matrix()
        spec.cameras.append(view(ctx, cam, float(fov), pose))
    return spec


@register("inspection_defects")
def inspection_defects(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """The planned defects, each of a severity in ``severity_min``..``severity_max`` and a seed
    of its shape, on the side of the product facing the first camera (``facing_camera`` of
    them; the others on a side drawn at random), built into the product
    (:func:`simgen.scenes.inspection.build.built`): the product body gets the defected mesh,
    and each defect that found a surface becomes a body of its own, category its kind, at the
    product's pose (a part of it: :meth:`InspectionContext.parts`)."""
    s, c = ctx.scene, _context(spec)
    if not c.planned:
        return spec
    product = _product(spec, c)
    eye = spec.cameras[0].cam_to_world[:3, 3] if spec.cameras else product.pose[:3, 3] + [0, 0, 1.0]
    aim = product.pose[:3, :3].T @ (eye - product.pose[:3, 3] - [0.0, 0.0, c.radius * 0.5])
    aim = aim / np.linalg.norm(aim)
    items = []
    for kind in c.planned:
        severity, seed = float(rng.uniform(s.severity_min, s.severity_max)), int(rng.integers(SEED_MAX))
        side = rng.normal(size=3)
        side = aim if rng.random() < s.facing_camera else side / np.linalg.norm(side)
        items.append(Defect(kind, severity, seed, tuple(float(v) for v in side)))
    items = tuple(items)
    params = Inspected(c.product, c.seed, items).params()
    meshes = built(params)
    product.asset = AssetRef(kind="procedural", shape="inspection_product", size=params)
    for k, (d, mesh) in enumerate(zip(items, meshes.defects, strict=True)):
        if mesh is None:
            continue
        iid = spec.next_instance_id()
        spec.bodies.append(BodySpec(instance_id=iid, category=d.kind, static=True, pose=product.pose.copy(),
                                    asset=AssetRef(kind="procedural", shape="inspection_defect", size=(float(k), *params))))
        c.defects.append(PlacedDefect(instance_id=iid, kind=d.kind, severity=round(d.severity, 6)))
    return spec


# Product finishes: (Material.kind, metallic range, roughness range). Face colours carry the
# products' colours and prints; the path tracer keeps face colours only on the principled kind
# (its metal and plastic kinds take one colour), so printed products are principled and the
# bare bracket is metal (a rough conductor there: reflections show its dents).
FINISHES = {"bottle": ("principled", (0.0, 0.0), (0.05, 0.2)), "can": ("principled", (0.6, 0.85), (0.2, 0.35)),
            "bracket": ("metal", (0.85, 1.0), (0.25, 0.5)), "board": ("principled", (0.0, 0.1), (0.35, 0.6)),
            "blister": ("principled", (0.0, 0.0), (0.08, 0.25))}
DECAL_FINISH = {"scratch": (0.3, 0.35), "crack": (0.0, 0.9), "stain": (0.0, 0.25), "missing": (0.9, 0.3)}


@register("inspection_looks", appearance=True)
def inspection_looks(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """The lighting kind (``scene.lighting`` weights, used by ``inspection_lights``), and the
    materials: the product's finish by its kind (:data:`FINISHES`: a glossy bottle, a painted
    metal can, a bare metal bracket, a board), dents, chips, misprints and moved parts as the product's finish, decals
    their own, a rubber belt or a metal plate (a white panel under a backlight)."""
    c = _context(spec)
    c.lighting = _choice(rng, ctx.scene.lighting, LIGHTINGS)
    kind, metallic, rough = FINISHES[c.product]
    grey = float(rng.uniform(0.8, 0.95)) if kind == "metal" else 1.0  # a conductor reflects less than all
    finish = Material(base_color=(grey, grey, grey, 1.0), metallic=float(rng.uniform(*metallic)),
                      roughness=float(rng.uniform(*rough)), kind=kind)
    defect_kind = {d.instance_id: d.kind for d in c.defects}
    for body in spec.bodies:
        if body.instance_id == c.product_id:
            body.material = finish
        elif body.instance_id in defect_kind:
            k = defect_kind[body.instance_id]
            if k in DECAL_FINISH and not (k == "missing" and c.product == "blister"):  # an empty pocket: the pack's
                m, r = DECAL_FINISH[k]
                body.material = Material(base_color=(1.0, 1.0, 1.0, 1.0), metallic=m, roughness=r)
            else:
                body.material = finish
        elif c.lighting == "backlight" and body.support_top is not None:
            body.material = Material(base_color=(1.0, 1.0, 1.0, 1.0), metallic=0.0, roughness=1.0)
        elif c.stage == "conveyor":
            grey = float(rng.uniform(0.05, 0.2))
            body.material = Material(base_color=(1.0, 1.0, 1.0, 1.0), metallic=0.0, roughness=0.9,
                                     texture=Texture(kind="noise", colors=((grey,) * 3, (grey * 1.5,) * 3),
                                                     tile=0.03, seed=int(rng.integers(32))))
        else:
            grey = float(rng.uniform(0.35, 0.6))
            body.material = Material(base_color=(grey, grey, grey * 1.02, 1.0), metallic=0.8,
                                     roughness=float(rng.uniform(0.3, 0.6)), kind="metal")
    spec.background = tuple(float(v) for v in rng.uniform(0.02, 0.12) * np.ones(3))
    return spec


def _point(position: np.ndarray, target: np.ndarray, lux: float, kelvin: float, spot: float = 0.0) -> LightSpec:
    """A point (or, with ``spot`` > 0 its outer half-angle in radians, a spot) light at
    ``position`` giving ``lux`` at ``target``."""
    d2 = float(np.sum((target - position) ** 2))
    pose = opencv_to_opengl_pose(look_at(position, target))
    if spot > 0:
        return LightSpec(kind="spot", color=kelvin_to_rgb(kelvin), intensity=lux * d2, pose=pose,
                         inner_cone=0.7 * spot, outer_cone=spot)
    return LightSpec(kind="point", color=kelvin_to_rgb(kelvin), intensity=lux * d2, pose=pose)


@register("inspection_lights", appearance=True)
def inspection_lights(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """Industrial lighting of the kind ``inspection_looks`` drew: a ``ring`` light of eight
    lamps around the first camera's axis; two or four ``bar`` lights of four lamps each at a
    low angle; a diffuse ``dome`` (twelve soft lights over the hemisphere and a strong
    ambient); a ``backlight`` (a bright panel under the product, lit hard from 50 degrees up,
    the product dimmer in front; the raster has no emitting surfaces). Daylight-white, 5000..6500 K."""
    c = _context(spec)
    product = _product(spec, c)
    centre = product.pose[:3, 3] + [0.0, 0.0, c.radius * 0.5]
    kelvin = float(rng.uniform(5000, 6500))
    level = float(rng.uniform(0.8, 1.3))
    ambient = 0.08
    if c.lighting == "ring":
        cam = spec.cameras[0].cam_to_world
        eye, x, y = cam[:3, 3], cam[:3, 0], cam[:3, 1]
        ring = 0.25 * np.linalg.norm(eye - centre)
        for a in np.arange(8) * np.pi / 4:
            spec.lights.append(_point(eye + ring * (np.cos(a) * x + np.sin(a) * y), centre, 2.2 * level / 8, kelvin))
    elif c.lighting == "bar":
        bars = int(rng.choice([2, 4]))
        height = float(rng.uniform(0.15, 0.35))
        for b in range(bars):
            a = rng.uniform(-0.2, 0.2) + b * 2 * np.pi / bars
            side = np.array([np.cos(a), np.sin(a), 0.0])
            along = np.array([-np.sin(a), np.cos(a), 0.0])
            for t in np.linspace(-0.08, 0.08, 4):
                spec.lights.append(_point(centre + 0.3 * side + t * along + [0, 0, height], centre,
                                          2.4 * level / (4 * bars), kelvin, spot=0.6))
    elif c.lighting == "dome":
        ambient = 0.45
        for k in range(12):
            a, el = k * 2 * np.pi / 12 + rng.uniform(0, 0.3), np.deg2rad(35 + 40 * (k % 2))
            up = np.array([np.cos(el) * np.cos(a), np.cos(el) * np.sin(a), np.sin(el)])
            spec.lights.append(_point(centre + 0.5 * up, centre, 1.1 * level / 12, kelvin))
    else:  # backlight: the panel lit from 50 degrees up, off the axis of an overhead camera's mirror
        a = rng.uniform(0, 2 * np.pi)
        sun = np.array([np.cos(a), np.sin(a), np.tan(np.deg2rad(50.0))])
        spec.lights.append(LightSpec(kind="directional", color=kelvin_to_rgb(kelvin), intensity=1.4 * level,
                                     pose=opencv_to_opengl_pose(look_at(centre + 3.0 * sun, centre))))
        ambient = 0.03
    spec.ambient = tuple(ambient * v for v in kelvin_to_rgb(kelvin))
    spec.ambient_ground = tuple(0.5 * ambient * v for v in kelvin_to_rgb(kelvin))
    return spec
