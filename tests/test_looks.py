"""Looks: textures, distractors, driving conditions and the `looks` presets; labels untouched."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import (
    SMALL_RUN,
    label_view,
    load_test_job,
    make_box,
    make_camera,
    make_spec,
    register_test_configs,
    run_simgen,
    translation,
)
from omegaconf import OmegaConf

from simgen.config.paths import RECIPE_DIR
from simgen.config.schema import TexturesConfig
from simgen.core.errors import ConfigError
from simgen.core.spec import LightSpec
from simgen.export.facts import scene_facts
from simgen.job import check_scene
from simgen.physics.state import posed_state
from simgen.randomizers import RecipeContext, build_scene
from simgen.recipes import load_recipe
from simgen.render.textures import procedural_image
from simgen.scenes.driving.conditions import REACH

PLAIN = TexturesConfig(own=0, plain=1, checker=0, stripes=0, noise=0, marble=0, wood=0, scratches=0, image=0)


def recipe(name: str):
    return OmegaConf.to_object(load_recipe(RECIPE_DIR / f"{name}.yaml"))


def spec_of(scene, index=0, seed=0):
    return build_scene(index, seed, RecipeContext(scene=scene, width=320, height=240))


def geometry(spec) -> list:
    """Everything of a spec the labels depend on: bodies' geometry and poses, cameras, frames."""
    bodies = [(b.instance_id, b.asset, b.category, b.static, b.mass, b.support_top, b.pose.tolist()) for b in spec.bodies]
    views = [[(c.K.tolist(), c.cam_to_world.tolist(), c.znear, c.zfar) for c in f.cameras] for f in spec.sequence()]
    moves = [{k: v.tolist() for k, v in f.poses.items()} for f in spec.sequence()]
    return [bodies, views, moves, spec.keep_above]


@pytest.mark.parametrize("kind", ["marble", "wood", "scratches"])
def test_new_procedural_textures_tile_and_mix_both_colours(kind):
    img = procedural_image(kind, ((1, 0, 0), (0, 0, 1)), seed=5).astype(float)
    assert img.shape == (128, 128, 3) and np.ptp(img[..., 0]) > 100 and np.ptp(img[..., 2]) > 100
    for axis in (0, 1):  # periodic: the wrap-around seam is no sharper than the tile's inside
        inner = np.abs(np.diff(img, axis=axis)).mean()
        seam = np.abs(img.take(0, axis=axis) - img.take(-1, axis=axis)).mean()
        assert seam <= 3 * inner + 2
    assert not np.array_equal(img, procedural_image(kind, ((1, 0, 0), (0, 0, 1)), seed=6))


@pytest.mark.parametrize("name", ["tabletop", "bin_picking"])
def test_textures_on_or_off_leave_geometry_and_cameras_identical(name):
    plain, textured = recipe(name), recipe(name)
    plain.textures = plain.scenery_textures = PLAIN
    plain.background.plain_probability = 1.0
    textured.textures = textured.scenery_textures = TexturesConfig(own=1, plain=0)
    for index in range(3):
        a, b = spec_of(plain, index), spec_of(textured, index)
        assert geometry(a) == geometry(b)
        assert all(body.material.texture is None for body in a.bodies if body.category)
        kinds = {body.material.texture.kind for body in b.bodies if body.material.texture}
        assert len(kinds) >= 2  # textures really were drawn


def test_tabletop_objects_keep_their_own_textures_and_scenery_is_textured():
    scene = recipe("tabletop")
    scene.textures = TexturesConfig(own=1, plain=0, checker=0, stripes=0, noise=0, marble=0, wood=0, scratches=0, image=0)
    scene.scenery_textures = TexturesConfig(own=0, plain=0, checker=0, stripes=0, noise=0, marble=0, wood=1, scratches=0, image=0)
    scene.min_objects = scene.max_objects = 10
    own, scenery = 0, []
    for index in range(4):
        for body in spec_of(scene, index).bodies:
            if body.category in ("duck", "jenga"):
                own += body.material.texture.kind == "asset"
            if body.static and body.category is None and body.asset.size[:2] != (12.0, 12.0):  # table, not floor
                scenery.append(body.material.texture.kind)
    assert own > 0 and scenery and set(scenery) == {"wood"}


def test_a_textured_table_shows_more_pixel_variance_than_a_plain_one(renderer):
    """The same tabletop scene with a plain and a checker table top: the top's pixels (by its
    instance id) vary far more with the texture on. Scenery only, under one light from straight
    above, so neither shadows nor light falloff vary the top's shading."""
    overhead = LightSpec(kind="directional", color=(1.0, 1.0, 1.0), intensity=2.0, pose=np.eye(4))
    spreads = []
    for kinds in (PLAIN, TexturesConfig(own=0, plain=0, checker=1, stripes=0, noise=0, marble=0, wood=0, scratches=0, image=0,
                                         tile_min=0.05, tile_max=0.05)):
        scene = recipe("tabletop")
        scene.scenery_textures = kinds
        spec = spec_of(scene, 1)
        top = next(b for b in spec.bodies if b.static and b.support_top == scene.table_height)
        spec.bodies = [b for b in spec.bodies if b.category is None]
        spec.lights, spec.ambient_ground = [overhead], None
        state = posed_state(spec)
        renderer.load(state)
        passes = renderer.render(spec.cameras[0], ("color", "ids", "depth"))
        face = passes["ids"] == top.instance_id
        assert face.sum() > 2000
        spreads.append(float(passes["color"][face].astype(float).std(axis=0).mean()))
    assert spreads[1] > 2 * spreads[0] and spreads[1] > 6  # muted scenery shades: a modest contrast


