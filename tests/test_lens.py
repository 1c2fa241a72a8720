"""Lenses (simgen.core.lens, simgen.render.lens): the remap maps, the distorted projection and
the labels of a scene drawn through a lens, checked against OpenCV's own projection."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from helpers import (
    HEIGHT,
    WIDTH,
    config_error,
    label_view,
    make_box,
    make_camera,
    make_spec,
    translation,
)

from simgen.annotate.geometry import box3d
from simgen.annotate.keypoints import HIDDEN, OUTSIDE, VISIBLE, cuboid_keypoints
from simgen.core.camera import intrinsics, world_to_camera
from simgen.core.distortion import LensError, lens_view
from simgen.core.lens import Lens, source_size
from simgen.physics.state import posed_state

# Mild barrel distortion that stays monotone (r - 0.3 r^3 + 0.1 r^5 rises everywhere), and an
# equidistant fisheye; render_scale 2 draws a 160 x 120 image on the tests' 320 x 240 renderer.
OPENCV = Lens("opencv", (-0.3, 0.1, 0.002, -0.001, 0.0, 0.0, 0.0, 0.0), render_scale=2.0)
FISHEYE = Lens("fisheye", (0.05, -0.02, 0.004, 0.0), render_scale=2.0)
RADIAL = Lens("opencv", (-0.3, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0), render_scale=2.0)  # undistorted by table
W, H = WIDTH // 2, HEIGHT // 2
ZERO = np.zeros(3)


def cv_project(lens: Lens, K: np.ndarray, points: np.ndarray) -> np.ndarray:
    """OpenCV's projection of camera-frame points (n, 3), as a user of the files would call it."""
    pts = np.asarray(points, float).reshape(-1, 1, 3)
    dist = np.asarray(lens.dist, float)
    if lens.model == "fisheye":
        return cv2.fisheye.projectPoints(pts, ZERO, ZERO, K, dist)[0].reshape(-1, 2)
    return cv2.projectPoints(pts, ZERO, ZERO, K, dist)[0].reshape(-1, 2)


@pytest.mark.parametrize("lens", [OPENCV, RADIAL, FISHEYE], ids=["opencv", "opencv-radial", "fisheye"])
def test_each_pixel_samples_the_source_pixel_its_ray_meets(lens):
    K = intrinsics(W, H, 60.0)
    view = lens_view(lens, K, W, H)
    assert view.size == source_size(W, H, lens.render_scale) == (WIDTH, HEIGHT) and view.inside.all()
    # Source coordinates of every pixel centre, as rays, projected by OpenCV: the pixel centres.
    su, sv = view.map_x.astype(float) + 0.5, view.map_y.astype(float) + 0.5
    rays = np.stack([(su - view.K[0, 2]) / view.K[0, 0], (sv - view.K[1, 2]) / view.K[1, 1], np.ones_like(su)], -1)
    uv = cv_project(lens, K, rays.reshape(-1, 3)).reshape(H, W, 2)
    cols, rows = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)
    assert np.abs(uv[..., 0] - cols).max() < 1e-3 and np.abs(uv[..., 1] - rows).max() < 1e-3
    # Nearest-neighbour passes take the source pixel holding that point.
    assert np.array_equal(view.cols, np.floor(su).astype(int)) and np.array_equal(view.rows, np.floor(sv).astype(int))
    # Barrel distortion: the image sees wider than its pinhole K would.
    x0, y0, x1, y1 = view.bounds
    assert x1 - x0 > W / K[0, 0] and y1 - y0 > H / K[1, 1]


def test_a_lens_that_folds_over_inside_the_image_is_refused():
    with pytest.raises(LensError, match="folds over"):
        lens_view(Lens("opencv", (-0.6, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)), intrinsics(W, H, 90.0), W, H)


