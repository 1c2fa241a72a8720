"""Settled tabletop scenes: objects rest on the table, and the picture sits where pybullet says."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import HEIGHT, WIDTH
from omegaconf import OmegaConf

from simgen.config.paths import RECIPE_DIR
from simgen.physics.world import PhysicsWorld, pb
from simgen.randomizers import RecipeContext, build_scene
from simgen.recipes import load_recipe

SURFACE_TOL = 0.003  # metres


@pytest.fixture(scope="module")
def recipe():
    scene = OmegaConf.to_object(load_recipe(RECIPE_DIR / "tabletop.yaml"))
    scene.min_objects, scene.max_objects = 6, 8
    return scene


@pytest.fixture(scope="module")
def world():
    w = PhysicsWorld()
    yield w
    w.close()


@pytest.mark.parametrize("index", [0, 1, 2])
def test_settled_objects_rest_on_the_table(world, recipe, index):
    spec = build_scene(index, 11, RecipeContext(recipe, WIDTH, HEIGHT))
    state = world.simulate(spec, recipe.physics)
    assert state.resting
    top = recipe.table_height
    for body in state.objects():
        lowest = state.lowest_point(body.instance_id)
        assert lowest > top - SURFACE_TOL, f"{body.category} sank to {lowest:.4f} below the table top {top}"
        bid = world._ids[body.instance_id]
        contacts = pb.getContactPoints(bodyA=bid, physicsClientId=world.client)
        assert contacts, f"{body.category} touches nothing: it floats"
        # Supported from below: the contacts' lowest point is near the body's lowest point.
        assert min(c[5][2] for c in contacts) < lowest + 0.02


def test_rendered_silhouettes_sit_where_pybullet_draws_them(world, recipe, renderer):
    """pybullet's own renderer draws URDF bodies from their visual data; ours must agree.

    The duck's inertial frame is offset from its link frame, so a pose read without the
    inertial correction would be 2 cm off here.
    """
    recipe = OmegaConf.to_object(load_recipe(RECIPE_DIR / "tabletop.yaml"))
    recipe.assets = [a for a in recipe.assets if a.category in ("duck", "mug", "teddy")]
    recipe.min_objects = recipe.max_objects = 4
    recipe.camera.radius_min, recipe.camera.radius_max = 0.5, 0.6
    spec = build_scene(5, 3, RecipeContext(recipe, WIDTH, HEIGHT))
    state = world.simulate(spec, recipe.physics)
    renderer.load(state)
    checked = 0
    for cam in spec.cameras:
        ours = renderer.render(cam, ("ids",))["ids"]
        eye, target = cam.cam_to_world[:3, 3], cam.cam_to_world[:3, 3] + cam.cam_to_world[:3, 2]
        fov = np.rad2deg(2 * np.arctan(HEIGHT / 2 / cam.K[1, 1]))
        view = pb.computeViewMatrix(eye.tolist(), target.tolist(), (-cam.cam_to_world[:3, 1]).tolist())
        proj = pb.computeProjectionMatrixFOV(fov, WIDTH / HEIGHT, cam.znear, cam.zfar)
        _, _, _, _, seg = pb.getCameraImage(WIDTH, HEIGHT, view, proj, renderer=pb.ER_TINY_RENDERER, physicsClientId=world.client)
        seg = np.asarray(seg).reshape(HEIGHT, WIDTH)
        for body in state.objects():
            mine = ours == body.instance_id
            theirs = seg == world._ids[body.instance_id]
            if mine.sum() < 200 or theirs.sum() < 200:
                continue
            iou = (mine & theirs).sum() / (mine | theirs).sum()
            assert iou > 0.85, f"{body.category}: IoU {iou:.3f} with pybullet's own rendering"
            checked += 1
    assert checked >= 3


@pytest.fixture(scope="module")
def crowded():
    """The throughput benchmark's tabletop: 20 objects on the table."""
    scene = OmegaConf.to_object(load_recipe(RECIPE_DIR / "tabletop.yaml"))
    scene.min_objects = scene.max_objects = 20
    return scene


