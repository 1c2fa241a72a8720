"""The LiDAR: its ray caster against known geometry, its scan pattern, its sensor model, and
its points against the raster's depth and ids (the driving dataset's files: test_lidar_kitti.py)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from helpers import make_box, make_camera, make_spec, translation

from simgen.config.lidar import LidarConfig
from simgen.physics.state import posed_state
from simgen.render.lidar.caster import RayCaster
from simgen.render.lidar.pattern import scan_pattern

pytestmark = pytest.mark.skipif(importlib.util.find_spec("embreex") is None,
                                reason="the LiDAR's ray caster needs embreex: pip install -e '.[lidar]'")


def _ground_and_box():
    """A 20 m ground slab whose top is z = 0 and a 1 m cube centred at (5, 0, 0.5)."""
    ground = make_box(1, (20.0, 20.0, 0.1), translation(0, 0, -0.05), category=None, static=True, support_top=0.0)
    cube = make_box(2, (1.0, 1.0, 1.0), translation(5, 0, 0.5), category="box")
    return posed_state(make_spec([ground, cube], [make_camera((0, -3, 1), (5, 0, 0.5))]))


def test_ranges_ids_and_normals_are_exact_on_a_plane_and_a_box():
    state = _ground_and_box()
    caster = RayCaster(state)
    origin = np.array([0.0, 0.0, 0.5])
    down = np.deg2rad(np.linspace(5, 60, 12))
    dirs = np.concatenate([
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],  # the cube's face at x = 4.5, then nothing, nothing
        np.stack([np.cos(down) * 0.0 - np.cos(down), np.zeros_like(down), -np.sin(down)], -1),  # backwards onto the ground
    ])
    hits = caster.cast(origin, dirs)
    assert hits.range[0] == pytest.approx(4.5, abs=1e-5) and hits.instance_id[0] == 2
    np.testing.assert_allclose(hits.normal[0], [-1, 0, 0], atol=1e-6)
    assert np.isinf(hits.range[1:3]).all() and (hits.instance_id[1:3] == 0).all()
    np.testing.assert_allclose(hits.range[3:], 0.5 / np.sin(down), rtol=1e-5)
    assert (hits.instance_id[3:] == 1).all()
    np.testing.assert_allclose(hits.normal[3:], np.tile([0, 0, 1], (len(down), 1)), atol=1e-6)


def test_a_moving_body_is_hit_where_its_pose_of_the_moment_puts_it():
    state = _ground_and_box()
    caster = RayCaster(state, moving={2})
    origin, ahead = np.array([0.0, 0.0, 0.5]), np.array([[1.0, 0.0, 0.0]])
    assert caster.cast(origin, ahead).range[0] == pytest.approx(4.5, abs=1e-5)  # the state's pose
    turned = translation(8, 0, 0.5)
    turned[:3, :3] = [[np.cos(0.3), -np.sin(0.3), 0], [np.sin(0.3), np.cos(0.3), 0], [0, 0, 1]]
    hits = caster.cast(origin, ahead, {2: turned})
    # the turned cube's near corner region: its face x' = -0.5 seen along the world x axis
    assert hits.range[0] == pytest.approx(8 - 0.5 / np.cos(0.3), abs=1e-5) and hits.instance_id[0] == 2
    np.testing.assert_allclose(hits.normal[0], -turned[:3, 0], atol=1e-6)
    assert caster.cast(origin, ahead, {2: translation(5, 3, 0.5)}).instance_id[0] == 0  # moved out of the way


def test_the_scan_pattern_has_every_beam_in_every_column_and_faces_forward_half_way():
    cfg = LidarConfig(name="test", elevations_deg=[-10.0, 2.0, -24.0], azimuth_resolution_deg=1.0)
    pat = scan_pattern(cfg)
    assert pat.columns == 360 and len(pat) == 3 * 360
    np.testing.assert_allclose(np.linalg.norm(pat.directions, axis=1), 1.0)
    elevation = np.rad2deg(np.arcsin(pat.directions[:3, 2]))
    np.testing.assert_allclose(elevation, [2.0, -10.0, -24.0])  # highest beam first
    forward = pat.phase == 0.5
    assert forward.sum() == 3 and (pat.directions[forward, 0] > 0.9).all()
    np.testing.assert_allclose(pat.directions[forward, 1], 0.0, atol=1e-12)
    uniform = scan_pattern(LidarConfig(name="test", beams=5, elevation_min_deg=-20, elevation_max_deg=0))
    np.testing.assert_allclose(np.rad2deg(np.arcsin(uniform.directions[:5, 2])), [0, -5, -10, -15, -20], atol=1e-9)


def _street(renderer):
    """A ground slab, three boxes at 6..14 m and a camera 1.5 m up looking along +x, drawn;
    (state, camera, arrays)."""
    from simgen.config.schema import LabelsConfig
    from simgen.pipeline import draw_view

    ground = make_box(1, (80.0, 80.0, 0.1), translation(0, 0, -0.05), category=None, static=True, support_top=0.0)
    boxes = [make_box(2, (1.0, 2.0, 1.5), translation(6, 1.2, 0.75)),
             make_box(3, (4.0, 1.8, 1.4), translation(10, -2.0, 0.7), category="car"),
             make_box(4, (2.0, 6.0, 3.0), translation(14, 3.0, 1.5))]
    cam = make_camera((0, 0, 1.5), (10, 0, 1.0), fov_y=60.0, zfar=60.0)
    state = posed_state(make_spec([ground, *boxes], [cam]))
    renderer.load(state)
    arrays, _ = draw_view(renderer, state, cam, LabelsConfig())
    return state, cam, arrays


def _project(scan, cam):
    """Camera-frame points (n, 3) and pixel coordinates (n, 2) of a scan's points."""
    from simgen.core.camera import project

    T = scan.lidar_to_camera(cam.cam_to_world)
    pc = scan.points.astype(float) @ T[:3, :3].T + T[:3, 3]
    front = pc[:, 2] > 0.1
    uv = np.full((len(pc), 2), -1.0)
    uv[front] = project(cam.K, pc[front])
    return pc, uv


