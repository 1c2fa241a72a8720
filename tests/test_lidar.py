"""The LiDAR: its ray caster against known geometry, its scan pattern, its sensor model, and
its points against the raster's depth and ids (the driving dataset's files: test_lidar_kitti.py)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_box, make_camera, make_spec, translation

from simgen.config.lidar import LidarConfig
from simgen.physics.state import posed_state
from simgen.render.lidar.caster import RayCaster
from simgen.render.lidar.pattern import scan_pattern


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