def test_keypoints_through_a_lens_are_opencvs_projection():
    K = intrinsics(W, H, 60.0)
    T = np.eye(4)
    T[:3, 3] = (0.35, -0.2, 1.2)  # off the axis, where distortion is strong
    box = box3d(np.array([[-0.1, -0.08, -0.1], [0.1, 0.08, 0.1]]), T)
    ids = np.full((H, W), 7, np.int32)
    kp = cuboid_keypoints(box, K, ids, 7, OPENCV)
    expected = cv_project(OPENCV, K, np.vstack([box.corners, box.center[None]]))
    assert (kp[:, 2] == VISIBLE).all()
    assert np.abs(kp[:, :2] - expected).max() < 0.5
    # ... which is not the pinhole's.
    assert np.abs(cuboid_keypoints(box, K, ids, 7)[:, :2] - expected).max() > 1.5
    # A corner far past what the lens sees is outside, wherever the polynomial folds it to.
    far = box3d(np.array([[3.0, -0.1, 0.5], [3.2, 0.1, 0.7]]), np.eye(4))
    assert (cuboid_keypoints(far, K, ids, 7, OPENCV)[:, 2] == OUTSIDE).all()
    assert (cuboid_keypoints(box, K, np.zeros((H, W), np.int32), 7, OPENCV)[:, 2] == HIDDEN).all()


def lens_camera(lens: Lens):
    return replace(make_camera((0, -1.0, 0), (0, 0, 0), fov_y=60.0, width=W, height=H), lens=lens)


@pytest.mark.parametrize("lens", [OPENCV, FISHEYE], ids=["opencv", "fisheye"])
def test_a_straight_edge_curves_as_the_lens_says(renderer, lens):
    """A wall whose left edge is the vertical line x = 0.5 m, 0.99 m ahead: the id map's
    boundary in each row follows OpenCV's projection of that line, and bows away from a line."""
    cam = lens_camera(lens)
    wall = make_box(1, (1.0, 0.02, 3.0), translation(1.0, 0.0, 0.0))
    state = posed_state(make_spec([wall], [cam]))
    renderer.load(state)
    arrays, labels = label_view(renderer, state, cam, {"box": 1})
    ids = arrays["ids"]
    assert ids.shape == (H, W)
    # The edge in the camera frame, projected by OpenCV.
    t = np.linspace(-1.4, 1.4, 4001)
    w2c = world_to_camera(cam.cam_to_world)
    edge = np.column_stack([np.full_like(t, 0.5), np.full_like(t, -0.01), t]) @ w2c[:3, :3].T + w2c[:3, 3]
    uv = cv_project(lens, cam.K, edge)
    order = np.argsort(uv[:, 1])
    rows = np.arange(H)
    expected = np.interp(rows + 0.5, uv[order, 1], uv[order, 0])
    on_wall = ids == 1
    first = np.argmax(on_wall, axis=1).astype(float)  # the first wall pixel of each row
    assert on_wall.any(axis=1).all()
    assert np.abs(first + 0.5 - expected).max() <= 1.0, np.abs(first + 0.5 - expected).max()
    # It curves: its middle lies pixels off the chord between its ends, as the lens says.
    chord = first[0] + (first[-1] - first[0]) * rows / (H - 1)
    bow, said = np.abs(first - chord).max(), np.abs(expected - (expected[0] + (expected[-1] - expected[0]) * rows / (H - 1))).max()
    assert bow > 3.0 and abs(bow - said) <= 1.5
    # The labels are the remapped id map's: mask, box and area.
    (obj,) = labels.objects
    mask = labels.instance_map == 1
    r, c = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    assert obj.area == int(mask.sum()) == int(on_wall.sum())
    assert obj.bbox == [float(c[0]), float(r[0]), float(c[-1] + 1 - c[0]), float(r[-1] + 1 - r[0])]
    # Cut by the top, bottom and right borders: truncated, not occluded.
    assert obj.visibility == pytest.approx(1.0) and 0.0 < obj.truncation < 1.0