def test_points_land_on_the_rendered_depth_and_carry_the_ids_of_what_the_camera_sees(renderer):
    from simgen.annotate.lidar import label_returns
    from simgen.sensor.lidar import LidarSensor

    state, cam, arrays = _street(renderer)
    cfg = LidarConfig(name="test", beams=32, elevation_min_deg=-25.0, elevation_max_deg=5.0, azimuth_resolution_deg=0.4)
    lidar = LidarSensor(cfg, seed=0).scene(state, state.spec.sequence())
    scan = label_returns(lidar.scan(0), state, {"box": 1, "car": 2})
    assert len(scan.points) > 10_000 and np.isclose(scan.lidar_to_world[2, 3], 1.58)  # mounted 8 cm above the camera
    pc, uv = _project(scan, cam)
    H, W = arrays["depth"].shape
    # inverse depth is affine in the image over a plane: interpolate it bilinearly between pixel centres
    x, y = uv[:, 0] - 0.5, uv[:, 1] - 0.5
    inside = (x >= 0) & (y >= 0) & (x < W - 1) & (y < H - 1)
    x0, y0 = np.floor(x[inside]).astype(int), np.floor(y[inside]).astype(int)
    fx, fy = x[inside] - x0, y[inside] - y0
    ids, depth = arrays["ids"], arrays["depth"]
    corner_ids = np.stack([ids[y0, x0], ids[y0, x0 + 1], ids[y0 + 1, x0], ids[y0 + 1, x0 + 1]], 1)
    raw_id = np.asarray(scan.instance)[inside]
    raw_id = np.where(raw_id == 0, 1, raw_id)  # scenery's label is 0; the ground is body 1
    seen = (corner_ids == raw_id[:, None]).all(1)  # the camera sees the body the ray hit, all around the point
    with np.errstate(divide="ignore"):  # 0 (nothing there) only where the ids say sky
        inv = (1 / depth[y0, x0] * (1 - fx) * (1 - fy) + 1 / depth[y0, x0 + 1] * fx * (1 - fy)
               + 1 / depth[y0 + 1, x0] * (1 - fx) * fy + 1 / depth[y0 + 1, x0 + 1] * fx * fy)
    z_camera, z_point = 1 / inv[seen], pc[inside][seen, 2]
    rng = np.linalg.norm(scan.points[inside][seen], axis=1)
    assert seen.sum() > 3_000
    error = np.abs(z_camera - z_point)
    assert (error <= 0.02 + 0.005 * rng).all(), error.max()
    # ids: the points whose pixel shows an object, among those the camera sees at their depth (the
    # LiDAR sits 27 cm behind the camera: a point it sees past an object's edge is hidden from the camera)
    u, v = np.floor(uv[inside]).astype(int).T
    pixel_object = np.asarray(arrays["ids"])[v, u]
    on_object = np.isin(pixel_object, [2, 3, 4])
    agrees = np.abs(depth[v, u] - pc[inside][:, 2]) <= 0.02 + 0.005 * np.linalg.norm(scan.points[inside], axis=1)
    share = (scan.instance[inside][on_object & agrees] == pixel_object[on_object & agrees]).mean()
    assert (on_object & agrees).sum() > 500 and share >= 0.99, share
    assert set(np.unique(scan.semantic[scan.instance == 3])) == {2}  # the car's category id
    assert (scan.semantic[scan.instance == 0] == 0).all()


def _ground_scan(**settings):
    """A scan of a bare ground slab from a LiDAR 2 m up (a camera at 1.92 m): (scan, settings)."""
    from simgen.annotate.lidar import label_returns
    from simgen.sensor.lidar import LidarSensor

    ground = make_box(1, (400.0, 400.0, 0.1), translation(0, 0, -0.05), category=None, static=True, support_top=0.0)
    state = posed_state(make_spec([ground], [make_camera((0, 0, 1.92), (10, 0, 1.92))]))
    cfg = LidarConfig(name="test", beams=16, elevation_min_deg=-30.0, elevation_max_deg=-5.0,
                      azimuth_resolution_deg=0.5, **settings)
    return label_returns(LidarSensor(cfg, seed=0).scene(state, state.spec.sequence()).scan(0), state, {}), cfg


