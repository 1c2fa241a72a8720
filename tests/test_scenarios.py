"""Driving scenarios: rare events staged on demand. Without them nothing changes; with them the
event happens in view (planned geometry, and a rendered run's labels), the pedestrian steps out
from hiding, the cut-in vehicle crosses the lane line in view, and the labels say so."""

from __future__ import annotations

import json
from dataclasses import asdict

import cv2
import numpy as np
import pytest
from helpers import config_error, load_coco, load_test_job, run_simgen
from omegaconf import OmegaConf

from simgen.config.canonical import dataset_config, job_hash
from simgen.config.paths import RECIPE_DIR
from simgen.config.schema import SequenceConfig
from simgen.core.camera import world_to_camera
from simgen.core.spec import SCENARIO_PHASES
from simgen.randomizers import RecipeContext, build_scene
from simgen.recipes import load_recipe
from simgen.report.build import make_report
from simgen.scenes.driving.scenarios import plan
from simgen.scenes.driving.scenarios.settings import SCENARIO_NAMES, ScenarioRangesConfig
from simgen.tools.validate import validate_dataset

LENGTH = 8  # frames of 0.1 s: the sequence.length=8
LIGHT = ["street", "ego", "traffic", "rig"]  # the scenario is staged before traffic: no other road user changes it


def scenario_scene(name: str | None, light: bool = True):
    """The driving recipe with ``name`` staged in every sequence; ``light``: no roadside and no
    ordinary traffic (fast; the scenario is planned before both)."""
    node = load_recipe(RECIPE_DIR / "driving.yaml")
    if name is not None:
        OmegaConf.update(node, f"scenarios.{name}", 1.0)
    if light:
        OmegaConf.update(node, "randomizers", LIGHT)
        OmegaConf.update(node, "parked_min", 0)
        OmegaConf.update(node, "parked_max", 0)
    scene = OmegaConf.to_object(node)
    if light:
        for cls in scene.classes:
            cls.count_min = cls.count_max = 0
    return scene


def build(name: str | None, seeds, light: bool = True, length: int = LENGTH):
    ctx = RecipeContext(scene=scenario_scene(name, light), width=640, height=480,
                        sequence=SequenceConfig(length=length, time_step=0.1))
    return [build_scene(0, seed, ctx) for seed in seeds]


@pytest.fixture(scope="module")
def occluded():
    return build("occluded_pedestrian", range(12))


@pytest.fixture(scope="module")
def cut_ins():
    return build("cut_in", range(12))


def _pose(spec, iid: int, k: int) -> np.ndarray:
    body = next(b for b in spec.bodies if b.instance_id == iid)
    return spec.frames[k].poses.get(iid, body.pose)


def _actor(spec, role: str) -> int:
    return next(i for i, r in spec.context.scenario.roles.items() if r == role)


def test_without_scenarios_nothing_is_drawn_and_the_hash_holds(monkeypatch):
    def refuse(*_):
        raise AssertionError("the scenario stream was drawn from")

    monkeypatch.setattr(plan, "scenario_rng", refuse)
    (spec,) = build(None, [3])
    assert spec.context.scenario is None and "scenario" not in spec.context.to_dict()
    plain = dataset_config({"scene": asdict(scenario_scene(None, light=False)), "seed": 0})
    staged = dataset_config({"scene": asdict(scenario_scene("cut_in", light=False)), "seed": 0})
    assert "scenarios" not in plain["scene"] and "scenario_ranges" not in plain["scene"]
    assert staged["scene"]["scenarios"]["cut_in"] == 1.0 and job_hash(plain) != job_hash(staged)


def test_scenario_probabilities_are_checked():
    assert "scene.scenarios" in config_error("scene=driving", "scene.scenarios.cut_in=0.7", "scene.scenarios.animal=0.5",
                                             "scene.scenario_ranges.cut_in.distance_max=20")


