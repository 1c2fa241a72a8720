"""``simgen scene=driving lidar=hdl64 export=kitti``: the velodyne/ and labels/ files read back
with plain numpy, projected into the camera with the written calib, against the written depth,
object ids and KITTI boxes."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from helpers import run_simgen
from test_kitti import read_calib, read_label

from simgen.core.images import read_uint16

pytestmark = pytest.mark.skipif(importlib.util.find_spec("embreex") is None,
                                reason="the LiDAR's ray caster needs embreex: pip install -e '.[lidar]'")

# Range noise and the rolling sweep off, and the LiDAR at the camera's centre: the points must be
# where the surfaces are in the picture. Mounted behind the camera (the preset's 27 cm), the LiDAR
# sees past the edges of what is near the image's sides (parallax; test_lidar.py checks the
# mounted LiDAR against a hand-built scene, and the sensor model and the sweep on their own).
ARGS = ["scene=driving", "lidar=hdl64", "export=kitti", "frames=2", "sequence.length=2", "seed=3",
        "renderer.width=480", "renderer.height=160", "lidar.range_noise_std=0", "lidar.sweep_time=0",
        "lidar.mount=[0,0,0]", "report=false"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("lidar") / "ds"
    run_simgen(*ARGS, f"output_dir={out}", expect=0)  # validate=true: the label validator passed too
    return out


def _coco(dataset) -> dict:
    return json.loads((dataset / "annotations" / "instances_train.json").read_text())


def _frames(dataset):
    """(stem, points (n, 4), labels (n,) uint32, calib, COCO image record) of every frame."""
    coco = _coco(dataset)
    for img in coco["images"]:
        stem = img["file_name"].rsplit(".", 1)[0]
        root = dataset / "kitti" / "training"
        points = np.fromfile(root / "velodyne" / f"{stem}.bin", dtype="<f4").reshape(-1, 4)
        labels = np.fromfile(root / "labels" / f"{stem}.label", dtype="<u4")
        yield stem, points, labels, read_calib(root / "calib" / f"{stem}.txt"), img


def _to_camera(points, calib):
    """Camera-frame points (n, 3) and KITTI pixel coordinates (n, 2) (centres on integers)."""
    Tr, P = calib["Tr_velo_to_cam"].reshape(3, 4), calib["P2"].reshape(3, 4)
    pc = points[:, :3].astype(float) @ Tr[:, :3].T + Tr[:, 3]
    uvw = np.column_stack([pc, np.ones(len(pc))]) @ P.T
    with np.errstate(divide="ignore", invalid="ignore"):
        return pc, uvw[:, :2] / uvw[:, 2:3]


@pytest.mark.e2e
def test_velodyne_and_labels_load_with_numpy_and_match_the_npy_and_coco(dataset):
    frames, coco = list(_frames(dataset)), _coco(dataset)
    assert len(frames) == 2
    for _, points, labels, calib, img in frames:
        assert len(points) == len(labels) > 100_000  # about 135,000 rays a turn, most of them return
        assert np.isfinite(points).all() and 0 <= points[:, 3].min() and points[:, 3].max() <= 1
        assert np.linalg.norm(points[:, :3], axis=1).max() <= 120.0 + 1e-3
        table = np.load(dataset / img["lidar_file"])
        np.testing.assert_array_equal(np.column_stack([table["x"], table["y"], table["z"], table["intensity"]]), points)
        np.testing.assert_array_equal(table["instance"], labels >> 16)
        np.testing.assert_array_equal(table["semantic"], labels & 0xFFFF)
        np.testing.assert_allclose(np.asarray(img["lidar_to_camera"])[:3], calib["Tr_velo_to_cam"].reshape(3, 4), atol=1e-8)
        instance, semantic = labels >> 16, labels & 0xFFFF
        assert (instance > 0).sum() > 50 and ((instance > 0) == (semantic > 0)).all()
        category = {a["object_id"]: a["category_id"] for a in coco["annotations"] if a["image_id"] == img["id"]}
        hit = [i for i in np.unique(instance) if i in category]
        assert hit and all((semantic[instance == i] == category[i]).all() for i in hit)  # COCO's category ids


@pytest.mark.e2e
def test_points_land_on_the_depth_map_and_carry_the_ids_of_the_objects_there(dataset):
    for _, points, labels, calib, img in _frames(dataset):
        depth = read_uint16(dataset / img["depth_file"]).astype(float) * img["depth_scale"]
        ids = read_uint16(dataset / img["instance_file"])
        pc, uv = _to_camera(points, calib)
        H, W = depth.shape
        inside = (pc[:, 2] > 0.5) & (uv[:, 0] >= 0) & (uv[:, 1] >= 0) & (uv[:, 0] < W - 1) & (uv[:, 1] < H - 1)
        x0, y0 = np.floor(uv[inside]).astype(int).T
        fx, fy = uv[inside, 0] - x0, uv[inside, 1] - y0
        corners = [(y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)]
        z4 = np.stack([depth[c] for c in corners], 1)
        id4 = np.stack([ids[c] for c in corners], 1)
        instance = (labels >> 16)[inside]
        inv4 = 1.0 / np.where(z4 > 0, z4, np.inf)  # inverse depth is affine in the image over a plane
        # the camera sees the surface the ray hit all around the point: one id (scenery is all 0, so
        # also one smooth plane: no kerb, corner or depth step between the four pixel centres)
        planar = np.abs(inv4[:, 0] + inv4[:, 3] - inv4[:, 1] - inv4[:, 2]) <= 0.002 * inv4.mean(1)
        seen = (id4 == instance[:, None]).all(1) & (z4 > 0).all(1) & (z4.max(1) < 1.05 * z4.min(1)) & planar
        w = np.stack([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy], 1)
        z_camera = 1.0 / (w * inv4).sum(1)
        rng = np.linalg.norm(points[inside, :3], axis=1)
        close = np.abs(z_camera - pc[inside, 2]) <= 0.02 + 0.005 * rng
        print(f"{img['file_name']}: {close[seen].mean():.2%} of {seen.sum()} points the camera sees land on the depth map")
        assert seen.sum() > 3_000 and close[seen].mean() >= 0.995, (seen.sum(), close[seen].mean())
        # points whose pixel shows an object and that the camera sees at their depth carry its id
        u, v = np.rint(uv[inside]).astype(int).T
        pixel = ids[v, u]
        at_depth = np.abs(depth[v, u] - pc[inside, 2]) <= 0.02 + 0.005 * rng
        on_object = (pixel > 0) & at_depth
        share = (instance[on_object] == pixel[on_object]).mean()
        print(f"{img['file_name']}: {share:.2%} of {on_object.sum()} points on object pixels carry the object's id")
        assert on_object.sum() > 200 and share >= 0.99


@pytest.mark.e2e
def test_points_inside_a_kitti_box_carry_that_objects_id(dataset):
    checked = 0
    for stem, points, labels, calib, _ in _frames(dataset):
        pc, _ = _to_camera(points, calib)
        instance = labels >> 16
        for obj in read_label(dataset / "kitti" / "training" / "label_2" / f"{stem}.txt"):
            if obj["type"] == "DontCare":
                continue
            h, w, length = obj["hwl"]
            c, s = np.cos(obj["ry"]), np.sin(obj["ry"])
            R = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])  # the devkit's rotation about the camera's y
            local = (pc - obj["xyz"]) @ R
            margin = 0.1  # range quantization aside, points on a face or the road under the box are not inside
            inner = ((np.abs(local[:, 0]) < length / 2 - margin) & (local[:, 1] < -margin) & (local[:, 1] > -h + margin)
                     & (np.abs(local[:, 2]) < w / 2 - margin))
            if inner.sum() < 5:
                continue
            ids, counts = np.unique(instance[inner], return_counts=True)
            assert ids[np.argmax(counts)] > 0 and counts.max() / inner.sum() >= 0.99, (obj, dict(zip(ids, counts, strict=True)))
            checked += 1
    assert checked >= 3
