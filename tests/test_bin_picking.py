"""scene=bin_picking: the bin, the pile, distractors, looks and cameras."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from simgen.assets.geometry import load_asset
from simgen.config.paths import RECIPE_DIR
from simgen.core.errors import ConfigError
from simgen.job import check_scene
from simgen.physics.world import PhysicsWorld
from simgen.randomizers import RecipeContext, build_scene
from simgen.recipes import load_recipe
from simgen.render.textures import box_projected, procedural_image
from simgen.scenes.bin_picking.randomizers import interior


def recipe(**overrides):
    scene = OmegaConf.to_object(load_recipe(RECIPE_DIR / "bin_picking.yaml"))
    for key, value in overrides.items():
        target = scene
        *path, last = key.split(".")
        for part in path:
            target = getattr(target, part)
        setattr(target, last, value)
    return scene


def spec_of(scene, index=0, seed=0, width=320, height=240):
    return build_scene(index, seed, RecipeContext(scene=scene, width=width, height=height))


def _boxes(spec):
    """World boxes (lo, hi) of the dropped bodies at their start poses."""
    out = []
    for b in spec.bodies:
        if not b.static:
            v = load_asset(b.asset).vertices @ b.pose[:3, :3].T + b.pose[:3, 3]
            out.append((v.min(axis=0), v.max(axis=0)))
    return out


def test_recipe_is_valid_and_deterministic():
    scene = recipe()
    check_scene(scene)
    a, b = spec_of(scene, 3), spec_of(scene, 3)
    assert a.to_dict() == b.to_dict()
    assert spec_of(scene, 4).to_dict() != a.to_dict()


def test_pile_starts_inside_the_bin_without_overlap_and_with_its_share_of_distractors():
    scene = recipe(min_objects=20, max_objects=20, distractor_fraction=0.25)
    spec = spec_of(scene, 1)
    dynamic = [b for b in spec.bodies if not b.static]
    assert len(dynamic) == 20
    assert sum(b.category is None for b in dynamic) == 5  # distractors: unlabeled
    assert {b.category for b in dynamic if b.category} <= {e.category for e in scene.assets}
    inside = interior(scene.bin)
    boxes = _boxes(spec)
    for lo, hi in boxes:
        assert np.all(np.abs(lo[:2]) <= inside.half + 1e-9) and np.all(np.abs(hi[:2]) <= inside.half + 1e-9)
        assert lo[2] >= inside.floor
    for i, (lo1, hi1) in enumerate(boxes):  # start boxes are disjoint: nothing starts interpenetrating
        for lo2, hi2 in boxes[i + 1:]:
            assert np.any(hi1 <= lo2 + 1e-9) or np.any(hi2 <= lo1 + 1e-9)
    # dropped in random order: distractors are not all first or all last
    flags = [b.category is None for b in dynamic]
    assert flags != sorted(flags) and flags != sorted(flags, reverse=True)


def settle(scene, index=0):
    world = PhysicsWorld()
    try:
        return world.simulate(spec_of(scene, index), scene.physics)
    finally:
        world.close()


def test_pile_settles_inside_the_bin():
    scene = recipe(min_objects=20, max_objects=20)
    state = settle(scene)
    inside = interior(scene.bin)
    kept = state.objects()
    assert len(kept) >= 12  # labeled objects that bounced out of the bin are removed
    for body in kept:
        v = state.assets[body.instance_id].vertices @ state.poses[body.instance_id][:3, :3].T + state.poses[body.instance_id][:3, 3]
        assert v[:, 2].min() > inside.floor - 0.005  # on the bin floor or on other objects, not below
        assert np.all(np.abs(v[:, :2]).min(axis=0) < inside.half + scene.bin.wall_thickness)
    # a pile: some object rests on others (its lowest point well above the bin floor)
    assert max(state.lowest_point(b.instance_id) for b in kept) > inside.floor + 0.01


def test_stereo_pairs_share_intrinsics_and_are_a_baseline_apart():
    scene = recipe(views_per_scene=4)
    scene.camera.stereo_baseline = 0.06
    cams = spec_of(scene, 2).cameras
    assert len(cams) == 4
    for left, right in (cams[0:2], cams[2:4]):
        np.testing.assert_array_equal(left.K, right.K)
        np.testing.assert_allclose(left.cam_to_world[:3, :3], right.cam_to_world[:3, :3])
        offset = right.cam_to_world[:3, 3] - left.cam_to_world[:3, 3]
        np.testing.assert_allclose(offset, 0.06 * left.cam_to_world[:3, 0], atol=1e-12)  # along left's x (right)


def test_overhead_cameras_look_down_within_the_tilt_and_shell_cameras_look_at_the_bin():
    scene = recipe(views_per_scene=8)
    scene.camera.overhead_fraction = 1.0
    for cam in spec_of(scene, 5).cameras:
        optical = cam.cam_to_world[:3, 2]
        assert np.rad2deg(np.arccos(-optical[2])) <= scene.camera.overhead_tilt_max_deg + 1e-6
        assert scene.camera.overhead_height_min <= cam.cam_to_world[2, 3] - interior(scene.bin).floor <= scene.camera.overhead_height_max
    scene.camera.overhead_fraction = 0.0
    for cam in spec_of(scene, 5).cameras:
        eye, optical = cam.cam_to_world[:3, 3], cam.cam_to_world[:3, 2]
        to_bin = -eye / np.linalg.norm(eye)
        assert np.dot(optical, to_bin) > np.cos(np.deg2rad(10))  # aimed at the bin centre (jittered)


def test_looks_cover_textures_and_respect_weights(tmp_path):
    import cv2

    image_dir = tmp_path / "textures"
    image_dir.mkdir()
    cv2.imwrite(str(image_dir / "wood.png"), np.full((16, 16, 3), 90, np.uint8))
    scene = recipe(min_objects=24, max_objects=24)
    scene.textures.image_dir = str(image_dir)
    kinds = set()
    for i in range(6):
        for b in spec_of(scene, i).bodies:
            if not b.static:
                kinds.add(b.material.texture.kind if b.material.texture else "plain")
                assert 0 <= b.material.roughness <= 1 and 0 <= b.material.metallic <= 1
    assert kinds == {"plain", "asset", "checker", "stripes", "noise", "marble", "wood", "scratches", "image"}
    for look in ("own", "checker", "stripes", "noise", "marble", "wood", "scratches", "image"):
        setattr(scene.textures, look, 0.0)
    assert all(b.material.texture is None for b in spec_of(scene, 0).bodies if not b.static)


def test_procedural_textures_tile_and_box_projection_repeats_per_tile():
    for kind in ("checker", "stripes", "noise"):
        img = procedural_image(kind, ((1, 0, 0), (0, 0, 1)), seed=3).astype(float)
        assert img.shape == (128, 128, 3) and np.ptp(img[..., 0]) > 100
        for axis in (0, 1):  # periodic: the wrap-around seam looks like any other column/row
            if kind == "noise":
                inner = np.abs(np.diff(img, axis=axis)).mean()
                seam = np.abs(img.take(0, axis=axis) - img.take(-1, axis=axis)).mean()
                assert seam <= 3 * inner + 1
            else:  # two-colour patterns change colour an even number of times around the loop
                red = img[..., 0] > 127
                assert np.all((red != np.roll(red, 1, axis=axis)).sum(axis=axis) % 2 == 0)
    import trimesh

    box = box_projected(trimesh.creation.box(extents=(0.2, 0.1, 0.05)), tile=0.05)
    uv = box.visual.uv.reshape(-1, 3, 2) * 0.05
    corners = box.vertices[box.faces]
    axis = np.abs(box.face_normals).argmax(axis=1)
    for k in range(len(corners)):  # each face is textured in the plane it lies in, 1 repeat per tile
        np.testing.assert_allclose(uv[k], np.delete(corners[k], axis[k], axis=1), atol=1e-12)


@pytest.mark.parametrize("key,value,message", [
    ("views_per_scene", 3, "scene.views_per_scene"),
    ("distractor_fraction", 1.5, "scene.distractor_fraction"),
    ("bin.kind", "bucket", "scene.bin.kind"),
])
def test_bad_recipe_values_are_one_line_errors(key, value, message):
    scene = recipe(**{key: value})
    scene.camera.stereo_baseline = 0.05
    with pytest.raises(ConfigError, match=message) as err:
        check_scene(scene)
    assert "\n" not in str(err.value)


def test_tray_bin_holds_the_pile():
    scene = recipe(min_objects=6, max_objects=6)
    scene.bin.kind = "tray"
    check_scene(scene)
    assert len(settle(scene).objects()) >= 4