def test_distractors_are_unlabeled_occlude_and_change_only_with_their_setting(renderer):
    scene = recipe("tabletop")
    scene.distractors_min = scene.distractors_max = 3
    spec = spec_of(scene, 2)
    clutter = [b for b in spec.bodies if b.category is None and not b.static]
    assert len(clutter) == 3 and all(b.pose[2, 3] > scene.table_height - 0.01 for b in clutter)
    check_scene(scene)
    # A distractor between camera and object hides part of it, and gets no label itself.
    cam = make_camera((0, -1.0, 0), (0, 0, 0))
    obj = make_box(1, (0.2, 0.2, 0.2), np.eye(4))
    distractor = make_box(2, (0.2, 0.05, 0.4), translation(-0.1, -0.4, 0), category=None)
    for bodies, visible in (([obj], 1.0), ([obj, distractor], 0.5)):
        state = posed_state(make_spec(bodies, [cam]))
        renderer.load(state)
        _, labels = label_view(renderer, state, cam, {"box": 1})
        assert [o.instance_id for o in labels.objects] == [1]
        assert labels.objects[0].visibility == pytest.approx(visible, abs=0.05)


def test_walls_make_a_room_only_when_asked_and_cameras_stay_inside():
    scene = recipe("tabletop")
    without = spec_of(scene, 0)
    scene.walls.probability = 1.0
    spec = spec_of(scene, 0)
    walls = spec.bodies[len(without.bodies):len(without.bodies) + 4]
    assert len(spec.bodies) == len(without.bodies) + 4 and all(w.static and w.category is None for w in walls)
    for cam in spec.cameras:  # every camera inside the four walls
        x, y = cam.cam_to_world[:2, 3]
        xs = sorted(w.pose[0, 3] for w in walls if w.asset.size[0] < w.asset.size[1])
        ys = sorted(w.pose[1, 3] for w in walls if w.asset.size[0] > w.asset.size[1])
        assert xs[0] < x < xs[1] and ys[0] < y < ys[1]
    scene.walls.distance_min = 1.0
    with pytest.raises(ConfigError, match="scene.walls.distance_min=1.0: must exceed scene.camera.radius_max"):
        check_scene(scene)


def test_high_condition_probabilities_make_every_sequence_so_and_the_facts_say_it():
    scene = recipe("driving")
    scene.conditions = dataclasses.replace(scene.conditions, night=1.0, dawn=0.0, dusk=0.0, fog=1.0, rain=1.0)
    clear = recipe("driving")
    clear.conditions = dataclasses.replace(clear.conditions, night=0.0, dawn=0.0, dusk=0.0, fog=0.0, rain=0.0, overcast=0.0)
    for index in range(2):
        a, b = spec_of(scene, index), spec_of(clear, index)
        assert geometry(a) == geometry(b)  # conditions are appearance only
        assert a.context.drawn_conditions() == {"time_of_day": "night", "sky": "overcast", "rain": True, "fog": True}
        assert b.context.drawn_conditions() == {"time_of_day": "day", "sky": "clear", "rain": False, "fog": False}
        c = scene.conditions
        assert c.fog_density_min <= a.atmosphere.fog_density <= c.fog_density_max and c.rain_min <= a.atmosphere.rain <= c.rain_max
        assert b.atmosphere.fog_density == 0.0 and b.atmosphere.rain == 0.0
        assert tuple(a.background) == tuple(a.atmosphere.fog_color)
        kinds = [li.kind for li in a.lights]
        assert kinds.count("point") >= 1 and len(b.lights) == 1  # street lamps (and tail lights) at night only
        assert max(li.intensity for li in a.lights if li.kind == "directional") < 0.2  # moonlight
        road = next(x for x in a.bodies if x.instance_id == a.context.surfaces.road)
        dry = next(x for x in b.bodies if x.instance_id == b.context.surfaces.road)
        assert road.material.roughness < dry.material.roughness and road.material.base_color[0] < dry.material.base_color[0]
        assert dry.material.base_color[0] == 1.0  # the shared scenery material was not changed in place
        facts = scene_facts(a, [])
        assert b'"conditions":{"fog":true,"rain":true,"sky":"overcast","time_of_day":"night"}' in facts