def _steps_out(spec, length: int) -> bool:
    """Checks the pedestrian's walk: on the street surface at every frame, once off the
    sidewalk never back on it, only towards the lane, at most its top speed. Returns whether
    it stood on the sidewalk at the first frame."""
    r = ScenarioRangesConfig().occluded_pedestrian
    street = spec.context.street
    ped = _actor(spec, "pedestrian")
    xy = np.array([_pose(spec, ped, k)[:2, 3] for k in range(length)])
    on = street.surface(xy)
    assert not np.isnan(on).any()
    kerb = on == street.main.kerb
    off = np.flatnonzero(~kerb)
    assert off.size and not kerb[off[0]:].any(), "back on the sidewalk after stepping out"
    d = street.main.path.project(xy)[1]
    assert np.all(np.diff(d) >= -1e-9)  # towards the lane (left of the kerb side) only
    step = np.hypot(*np.diff(xy, axis=0).T) / 0.1
    assert step.max() <= r.speed_max * 1.01
    return bool(kerb[0])


def test_occluded_pedestrian_waits_on_the_sidewalk_in_longer_sequences():
    """In 2 s sequences the pedestrian stands on the sidewalk at the first frame (in 0.7 s ones
    it is already crossing the parking strip in front of the occluder, hidden)."""
    specs = build("occluded_pedestrian", range(4), length=20)
    assert sum(_steps_out(spec, 20) for spec in specs) >= 3


def test_occluded_pedestrian_steps_out_from_hiding(occluded):
    """Planned visibility rises from under 0.3 to over 0.8; the pedestrian's walk (see
    :func:`_steps_out`); the occluder is parked in the kerb-side strip, the pedestrian in
    front of it."""
    for spec in occluded:
        s = spec.context.scenario
        assert s is not None and s.name == "occluded_pedestrian" and s.in_view, spec.seed
        assert s.visibility[0] < 0.3 and s.visibility[-1] > 0.8
        assert [SCENARIO_PHASES.index(p) for p in s.phases] == sorted(SCENARIO_PHASES.index(p) for p in s.phases)
        _steps_out(spec, LENGTH)
        street = spec.context.street
        ped, occ = _actor(spec, "pedestrian"), _actor(spec, "occluder")
        occluder = next(b for b in spec.bodies if b.instance_id == occ)
        assert occluder.static and occluder.category in ("van", "bus", "car")
        s_occ, d_occ, _ = street.main.path.project(occluder.pose[None, :2, 3])
        s_ped = street.main.path.project(_pose(spec, ped, 0)[None, :2, 3])[0]
        assert s_ped[0] > s_occ[0] and d_occ[0] < -street.main.lanes * street.main.lane_width


def test_cut_in_crosses_the_lane_line_in_view(cut_ins):
    """The cut-in vehicle's centre crosses the line between its lane and the ego's during the
    sequence, and at the frames around the crossing it is inside the rig camera's image."""
    for spec in cut_ins:
        s = spec.context.scenario
        assert s is not None and s.in_view, spec.seed
        road = spec.context.street.main
        iid = _actor(spec, "cut_in")
        xy = np.array([_pose(spec, iid, k)[:2, 3] for k in range(LENGTH)])
        d = road.path.project(xy)[1]
        ego_d = road.path.project(spec.context.ego.path.point([0.0]))[1][0]
        line = ego_d + np.sign(d[0] - ego_d) * road.lane_width / 2
        side = np.sign(d - line)
        assert side[0] != side[-1], (spec.seed, d, line)
        k = int(np.flatnonzero(side != side[0])[0])
        for frame in (k - 1, k):
            cam = spec.frames[frame].cameras[0]
            centre = _pose(spec, iid, frame) @ np.array([0, 0, 0.7, 1.0])
            p = world_to_camera(cam.cam_to_world) @ centre
            u, v, w = cam.K @ p[:3]
            assert p[2] > 0 and 0 <= u / w < cam.width and 0 <= v / w < cam.height
        assert "onset" in [s.phases[frame] for frame in (k - 1, k)]


def test_scenarios_with_conditions_and_roles_recorded(cut_ins):
    spec = cut_ins[0]
    back = type(spec.context).from_dict(json.loads(json.dumps(spec.context.to_dict())))
    assert back.scenario == spec.context.scenario
    tag = spec.context.scenario_at(LENGTH - 1)
    assert tag.name == "cut_in" and tag.actors == list(tag.roles) and set(tag.roles.values()) == {"cut_in"}