def _object_ids(world, state) -> list[int]:
    return [world._ids[b.instance_id] for b in state.objects()]


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_placed_at_rest_stays_put_and_nothing_interpenetrates(world, crowded, index):
    """After placement and the short settle, one more simulated second moves no object more
    than 5 mm (the poses really are at rest), and no two bodies overlap by more than 2 mm."""
    spec = build_scene(index, 7, RecipeContext(crowded, WIDTH, HEIGHT))
    state = world.simulate(spec, crowded.physics)
    assert state.resting and not state.removed
    before = {iid: world.link_pose(iid)[:3, 3] for iid in (b.instance_id for b in state.objects())}
    for _ in range(round(1.0 / crowded.physics.time_step)):
        pb.stepSimulation(physicsClientId=world.client)
    moved = {iid: float(np.linalg.norm(world.link_pose(iid)[:3, 3] - p)) for iid, p in before.items()}
    assert max(moved.values()) <= 0.005, f"moved {max(moved.values()) * 1000:.1f} mm after settling"
    for bid in _object_ids(world, state):
        for contact in pb.getContactPoints(bodyA=bid, physicsClientId=world.client):
            assert contact[8] >= -0.002, f"bodies {contact[1]} and {contact[2]} overlap by {-contact[8] * 1000:.1f} mm"


def test_resting_placement_settles_in_far_fewer_steps_than_dropping(world, crowded):
    rest, drop = [], []
    dropping = OmegaConf.to_object(OmegaConf.structured(crowded))
    dropping.placement = "drop"
    for index in range(3):
        rest.append(world.simulate(build_scene(index, 7, RecipeContext(crowded, WIDTH, HEIGHT)), crowded.physics).steps)
        drop.append(world.simulate(build_scene(index, 7, RecipeContext(dropping, WIDTH, HEIGHT)), dropping.physics).steps)
    assert sum(rest) * 3 <= sum(drop), f"rest {rest} vs drop {drop} steps"


def _cube_obj(path, half: float) -> str:
    import trimesh

    path.write_text(trimesh.exchange.obj.export_obj(trimesh.creation.box([2 * half] * 3), include_normals=False))
    return str(path)


def _shape_extent(client: int, obj: str) -> float:
    """Width along x (m) of a body made from the mesh file ``obj``, as pybullet loaded it."""
    shape = pb.createCollisionShape(pb.GEOM_MESH, fileName=obj, physicsClientId=client)
    body = pb.createMultiBody(baseMass=0, baseCollisionShapeIndex=shape, physicsClientId=client)
    lo, hi = pb.getAABB(body, physicsClientId=client)
    return hi[0] - lo[0]


def test_pybullets_mesh_file_cache_is_emptied_once_enough_assets_were_met(tmp_path, monkeypatch):
    """pybullet keeps every mesh file it parsed for the life of the process (a new hull file per
    generated body makes that grow without end): emptying it makes pybullet read the file again,
    and a world empties it at its reset once more than FILE_CACHE_ASSETS assets came in."""
    from simgen.config.schema import PhysicsConfig
    from simgen.physics import world as world_module

    client = pb.connect(pb.DIRECT)
    try:
        obj = _cube_obj(tmp_path / "cube.obj", 0.1)
        assert _shape_extent(client, obj) == pytest.approx(0.2, abs=0.02)
        _cube_obj(tmp_path / "cube.obj", 0.3)  # the same file name, another mesh
        assert _shape_extent(client, obj) == pytest.approx(0.2, abs=0.02)  # served from the cache
        world_module.empty_file_cache(client)
        assert _shape_extent(client, obj) == pytest.approx(0.6, abs=0.02)  # read afresh
    finally:
        pb.disconnect(client)
    emptied = []
    monkeypatch.setattr(world_module, "FILE_CACHE_ASSETS", 2)
    monkeypatch.setattr(world_module, "empty_file_cache", emptied.append)
    world = PhysicsWorld()
    try:
        for scene in range(4):
            world.reset(PhysicsConfig())
            world._files_met.update({("mesh", scene)})  # one asset met per scene
        assert len(emptied) == 1 and len(world._files_met) == 1  # emptied at the reset after the third
    finally:
        world.close()