def test_still_scenes_light_moving_vehicles_sequences_only_the_standing_ones():
    scene = recipe("driving")
    scene.conditions = dataclasses.replace(scene.conditions, night=1.0, dawn=0.0, dusk=0.0, vehicle_lights_max=32)
    spec = spec_of(scene, 1)
    spots = [li for li in spec.lights if li.kind == "spot"]
    tracks = spec.context.tracks
    lane = [b for b in spec.bodies if b.instance_id in tracks and tracks[b.instance_id].placement == "lane"]
    eye = spec.cameras[0].cam_to_world[:3, 3]
    near = [b for b in lane if np.hypot(*(b.pose[:2, 3] - eye[:2])) < REACH]
    assert len(spots) == 2 * len(near) > 0  # two headlights each, within reach of the camera
    for light in spots:  # at a vehicle's front, shining ahead and down (-z of the light pose)
        assert 0.3 < light.pose[2, 3] < 1.0 and light.pose[2, 2] > 0


@pytest.mark.parametrize("override,message", [
    ("looks=shiny", "looks=shiny is not available; choose one of: flat, photoreal, randomized, realistic"),
    ("scene.conditions.fog=1.5", "scene.conditions.fog=1.5: must lie in [0, 1]"),
    ("scene.textures.wood=-1", "scene.textures.wood=-1.0: must be >= 0"),
    ("scene.distractors_max=-2", "scene.distractors_max=-2"),
])
def test_bad_looks_values_are_one_line_errors(override, message):
    from simgen.core.errors import SimgenError
    from simgen.job import load_job

    register_test_configs()
    scene = "scene=driving" if "conditions" in override else "scene=tabletop"
    with pytest.raises(SimgenError) as err:
        load_job([scene, override])
    assert message in str(err.value) and "\n" not in str(err.value)


def test_presets_compose_and_every_knob_stays_overridable():
    from simgen.job import load_job

    register_test_configs()
    flat, _ = load_job(["looks=flat"])
    assert flat.scene.textures.plain == 1.0 and flat.scene.textures.own == 0.0 and flat.scene.distractors_max == 0
    rnd, _ = load_job(["looks=randomized", "scene.distractors_max=3"])
    assert rnd.scene.distractors_min == 2 and rnd.scene.distractors_max == 3 and rnd.scene.textures.checker > 0
    default, _ = load_job([])
    assert default.scene.textures.own == load_job(["looks=realistic"])[0].scene.textures.own > 0
    drive, _ = load_job(["scene=driving", "looks=randomized", "scene.conditions.fog=0.9"])
    assert drive.scene.conditions.fog == 0.9 and drive.scene.conditions.night == 0.25
    with pytest.raises(ConfigError, match="scene.distractors_max=8: scene.distractors lists no source"):
        load_job(["looks=randomized", "scene.distractors=[]"])


@pytest.mark.e2e  # two runs of the command
def test_label_files_are_byte_identical_with_textures_on_and_off(tmp_path):
    """The real command, twice: looks=flat and looks=realistic (textures on): the COCO files and
    every layer map (depth, object ids, semantic) are byte-identical; the images are not."""
    outs = {}
    for preset in ("flat", "realistic"):
        out = tmp_path / preset
        proc = run_simgen("scene=tabletop", f"looks={preset}", "frames=4", "seed=3", f"output_dir={out}", "report=false",
                          *SMALL_RUN)
        assert proc.returncode == 0, proc.stderr
        outs[preset] = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    labels = {p for p in outs["flat"] if p.parts[0] in ("annotations", "layers")}
    looks = {p for p in outs["flat"] if p.parts[0] == "images"}
    assert set(outs["realistic"]) == set(outs["flat"])
    assert any(p.suffix == ".json" for p in labels) and any(p.suffix == ".png" for p in labels)  # COCO and maps
    for p in sorted(labels):
        assert outs["flat"][p] == outs["realistic"][p], p
    assert any(outs["flat"][p] != outs["realistic"][p] for p in looks)


def test_material_kinds_follow_their_weights_and_only_principled_draws_nothing():
    from simgen.randomizers import RecipeContext, build_scene

    def kinds(*overrides):
        _, job = load_test_job(*overrides)
        ctx = RecipeContext(scene=job.scene, width=160, height=120)
        specs = [build_scene(i, 3, ctx) for i in range(6)]
        return specs, [b.material.kind for s in specs for b in s.bodies if b.category is not None]

    specs, drawn = kinds("scene.materials.principled=0", "scene.materials.glass=1", "scene.materials.metal=1",
                         "scene.materials.plastic=1")
    assert set(drawn) == {"glass", "metal", "plastic"} and len(drawn) > 20
    plain_specs, plain = kinds()
    assert set(plain) == {"principled"}
    for a, b in zip(specs, plain_specs, strict=True):  # appearance only: bodies and cameras stay put
        assert all(np.array_equal(x.pose, y.pose) for x, y in zip(a.bodies, b.bodies, strict=True))
        assert all(np.array_equal(x.cam_to_world, y.cam_to_world) for x, y in zip(a.cameras, b.cameras, strict=True))