@pytest.mark.e2e
@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_each_scenario_is_in_view_in_nine_of_ten_sequences(name):
    """Over 50 seeds, the planned event is in view (the key actor's planned visible share at
    onset >= 0.5; occluded_pedestrian: under 0.3 at the first frame, over 0.8 at the last)."""
    specs = build(name, range(50))
    staged = [s.context.scenario for s in specs]
    rate = np.mean([s is not None and s.in_view for s in staged])
    assert rate >= 0.9, (name, rate)
    for s in staged:
        if s is not None:
            assert s.name == name and len(s.phases) == LENGTH and "onset" in s.phases


@pytest.mark.e2e
def test_occluded_pedestrian_run_labels_the_event(tmp_path):
    """``simgen scene=driving scene.scenarios.occluded_pedestrian=1.0 sequence.length=8``: every
    image names the scenario and its phase, the pedestrian's labeled visibility rises from
    under 0.3 to over 0.8 in each sequence, the actors carry their roles, and the validator
    passes; KITTI files hold no scenario field."""
    out = tmp_path / "op"
    run_simgen("scene=driving", "scene.scenarios.occluded_pedestrian=1.0", "sequence.length=8", "frames=16",
               "renderer.width=320", "renderer.height=240", "export=kitti", f"output_dir={out}", "report=false",
               "farm.workers=1")
    assert validate_dataset(out) == []
    coco = load_coco(out)
    images, anns = coco.dataset["images"], coco.dataset["annotations"]
    by_scene: dict[int, list] = {}
    for img in images:
        assert img["scenario"]["name"] == "occluded_pedestrian" and img["scenario"]["phase"] in SCENARIO_PHASES
        by_scene.setdefault(img["scene_index"], []).append(img)
    assert len(by_scene) == 2
    for views in by_scene.values():
        views.sort(key=lambda im: im["frame_index"])
        actors = views[0]["scenario"]["actors"]
        ped = [a for a in anns if a["image_id"] in {im["id"] for im in views} and a.get("scenario_role") == "pedestrian"]
        assert {a["object_id"] for a in ped} <= set(actors)
        vis = {a["image_id"]: a["visibility"] for a in ped}
        series = [vis.get(im["id"], 0.0) for im in views]
        assert series[0] < 0.3 and max(series[-2:]) > 0.8, series
        assert min(series[series.index(max(series[-2:])):] or [1.0]) > 0.5
    label_text = "".join(p.read_text() for p in (out / "kitti").rglob("label_2/*.txt"))
    assert "scenario" not in label_text and label_text.strip()
    report = make_report(out)
    stats = json.loads(report.stats.read_text())
    assert stats["scenarios"]["occluded_pedestrian"]["sequences"] == 2
    strip = cv2.imread(str(report.html.parent / "scenarios" / "occluded_pedestrian.jpg"))
    assert strip.shape[1] == 4 * 240 and "scenarios/occluded_pedestrian.jpg" in report.html.read_text()


def test_balance_gives_each_scenario_its_share_in_every_run_of_scenes():
    """``balance.scenarios`` samples the shares at golden-ratio steps: in any 40 consecutive
    scenes each scenario holds its share of sequences, give or take one."""
    from types import SimpleNamespace

    from simgen.core.spec import SceneSpec

    typed, job = load_test_job("scene=driving", "balance.scenarios={cut_in:0.25,animal:0.125}")
    assert typed.scene.scenarios.cut_in == 0.25 and "animal" in job.categories
    balance = SimpleNamespace(scenarios={"cut_in": 0.25, "animal": 0.125})
    names = [(plan.chosen(SceneSpec(index=i, seed=7), typed.scene, balance) or (None,))[0] for i in range(200)]
    for start in (0, 37, 160):
        window = names[start:start + 40]
        assert abs(window.count("cut_in") - 10) <= 1 and abs(window.count("animal") - 5) <= 1, window
    assert "balance.scenarios.fly" in config_error("scene=driving", "balance.scenarios={fly:0.2}")


@pytest.mark.parametrize("shape,size", [("animal", (0.9, 0.3, 0.65)), ("animal", (1.7, 0.45, 1.4)),
                                        ("debris", (0.8, 0.6, 0.3)), ("cargo", (1.2, 0.9, 0.7))])