def test_the_sensor_model_draws_noise_and_dropout_and_intensity_follows_the_angle_of_incidence():
    clean, _ = _ground_scan()
    p = clean.points.astype(float)
    down = -p[:, 2] / np.linalg.norm(p, axis=1)  # cos(incidence) on level ground
    assert len(p) == 16 * 720 and np.allclose(clean.lidar_to_world[2, 3], 2.0)
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 2.0 / down, rtol=1e-5)  # exact ranges
    np.testing.assert_allclose(clean.intensity, 0.7 * down, atol=1e-5)  # grey albedo 0.7 x cos(incidence)
    noisy, _ = _ground_scan(range_noise_std=0.05, dropout_probability=0.2)
    q = noisy.points.astype(float)
    error = np.linalg.norm(q, axis=1) - 2.0 / (-q[:, 2] / np.linalg.norm(q, axis=1))
    assert abs(error.std() - 0.05) < 0.005 and abs(error.mean()) < 0.003
    assert abs(len(q) / len(p) - 0.8) < 0.02
    again, _ = _ground_scan(range_noise_std=0.05, dropout_probability=0.2)
    np.testing.assert_array_equal(again.points, noisy.points)  # a function of the seed
    faint, _ = _ground_scan(min_intensity=0.15)
    assert faint.intensity.min() >= 0.15 and len(faint.points) == int((clean.intensity >= 0.15).sum())


def test_a_rolling_sweep_sees_a_moving_box_where_it_was_when_each_ray_fired():
    from simgen.annotate.lidar import label_returns
    from simgen.core.spec import FrameSpec
    from simgen.sensor.lidar import LidarSensor

    ground = make_box(1, (80.0, 80.0, 0.1), translation(0, 0, -0.05), category=None, static=True, support_top=0.0)
    box = make_box(2, (2.0, 2.0, 2.0), translation(0, 6, 1.0))
    cam = make_camera((0, 0, 1.5), (10, 0, 1.5), zfar=60.0)
    speed, times = 10.0, (0.0, 0.1, 0.2)  # m/s along x, passing on the LiDAR's left
    spec = make_spec([ground, box], [cam])
    spec.frames = [FrameSpec(time=t, poses={2: translation(speed * t, 6, 1.0)}, cameras=[cam]) for t in times]
    state = posed_state(spec)
    cfg = LidarConfig(name="test", beams=24, elevation_min_deg=-15.0, elevation_max_deg=10.0,
                      azimuth_resolution_deg=0.25, sweep_time=0.1, sweep_slices=40, mount=[0.0, 0.0, 0.0])
    scan = label_returns(LidarSensor(cfg, 0).scene(state, spec.frames).scan(1), state, {"box": 1})
    on_box = scan.points[scan.instance == 2].astype(float)
    assert len(on_box) > 300
    azimuth = np.arctan2(on_box[:, 1], on_box[:, 0])  # the LiDAR frame is level along the camera: world axes here
    phase = ((np.pi - azimuth) / (2 * np.pi)) % 1.0
    fired = times[1] + ((np.floor(phase * 40) + 0.5) / 40 - 0.5) * 0.1
    world = on_box + [0.0, 0.0, 1.5]
    local = world - np.stack([speed * fired, np.full_like(fired, 6.0), np.ones_like(fired)], 1)
    assert np.abs(np.abs(local).max(1) - 1.0).max() < 1e-4  # on the box's surface where it was at firing time
    at_frame = world - [speed * times[1], 6.0, 1.0]
    assert np.abs(np.abs(at_frame).max(1) - 1.0).max() > 0.15  # not where it is at the frame's instant


def test_lidar_presets_compose_and_no_lidar_keeps_the_config_hash():
    from helpers import config_error, load_test_job

    from simgen.config.canonical import dataset_config, default_output_dir

    typed, job = load_test_job("scene=tabletop")
    assert not job.lidar.enabled and "lidar" not in dataset_config(typed)
    assert default_output_dir(typed).name == "tabletop-seed0-c7b76484"  # the README's Quick start folder
    for name, beams in (("hdl64", 64), ("os128", 128)):
        typed, job = load_test_job("scene=driving", f"lidar={name}")
        assert job.lidar.name == name and len(scan_pattern(job.lidar).directions) == beams * scan_pattern(job.lidar).columns
        assert dataset_config(typed)["lidar"]["name"] == name and default_output_dir(typed).name != "driving"
    assert "lidar.range_min" in config_error("scene=driving", "lidar=hdl64", "lidar.range_min=200")
    assert "lidar=velodyne is not available; choose one of: hdl64, none, os128" in config_error("lidar=velodyne")
