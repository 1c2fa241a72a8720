"""Labels of scenes whose right answers are known in closed form."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from helpers import HEIGHT, WIDTH, label_view, make_box, make_camera, make_spec, translation
from scipy.spatial.transform import Rotation

from simgen.config.schema import LabelsConfig
from simgen.core.camera import backproject, project, world_to_camera
from simgen.core.images import depth_to_uint16, uint16_to_depth
from simgen.physics.state import posed_state

# Off-centre principal point: catches any confusion of pyrender's bottom-up cy.
K = np.array([[300.0, 0.0, 150.3], [0.0, 310.0, 110.7], [0.0, 0.0, 1.0]])
CATS = {"box": 1}


def label(renderer, bodies, cam, policy=None):
    state = posed_state(make_spec(bodies, [cam]))
    renderer.load(state)
    passes, labels = label_view(renderer, state, cam, CATS, policy)
    return state, passes, labels


def corners_world(size, pose):
    signs = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
    local = signs * np.asarray(size) / 2
    return local @ pose[:3, :3].T + pose[:3, 3]


def expected_box(cam, pts_world):
    uv = project(cam.K, (pts_world @ world_to_camera(cam.cam_to_world)[:3, :3].T) + world_to_camera(cam.cam_to_world)[:3, 3])
    (u0, v0), (u1, v1) = uv.min(axis=0), uv.max(axis=0)
    return [u0, v0, u1 - u0, v1 - v0], uv


def test_cube_box_depth_and_mask_match_closed_form(renderer):
    # Camera 1 m in front of the cube's centre, looking along +y; the front face is 0.9 m away.
    cam = make_camera((0, -1.0, 0), (0, 0, 0), K=K)
    cube = make_box(1, (0.2, 0.2, 0.2), np.eye(4))
    _, passes, labels = label(renderer, [cube], cam)
    (obj,) = labels.objects
    box, uv = expected_box(cam, corners_world((0.2, 0.2, 0.2), np.eye(4)))
    assert np.allclose(obj.bbox, box, atol=1.0)
    # Depth at the pixel over the cube centre, before and after the uint16 encoding.
    u, v = int(K[0, 2]), int(K[1, 2])
    assert abs(passes["depth"][v, u] - 0.9) < 1e-3
    stored = uint16_to_depth(depth_to_uint16(passes["depth"], 1e-4), 1e-4)
    assert abs(stored[v, u] - 0.9) < 1e-3
    # The mask covers the projected silhouette (the front face's convex hull).
    silhouette = np.zeros((HEIGHT, WIDTH), np.uint8)
    hull = cv2.convexHull(((uv - 0.5) * 16).round().astype(np.int32))
    cv2.fillConvexPoly(silhouette, hull, 1, lineType=cv2.LINE_8, shift=4)
    mask = labels.instance_map == 1
    iou = (mask & (silhouette > 0)).sum() / (mask | (silhouette > 0)).sum()
    assert iou > 0.97
    assert obj.visibility == pytest.approx(1.0) and obj.truncation == pytest.approx(0.0)


def test_occluded_object_has_fewer_pixels_and_hidden_one_no_annotation(renderer):
    cam = make_camera((0, -1.0, 0), (0, 0, 0), K=K)
    back = make_box(2, (0.2, 0.2, 0.2), translation(0.08, 0.5, 0))
    _, _, alone = label(renderer, [back], cam)
    front = make_box(1, (0.2, 0.2, 0.2), np.eye(4))
    _, _, both = label(renderer, [front, back], cam)
    areas = {o.instance_id: o.area for o in both.objects}
    assert 0 < areas[2] < alone.objects[0].area
    hidden = make_box(2, (0.05, 0.05, 0.05), translation(0.0, 0.5, 0))
    _, _, labels = label(renderer, [front, hidden], cam)
    assert [o.instance_id for o in labels.objects] == [1]
    # The label policy may keep it, as an ignored region.
    _, _, kept = label(renderer, [front, hidden], cam, LabelsConfig(keep_hidden=True))
    ignored = [o for o in kept.objects if o.instance_id == 2]
    assert ignored and ignored[0].ignore and ignored[0].area == 0 and ignored[0].visibility == 0.0


def test_cube_half_hidden_behind_wall(renderer):
    # A wall covering x < 0 between camera and cube hides exactly the left half of its image.
    cam = make_camera((0, -1.0, 0), (0, 0, 0), K=K)
    cube = make_box(1, (0.2, 0.2, 0.2), np.eye(4))
    wall = make_box(2, (1.0, 0.01, 1.0), translation(-0.5, -0.4, 0), category=None, static=True)
    _, _, labels = label(renderer, [cube, wall], cam)
    (obj,) = labels.objects
    assert obj.visibility == pytest.approx(0.5, abs=0.02)
    full, _ = expected_box(cam, corners_world((0.2, 0.2, 0.2), np.eye(4)))
    assert np.allclose(obj.bbox_amodal, full, atol=1.0)
    assert obj.bbox[2] == pytest.approx(full[2] / 2, abs=1.5)


def test_plate_half_outside_image_is_half_truncated(renderer):
    # A thin plate facing the camera whose centre projects onto the left image border (u = 0).
    cam = make_camera((0, -1.0, 0), (0, 0, 0), K=K)
    x = -K[0, 2] * 1.0 / K[0, 0]
    plate = make_box(1, (0.2, 0.002, 0.2), translation(x, 0, 0))
    _, _, labels = label(renderer, [plate], cam)
    (obj,) = labels.objects
    assert obj.truncation == pytest.approx(0.5, abs=0.02)
    assert obj.bbox[0] == 0.0
    assert obj.bbox_amodal[0] < -20
    assert obj.visibility == pytest.approx(1.0)


def test_rotated_box_3d_corners_and_pose(renderer):
    cam = make_camera((0.3, -1.2, 0.6), (0, 0, 0), K=K)
    pose = np.eye(4)
    pose[:3, :3] = Rotation.from_euler("xyz", [25, -40, 70], degrees=True).as_matrix()
    pose[:3, 3] = (0.05, 0.1, -0.05)
    body = make_box(1, (0.3, 0.15, 0.1), pose)
    _, passes, labels = label(renderer, [body], cam)
    (obj,) = labels.objects
    uv = project(cam.K, obj.box3d.corners)
    (u0, v0), (u1, v1) = uv.min(axis=0), uv.max(axis=0)
    assert np.allclose(obj.bbox, [u0, v0, u1 - u0, v1 - v0], atol=1.0)
    object_to_camera = np.eye(4)
    object_to_camera[:3, :3], object_to_camera[:3, 3] = obj.R, obj.t
    assert np.allclose(cam.cam_to_world @ object_to_camera, pose, atol=1e-5)


def test_pixel_round_trip_lands_on_the_surface(renderer):
    cam = make_camera((0.3, -1.2, 0.6), (0, 0, 0), K=K)
    pose = np.eye(4)
    pose[:3, :3] = Rotation.from_euler("xyz", [10, 30, -20], degrees=True).as_matrix()
    size = np.array([0.3, 0.2, 0.25])
    body = make_box(1, size, pose)
    _, passes, labels = label(renderer, [body], cam)
    depth = uint16_to_depth(depth_to_uint16(labels.depth, 1e-4), 1e-4)  # as stored on disk
    rows, cols = np.nonzero(labels.instance_map == 1)
    pick = np.linspace(0, len(rows) - 1, 200).astype(int)
    v, u = rows[pick], cols[pick]
    pts_cam = backproject(cam.K, u + 0.5, v + 0.5, depth[v, u])
    pts_world = pts_cam @ cam.cam_to_world[:3, :3].T + cam.cam_to_world[:3, 3]
    local = (pts_world - pose[:3, 3]) @ pose[:3, :3]
    distance_to_surface = np.abs(np.max(np.abs(local) - size / 2, axis=1))
    assert distance_to_surface.max() < 1e-3
