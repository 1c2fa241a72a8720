"""Per-pixel layers and cuboid keypoints of scenes whose right answers are known in closed form:
surface normals, forward optical flow, projected 3D box corners."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from helpers import label_view, make_box, make_camera, make_spec, translation
from scipy.spatial.transform import Rotation

from simgen.annotate.flow import decode_flow, encode_flow, rigid_flow, warp_ids
from simgen.annotate.keypoints import DECIMALS, VISIBLE
from simgen.annotate.normals import decode_normals, encode_normals
from simgen.core.camera import backproject, project, world_to_camera
from simgen.core.spec import CameraSpec
from simgen.physics.state import posed_state

K = np.array([[300.0, 0.0, 150.3], [0.0, 310.0, 110.7], [0.0, 0.0, 1.0]])


def _angles_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):  # zero vectors (no surface) give nan
        cos = np.einsum("...i,...i->...", a, b) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _plane_view(renderer, tilt_deg: float):
    """A 20 m slab whose top face fills the view, tilted about x; camera 1.5 m above, looking down."""
    R = np.eye(4)
    R[:3, :3] = Rotation.from_euler("xz", [tilt_deg, 17.0], degrees=True).as_matrix()
    pose = R @ translation(0, 0, -0.05)  # top face through the origin
    slab = make_box(1, (20.0, 20.0, 0.1), pose, static=True)
    cam = make_camera((0.3, -0.4, 1.5), (0.0, 0.0, 0.0), K=K, zfar=50.0)
    renderer.load(posed_state(make_spec([slab], [cam])))
    passes = renderer.render(cam, ("color", "ids", "depth"))
    normal_world = R[:3, :3] @ [0.0, 0.0, 1.0]
    return cam, passes, renderer.render(cam, ("normals",))["normals"], world_to_camera(cam.cam_to_world)[:3, :3] @ normal_world


@pytest.mark.parametrize("tilt", [0.0, 25.0, -40.0])
def test_plane_normal_within_one_degree_at_every_pixel(renderer, tilt):
    cam, passes, normals, expected = _plane_view(renderer, tilt)
    assert (passes["depth"] > 0).all()  # the plane fills the image
    err = _angles_deg(normals, expected)
    assert err.max() < 1.0, err.max()
    assert np.allclose(np.linalg.norm(normals, axis=-1), 1.0, atol=1e-5)
    decoded = decode_normals(cv2.imdecode(np.frombuffer(encode_normals(normals), np.uint8), cv2.IMREAD_UNCHANGED))
    assert _angles_deg(decoded, expected).max() < 1.0  # and as stored


def _normals_from_depth(depth: np.ndarray, K: np.ndarray, step: int = 2) -> np.ndarray:
    """Normals (H, W, 3) from back-projected depth by central differences over ``step`` px."""
    H, W = depth.shape
    rows, cols = np.mgrid[0:H, 0:W]
    P = backproject(K, cols.ravel() + 0.5, rows.ravel() + 0.5, depth.ravel().astype(float)).reshape(H, W, 3)
    du = np.zeros_like(P)
    dv = np.zeros_like(P)
    du[:, step:-step] = P[:, 2 * step:] - P[:, :-2 * step]
    dv[step:-step] = P[2 * step:] - P[:-2 * step]
    n = np.cross(du, dv)
    n *= -np.sign(np.einsum("...i,...i->...", n, P))[..., None]  # towards the camera
    return n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-12)


def test_normals_agree_with_normals_from_depth_on_planar_faces(renderer):
    floor = make_box(1, (6.0, 6.0, 0.1), translation(0, 0, -0.05), static=True)
    R = np.eye(4)
    R[:3, :3] = Rotation.from_euler("xyz", [20, -35, 50], degrees=True).as_matrix()
    cube = make_box(2, (0.4, 0.4, 0.4), translation(0.1, 0.0, 0.35) @ R)
    cam = make_camera((1.2, -1.0, 1.4), (0.0, 0.0, 0.2), K=K)
    renderer.load(posed_state(make_spec([floor, cube], [cam])))
    passes = renderer.render(cam, ("color", "ids", "depth"))
    normals = renderer.render(cam, ("normals",))["normals"]
    estimated = _normals_from_depth(passes["depth"], K)
    # Planar interiors: a 7x7 window of one body and one rendered normal (one face).
    same = np.ones(passes["depth"].shape, bool)
    for dy in range(-3, 4):
        for dx in range(-3, 4):
            shifted = np.roll(np.roll(normals, dy, 0), dx, 1)
            same &= (np.roll(np.roll(passes["ids"], dy, 0), dx, 1) == passes["ids"]) & (_angles_deg(shifted, normals) < 1e-3)
    same[:4], same[-4:], same[:, :4], same[:, -4:] = False, False, False, False
    same &= passes["depth"] > 0
    for iid in (1, 2):
        region = same & (passes["ids"] == iid)
        assert region.sum() > 500
        err = _angles_deg(normals[region], estimated[region])
        assert np.median(err) < 0.5 and np.percentile(err, 99) < 2.0, (iid, np.median(err), err.max())


def _cam_label(cam) -> CameraSpec:
    return CameraSpec(K=cam.K, cam_to_world=cam.cam_to_world, width=cam.width, height=cam.height, znear=cam.znear, zfar=cam.zfar)


def test_flow_equals_the_analytic_displacement_and_warps_the_instance_map(renderer):
    """Camera looking along world +x at a frontal box (front face at x = 2) before a wall
    (x = 5); between the frames the box moves 0.15 m left and 0.05 m up, the camera 0.1 m
    forward and 0.08 m right. Points on both planes follow from the ray and the plane alone."""
    wall = make_box(1, (0.2, 30.0, 30.0), translation(5.1, 0, 0), static=True)
    box0, box1 = translation(2.2, 0.1, 0.0), translation(2.2, 0.25, 0.05)
    cams = [make_camera((0.0, 0.0, 0.0), (1.0, 0.0, 0.0), K=K, zfar=20.0),
            make_camera((0.1, -0.08, 0.0), (1.1, -0.08, 0.0), K=K, zfar=20.0)]
    views = []
    for pose, cam in zip((box0, box1), cams, strict=True):
        spec = make_spec([wall, make_box(2, (0.4, 0.6, 0.5), pose)], [cam])
        renderer.load(posed_state(spec))
        passes = renderer.render(cam, ("color", "ids", "depth"))
        views.append((passes, {1: wall.pose, 2: pose}, cam))
    (p0, poses0, c0), (p1, poses1, c1) = views
    flow, valid = rigid_flow(p0["depth"], p0["ids"], _cam_label(c0), poses0, p1["depth"], p1["ids"], _cam_label(c1), poses1)
    H, W = p0["depth"].shape
    rows, cols = np.mgrid[0:H, 0:W]
    for iid, plane_x, motion in ((1, 5.0, np.eye(4)), (2, 2.0, box1 @ np.linalg.inv(box0))):
        on = (p0["ids"] == iid) & valid
        assert on.sum() > 1000
        ray = backproject(K, cols[on] + 0.5, rows[on] + 0.5, np.ones(on.sum()))
        world = ray @ c0.cam_to_world[:3, :3].T  # directions; the camera sits at the origin
        world *= (plane_x / world[:, 0])[:, None]
        moved = world @ motion[:3, :3].T + motion[:3, 3]
        w2c1 = world_to_camera(c1.cam_to_world)
        uv1 = project(K, moved @ w2c1[:3, :3].T + w2c1[:3, 3])
        expected = uv1 - np.stack([cols[on] + 0.5, rows[on] + 0.5], axis=-1)
        assert np.abs(flow[on] - expected).max() < 0.1
    warped, inside = warp_ids(p1["ids"], flow)
    assert inside[valid].all() and np.array_equal(warped[valid], p0["ids"][valid])
    # Points of the wall that the moving box covers at t+1 are not valid.
    covered = (p0["ids"] == 1) & inside & (warped == 2)
    assert covered.sum() > 100 and not valid[covered].any()
    assert 0.5 < valid.mean() < 1.0
    decoded, dvalid = decode_flow(cv2.imdecode(np.frombuffer(encode_flow(flow, valid), np.uint8), cv2.IMREAD_UNCHANGED))
    assert np.array_equal(dvalid, valid) and np.array_equal(decoded[valid], flow[valid])  # on the encoding's grid


def test_cuboid_keypoints_are_the_projected_box_and_follow_the_instance_map(renderer):
    floor = make_box(1, (3.0, 3.0, 0.1), translation(0, 0, -0.05), static=True, category=None)
    R = np.eye(4)
    R[:3, :3] = Rotation.from_euler("z", 30, degrees=True).as_matrix()
    bodies = [floor, make_box(2, (0.3, 0.2, 0.25), translation(0.0, 0.0, 0.125) @ R),
              make_box(3, (0.2, 0.2, 0.4), translation(0.45, 0.3, 0.2))]
    cam = make_camera((1.3, -0.9, 0.9), (0.1, 0.0, 0.1), K=K)
    state = posed_state(make_spec(bodies, [cam]))
    renderer.load(state)
    passes, labels = label_view(renderer, state, cam, {"box": 1})
    assert len(labels.objects) == 2
    flags = []
    for obj in labels.objects:
        kp = obj.keypoints
        points = np.vstack([obj.box3d.corners, obj.box3d.center])
        np.testing.assert_allclose(kp[:, :2], project(K, points), atol=0.51 * 10.0 ** -DECIMALS)  # as written; all in front, all inside
        col, row = np.floor(kp[:, 0]).astype(int), np.floor(kp[:, 1]).astype(int)
        np.testing.assert_array_equal(kp[:, 2] == VISIBLE, passes["ids"][row, col] == obj.instance_id)
        flags += list(kp[:, 2])
    assert VISIBLE in flags and 1 in flags  # both cases met: seen corners and hidden ones


@pytest.fixture(scope="module")
def layered(tmp_path_factory):
    """A short driving sequence with every layer, made by the real command (validated by it)."""
    from helpers import run_simgen

    out = tmp_path_factory.mktemp("layers") / "ds"
    run_simgen("scene=driving", "frames=3", "sequence.length=3", "seed=4", "renderer.width=320", "renderer.height=240",
                      "export.layers=[depth,object_ids,semantic,normals,flow]", f"output_dir={out}", expect=0)
    return out


@pytest.mark.e2e
def test_dataset_records_name_each_layer_and_its_encoding(layered):
    from helpers import load_coco

    from simgen.core.images import read_uint16

    coco = load_coco(layered)
    info = coco.dataset["info"]["layers"]
    assert set(info) == {"depth", "object_ids", "semantic", "normals", "flow"}
    assert info["normals"]["scale"] == pytest.approx(2 / 65535) and info["normals"]["offset"] == -1.0
    assert info["flow"]["scale"] == 1 / 64 and info["flow"]["offset"] == -512.0
    images = sorted(coco.dataset["images"], key=lambda r: r["frame_index"])
    assert [("flow_file" in img) for img in images] == [True, True, False]  # the last frame has no next
    for img in images:
        raw = read_uint16(layered / img["normals_file"]).astype(float)[..., ::-1]  # OpenCV reads BGR
        n = raw * info["normals"]["scale"] + info["normals"]["offset"]  # decoded from the info block alone
        hit = raw.any(axis=-1)
        assert np.allclose(np.linalg.norm(n[hit], axis=-1), 1.0, atol=1e-4)
        assert np.array_equal(hit, read_uint16(layered / img["depth_file"]) > 0)
    flow, valid = decode_flow(read_uint16(layered / images[0]["flow_file"]))
    assert valid.mean() > 0.3 and np.abs(flow[valid]).max() > 0.5  # the ego car moves


@pytest.mark.e2e
def test_validator_names_bad_normals_and_flow(layered, tmp_path):
    import shutil

    from helpers import load_coco

    from simgen.tools.validate import validate_dataset

    assert validate_dataset(layered) == []
    copy = tmp_path / "copy"
    shutil.copytree(layered, copy)
    img = sorted(load_coco(copy).dataset["images"], key=lambda r: r["frame_index"])[0]
    normals = cv2.imread(str(copy / img["normals_file"]), cv2.IMREAD_UNCHANGED)
    normals[normals.any(axis=-1)] = [65535, 32768, 32768]  # length 1 but facing away in z
    cv2.imwrite(str(copy / img["normals_file"]), normals)
    encoded = cv2.imread(str(copy / img["flow_file"]), cv2.IMREAD_UNCHANGED)
    encoded[..., 2] = np.where(encoded[..., 0] > 0, 32768 + 64 * 40, encoded[..., 2])  # 40 px right, everywhere valid
    cv2.imwrite(str(copy / img["flow_file"]), encoded)
    rules = {v.rule for v in validate_dataset(copy)}
    assert {"normals", "flow"} <= rules


def test_keypoint_flags_follow_the_written_coordinates_at_a_pixel_edge():
    """A corner projecting a hair left of a pixel edge (u = 73.99999) is written as 74.0 (four
    decimals), so its flag must be that of pixel column 74, the one a reader looks up."""
    from simgen.annotate.keypoints import HIDDEN, cuboid_keypoints
    from simgen.annotate.labels import Box3D

    K = np.array([[100.0, 0.0, 50.0], [0.0, 100.0, 50.0], [0.0, 0.0, 1.0]])
    u = 73.99999  # pixel column 73 before rounding, 74 after
    center = np.array([(u - 50.0) / 100.0 * 2.0, 0.0, 2.0])  # projects to (u, 50)
    corners = np.tile(center, (8, 1))
    box = Box3D(center=center, size=np.zeros(3), R=np.eye(3), corners=corners)
    ids = np.zeros((100, 100), np.uint16)
    ids[:, 74] = 7  # the object shows in column 74 only
    kp = cuboid_keypoints(box, K, ids, 7)
    assert np.allclose(kp[:, 0], round(u, DECIMALS)) and kp[0, 0] == 74.0
    assert (kp[:, 2] == VISIBLE).all()
    ids[:, 74], ids[:, 73] = 0, 7
    assert (cuboid_keypoints(box, K, ids, 7)[:, 2] == HIDDEN).all()