def test_settings_of_the_lens_are_checked_in_one_line():
    assert "camera.model='zoom'" in config_error("camera.model=zoom")
    assert "camera.p1=0.5" in config_error("camera.model=opencv", "camera.p1=0.5")
    assert "camera.k5" in config_error("camera.model=fisheye", "camera.k5=0.1")
    assert "camera.k1" in config_error("camera.k1=0.1")  # a pinhole has no coefficients
    message = config_error("camera=driving_front_wide", "export=kitti")
    assert "kitti" in message and "camera.model=fisheye is refused" in message
    assert "camera.model=opencv is refused" in config_error("camera=robot_arm_mild", "export=bop")


@pytest.mark.e2e
def test_a_lens_dataset_reads_back_with_opencvs_projection(tmp_path):
    """The robot-arm preset through the command: every image record carries the lens in
    OpenCV's convention, the written keypoints are cv2.projectPoints of the written 3D boxes
    with the written K and dist, and each mask is its object's pixels in the instance map."""
    from helpers import SMALL_RUN, run_simgen
    from pycocotools import mask as rle

    from simgen.store.dataset import load_coco

    out = tmp_path / "ds"
    run_simgen("scene=tabletop", "frames=2", "camera=robot_arm_mild", f"output_dir={out}", *SMALL_RUN, expect=0)
    coco = load_coco(out)
    by_image = {img["id"]: img for img in coco["images"]}
    assert len(by_image) == 2 and coco["annotations"]
    for img in by_image.values():
        cam = img["camera"]
        assert cam["model"] == "opencv" and cam["dist"] == [-0.08, 0.02, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    checked = 0
    for ann in coco["annotations"]:
        img = by_image[ann["image_id"]]
        K, dist = np.asarray(img["camera"]["K"], float), np.asarray(img["camera"]["dist"], float)
        box = ann["bbox_3d"]
        points = np.vstack([box["corners"], [box["center"]]]).reshape(-1, 1, 3)
        uv = cv2.projectPoints(points, ZERO, ZERO, K, dist)[0].reshape(-1, 2)
        kp = np.asarray(ann["keypoints"], float).reshape(-1, 3)
        shown = kp[:, 2] > 0
        assert np.abs(kp[shown, :2] - uv[shown]).max(initial=0.0) < 0.5
        checked += int(shown.sum())
        instances = cv2.imread(str(out / img["instance_file"]), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(rle.decode(ann["segmentation"]).astype(bool), instances == ann["object_id"])
    assert checked >= 9


def test_flow_through_a_lens_follows_opencvs_projection_both_ways():
    """A camera 0.1 m nearer a wall 2 m ahead: each pixel's flow is where OpenCV undistorts its
    centre onto the wall and projects that point from the second camera."""
    from simgen.annotate.flow import FLOW_SCALE, rigid_flow

    cam0 = lens_camera(OPENCV)
    moved = cam0.cam_to_world.copy()
    moved[:3, 3] += 0.1 * moved[:3, 2]  # along the optical axis
    cam1 = replace(cam0, cam_to_world=moved)
    ids = np.ones((H, W), np.int32)
    flow, valid = rigid_flow(np.full((H, W), 2.0, np.float32), ids, cam0, {1: np.eye(4)},
                             np.full((H, W), 1.9, np.float32), ids, cam1, {1: np.eye(4)})
    cols, rows = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)
    centres = np.column_stack([cols.ravel(), rows.ravel()]).reshape(-1, 1, 2)
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-12)
    xy = cv2.undistortPoints(centres, cam0.K, np.asarray(OPENCV.dist), criteria=criteria).reshape(-1, 2)
    after = np.column_stack([xy * 2.0, np.full(len(xy), 1.9)])
    expected = cv_project(OPENCV, cam1.K, after) - centres.reshape(-1, 2)
    assert valid.mean() > 0.8  # all but the border the wall leaves as the camera nears it
    error = np.abs(flow.reshape(-1, 2) - expected)[valid.ravel()]
    assert error.max() <= 0.5 / FLOW_SCALE + 1e-3
    # The wall grows in the image: flow points outwards, pixels long at the edges.
    assert np.abs(expected).max() > 3.0