def test_scenario_shapes_have_the_dimensions_asked_for(shape, size):
    from simgen.assets import procedural

    mesh = procedural.build(shape, (*size, 0.5, 0.4, 0.3))
    length, width, height = size
    assert np.allclose(mesh.bounds, [[-length / 2, -width / 2, 0.0], [length / 2, width / 2, height]], atol=1e-9)
    tri = mesh.triangles
    assert np.sum(np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2]))) > 0, f"{shape} is inside out"


def test_report_counts_scenarios_against_conditions():
    from simgen.report.stats import scenarios

    facts = [{"scenario": "cut_in", "conditions": {"time_of_day": "night", "rain": True}},
             {"scenario": "cut_in", "conditions": {"time_of_day": "day", "rain": False}},
             {"conditions": {"time_of_day": "night", "rain": False}}]
    got = scenarios(facts)
    assert got["cut_in"] == {"sequences": 2, "conditions": {"time_of_day": {"day": 1, "night": 1},
                                                            "rain": {"False": 1, "True": 1}}}
    assert got["none"]["sequences"] == 1 and scenarios(facts[2:]) == {}


def test_lead_brakes_within_its_range_and_wrong_way_driver_faces_the_ego():
    """The lead vehicle keeps its speed before the onset and then slows at no more than the
    deceleration range allows, ahead of the ego all along; the wrong-way vehicle heads
    against the ego's lane and closes in."""
    r = ScenarioRangesConfig().lead_brake
    braked = 0
    for spec in build("lead_brake", range(6)):
        iid = _actor(spec, "lead")
        xy = np.array([_pose(spec, iid, k)[:2, 3] for k in range(LENGTH)])
        v = np.hypot(*np.diff(xy, axis=0).T) / 0.1
        a = np.diff(v) / 0.1
        assert a.min() >= -r.decel_max * 1.05 and a.max() <= 1e-6
        braked += a.min() < -r.decel_min * 0.5
        ego = spec.context.ego
        ego_s = spec.context.street.main.path.project(ego.path.pose(ego.s0 + ego.speed * 0.1 * np.arange(LENGTH))[0])[0]
        lead_s = spec.context.street.main.path.project(xy)[0]
        assert np.all(lead_s - ego_s > ego.length)
    assert braked >= 3
    for spec in build("wrong_way", range(4)):
        iid = _actor(spec, "wrong_way")
        pose0, pose1 = _pose(spec, iid, 0), _pose(spec, iid, LENGTH - 1)
        main = spec.context.street.main.path
        lane_heading = main.heading(main.project(pose0[None, :2, 3])[0])[0]  # the road's heading where it is
        yaw = np.arctan2(pose0[1, 0], pose0[0, 0])
        assert abs((yaw - lane_heading) % (2 * np.pi) - np.pi) < 0.005  # heading from the motion (finite differences)
        eye = spec.frames[0].cameras[0].cam_to_world[:2, 3]
        assert np.hypot(*(pose1[:2, 3] - eye)) < np.hypot(*(pose0[:2, 3] - eye))


def test_lights_ride_on_moving_vehicles_of_a_night_scenario(renderer):
    """At night in a scenario sequence the cut-in vehicle is lit and its head and tail lights
    keep their place on it when the renderer moves it to a later frame."""
    from simgen.physics.state import posed_state

    scene = scenario_scene("cut_in")
    scene.randomizers = [*LIGHT, "sun", "conditions"]
    scene.conditions.night, scene.conditions.dawn, scene.conditions.dusk = 1.0, 0.0, 0.0
    ctx = RecipeContext(scene=scene, width=640, height=480, sequence=SequenceConfig(length=LENGTH, time_step=0.1))
    spec = build_scene(0, 0, ctx)
    iid = _actor(spec, "cut_in")
    riders = [li for li in spec.lights if li.rides_on == iid]
    assert sorted(li.kind for li in riders) == ["point", "point", "spot", "spot"]
    state = posed_state(spec)
    renderer.load(state)
    pose0, later = state.poses[iid], spec.frames[LENGTH - 1].poses[iid]
    assert not np.allclose(pose0, later)
    renderer.set_pose(iid, later)
    placed = [renderer.scene.get_pose(n) for n in renderer.scene.light_nodes]
    for li in riders:
        want = later @ np.linalg.inv(pose0) @ li.pose
        assert any(np.allclose(p, want, atol=1e-9) for p in placed)
        assert not any(np.allclose(p, li.pose, atol=1e-6) for p in placed)
