"""KITTI export: a KITTI-like run (1242 x 375, a 10-frame sequence) read back with a parser of
the KITTI devkit's format, checked against the scene it was made from and against COCO."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import config_error, load_test_job, run_simgen
from pycocotools.coco import COCO

from simgen.annotate.geometry import box3d
from simgen.annotate.labels import ObjectLabel
from simgen.core.camera import intrinsics, look_at, world_to_camera
from simgen.core.images import read_uint16
from simgen.core.spec import CameraSpec
from simgen.export import kitti
from simgen.randomizers import RecipeContext, build_scene
from simgen.tools.validate import validate_dataset

ARGS = ["scene=driving", "renderer=kitti", "export=kitti", "frames=10", "sequence.length=10", "seed=2"]
KITTI_TYPES = {"Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc", "DontCare"}
LEVELS = (0.9, 0.5)


def read_label(path) -> list[dict]:
    """A label_2 file as the KITTI object devkit defines it (15 values per object)."""
    out = []
    for line in path.read_text().splitlines():
        f = line.split()
        assert len(f) == 15, line
        v = [float(x) for x in f[1:]]
        out.append({"type": f[0], "truncated": v[0], "occluded": int(f[2]), "alpha": v[2], "bbox": v[3:7],
                    "hwl": v[7:10], "xyz": np.array(v[10:13]), "ry": v[13]})
    return out


def read_calib(path) -> dict[str, np.ndarray]:
    return {k: np.array(v.split(), float) for k, v in (line.split(":", 1) for line in path.read_text().splitlines())}


def kitti_corners(h, w, length, xyz, ry) -> np.ndarray:
    """(8, 3) box corners from KITTI's fields, as the devkit's computeBox3D builds them."""
    x = np.array([1, 1, -1, -1, 1, 1, -1, -1]) * length / 2
    y = np.array([0, 0, 0, 0, -1, -1, -1, -1]) * h
    z = np.array([1, -1, -1, 1, 1, -1, -1, 1]) * w / 2
    R = np.array([[np.cos(ry), 0, np.sin(ry)], [0, 1, 0], [-np.sin(ry), 0, np.cos(ry)]])
    return (R @ np.stack([x, y, z])).T + xyz


def wrap(a):
    return (a + np.pi) % (2 * np.pi) - np.pi


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("kitti") / "ds"
    run_simgen(*ARGS, f"output_dir={out}", expect=0)  # validate=true: the label validator passed too
    return out


@pytest.fixture(scope="module")
def spec():
    """The scene the dataset was made from, rebuilt from the same configuration and seed."""
    _, job = load_test_job(*ARGS)
    ctx = RecipeContext(scene=job.scene, width=job.renderer.width, height=job.renderer.height, sequence=job.sequence)
    return build_scene(0, job.seed, ctx)


@pytest.fixture(scope="module")
def coco(dataset):
    return COCO(str(dataset / "annotations" / "instances_train.json"))


def _matched(dataset, coco, img):
    """(KITTI object, COCO annotation) pairs of one image: label_2 lists the written objects in
    instance order, as COCO does."""
    stem = img["file_name"].rsplit(".", 1)[0]
    objs = [o for o in read_label(dataset / "kitti" / "training" / "label_2" / f"{stem}.txt") if o["type"] != "DontCare"]
    types = kitti.KittiConfig().types
    anns = sorted((a for a in coco.imgToAnns[img["id"]] if not a["ignore"]), key=lambda a: a["object_id"])
    anns = [a for a in anns if types.get(coco.cats[a["category_id"]]["name"], "")]
    assert len(objs) == len(anns)
    return list(zip(objs, anns, strict=True))


@pytest.mark.e2e
def test_layout_and_coco(dataset, coco):
    assert validate_dataset(dataset) == []
    assert len(coco.imgs) == 10
    frames = sorted((im["sequence_id"], im["frame_index"], im["camera_index"]) for im in coco.imgs.values())
    assert frames == [(0, k, 0) for k in range(10)]
    for im in coco.imgs.values():
        stem = im["file_name"].rsplit(".", 1)[0]
        for folder, ext in (("image_2", "png"), ("label_2", "txt"), ("calib", "txt")):
            assert (dataset / "kitti" / "training" / folder / f"{stem}.{ext}").is_file()
        assert (im["width"], im["height"]) == (1242, 375)


@pytest.mark.e2e
def test_calib_matches_the_camera(dataset, coco):
    for im in coco.imgs.values():
        stem = im["file_name"].rsplit(".", 1)[0]
        c = read_calib(dataset / "kitti" / "training" / "calib" / f"{stem}.txt")
        K = np.asarray(im["camera"]["K"])
        P = np.c_[K, np.zeros(3)] - [[0, 0, 0.5, 0], [0, 0, 0.5, 0], [0, 0, 0, 0]]
        for name in ("P0", "P1", "P2", "P3"):
            assert np.allclose(c[name].reshape(3, 4), P, atol=1e-6)
        assert np.allclose(c["R0_rect"].reshape(3, 3), np.eye(3))
        assert np.allclose(c["Tr_imu_to_velo"].reshape(3, 4), np.eye(4)[:3])
        tr = c["Tr_velo_to_cam"].reshape(3, 4)
        up = np.asarray(im["camera"]["cam_to_world"])[2, :3]
        assert np.allclose(tr[:, 2], up, atol=1e-6) and np.allclose(tr[:, 2], [0, -1, 0], atol=1e-6)  # a level rig
        assert np.allclose(tr[:, :3] @ tr[:, :3].T, np.eye(3), atol=1e-9) and np.linalg.det(tr[:, :3]) > 0


@pytest.mark.e2e
def test_labels_agree_with_the_scene_and_with_coco(dataset, coco, spec):
    """Dimensions are the bodies' sizes, location their bottom centre (the link origin) in the
    camera, rotation_y their heading; truncation and occlusion follow COCO's ratios."""
    bodies = {b.instance_id: b for b in spec.bodies}
    levels, n = set(), 0
    for img in coco.imgs.values():
        cam = np.asarray(img["camera"]["cam_to_world"])
        w2c = world_to_camera(cam)
        frame = spec.frames[img["frame_index"]]
        for obj, ann in _matched(dataset, coco, img):
            body = bodies[ann["object_id"]]
            length, width, height = body.asset.size[:3]
            assert obj["hwl"] == pytest.approx([height, width, length], abs=1e-4)
            pose = w2c @ frame.poses.get(body.instance_id, body.pose)
            assert obj["xyz"] == pytest.approx(pose[:3, 3], abs=1e-4)
            heading = pose[:3, 0]
            assert abs(wrap(obj["ry"] - np.arctan2(-heading[2], heading[0]))) < 2e-4
            assert abs(wrap(obj["alpha"] - (obj["ry"] - np.arctan2(obj["xyz"][0], obj["xyz"][2])))) < 3e-4
            assert obj["truncated"] == pytest.approx(ann["truncation"], abs=1e-4)
            v = ann["visibility"]
            expected = 0 if v >= LEVELS[0] else 1 if v >= LEVELS[1] else 2
            assert obj["occluded"] == expected, (v, obj["occluded"])
            assert obj["type"] in KITTI_TYPES
            levels.add(obj["occluded"])
            n += 1
    assert n > 50 and levels >= {0, 1, 2}


@pytest.mark.e2e
def test_3d_box_projected_with_calib_contains_2d_box(dataset, coco):
    checked = 0
    for img in coco.imgs.values():
        stem = img["file_name"].rsplit(".", 1)[0]
        P = read_calib(dataset / "kitti" / "training" / "calib" / f"{stem}.txt")["P2"].reshape(3, 4)
        for obj, ann in _matched(dataset, coco, img):
            corners = kitti_corners(*obj["hwl"], obj["xyz"], obj["ry"])
            if (corners[:, 2] < 0.1).any():
                continue
            uv = (P @ np.c_[corners, np.ones(8)].T).T
            uv = uv[:, :2] / uv[:, 2:]
            left, top, right, bottom = obj["bbox"]  # edges: the last covered pixel is right - 1
            assert uv[:, 0].min() - 0.6 <= left < right <= uv[:, 0].max() + 1.6
            assert uv[:, 1].min() - 0.6 <= top < bottom <= uv[:, 1].max() + 1.6
            # the KITTI box is the amodal box clipped to the image, its edges in pixels
            x, y, w, h = ann["bbox_amodal"]
            assert left == pytest.approx(max(x, 0)) and right == pytest.approx(min(x + w, img["width"]))
            assert top == pytest.approx(max(y, 0)) and bottom == pytest.approx(min(y + h, img["height"]))
            checked += 1
    assert checked > 50


@pytest.mark.e2e
def test_ignore_regions_are_dont_care(dataset, coco):
    """Objects below the label policy (COCO iscrowd) are KITTI DontCare boxes over their
    visible pixels, in the same order; nothing else is DontCare."""
    types = kitti.KittiConfig().types
    seen = 0
    for img in coco.dataset["images"]:
        stem = img["file_name"].rsplit(".", 1)[0]
        care = [o for o in read_label(dataset / "kitti" / "training" / "label_2" / f"{stem}.txt") if o["type"] == "DontCare"]
        anns = sorted((a for a in coco.imgToAnns[img["id"]] if a["iscrowd"] and a["area"] > 0
                       and types.get(coco.cats[a["category_id"]]["name"], "")), key=lambda a: a["object_id"])
        assert len(care) == len(anns)
        for o, a in zip(care, anns, strict=True):
            x, y, w, h = a["bbox"]
            assert o["bbox"] == pytest.approx([x, y, x + w, y + h], abs=0.01)
            assert a["ignore_reason"] in ("small", "occluded", "truncated")
            seen += 1
    assert seen > 0  # the default policy (16 px) makes far-away cars ignore regions


@pytest.mark.e2e
def test_tracks_keep_their_instance_ids(dataset, coco, spec):
    """An instance keeps its category and size through the sequence, and its world position
    advances by its speed times the time step between consecutive frames."""
    dt = spec.frames[1].time - spec.frames[0].time
    seen: dict[int, dict[int, dict]] = {}
    for img in coco.imgs.values():
        cam = np.asarray(img["camera"]["cam_to_world"])
        for ann in coco.imgToAnns[img["id"]]:
            world = cam[:3, :3] @ np.asarray(ann["object_pose"]["t"]) + cam[:3, 3]
            seen.setdefault(ann["object_id"], {})[img["frame_index"]] = {"p": world, "cat": ann["category_id"],
                                                                         "size": ann["bbox_3d"]["size"]}
    speeds = {iid: t.speed for iid, t in spec.context.tracks.items()}
    steps = 0
    for iid, frames in seen.items():
        first = next(iter(frames.values()))
        assert all(f["cat"] == first["cat"] and np.allclose(f["size"], first["size"]) for f in frames.values())
        for k in frames:
            if k + 1 in frames:
                moved = np.linalg.norm(frames[k + 1]["p"] - frames[k]["p"])
                assert moved == pytest.approx(speeds[iid] * dt, abs=1e-4)
                steps += speeds[iid] > 0
    assert steps > 20


@pytest.mark.e2e
def test_far_depth_is_stored(dataset, coco):
    """Depth past 65.5 m (the 1 mm uint16 range) keeps its value: 1/256 m steps to 256 m."""
    far = 0
    for img in coco.imgs.values():
        depth = read_uint16(dataset / img["depth_file"]).astype(float) * img["depth_scale"]
        for ann in coco.imgToAnns[img["id"]]:
            if ann["depth_range"] and ann["depth_range"][1] > 65.6:
                z = depth[coco.annToMask(ann).astype(bool)]
                assert z.min() >= ann["depth_range"][0] - img["depth_scale"] and z.max() <= ann["depth_range"][1] + img["depth_scale"]
                far += 1
    assert far > 0


def _object(R: np.ndarray, t, size) -> ObjectLabel:
    """A labeled object whose link origin is its bottom centre, posed by (R, t) in the camera."""
    length, width, height = size
    bounds = np.array([[-length / 2, -width / 2, 0.0], [length / 2, width / 2, height]])
    T = np.eye(4)
    T[:3, :3], T[:3, 3] = R, t
    return ObjectLabel(instance_id=1, category="car", category_id=1, bbox=[10, 10, 5, 5], area=25, rle={},
                       bbox_amodal=[8, 9, 9, 7], amodal_area=40, full_area=50, visibility=0.625, truncation=0.2,
                       R=R, t=np.asarray(t, float), box3d=box3d(bounds, T), depth_range=[9.0, 11.0])


def test_height_comes_from_the_up_axis_and_heading_gives_rotation_y():
    """Closed form: a level camera looking along world +x sees a body turned by yaw about world
    z with rotation_y = -(pi/2 + yaw); a body lying with its x axis up has height = its x size."""
    cam_to_world = look_at(np.array([0.0, 0.0, 1.5]), np.array([10.0, 0.0, 1.5]))
    camera = CameraSpec(K=intrinsics(640, 480, 50.0), cam_to_world=cam_to_world, width=640, height=480, znear=1.0, zfar=200.0)
    w2c = world_to_camera(cam_to_world)
    for yaw in (0.0, 0.5, -2.0, 3.0):
        world = np.eye(4)
        c, s = np.cos(yaw), np.sin(yaw)
        world[:3, :3] = [[c, -s, 0], [s, c, 0], [0, 0, 1]]
        world[:3, 3] = (12.0, 2.0, 0.0)
        T = w2c @ world
        obj = _object(T[:3, :3], T[:3, 3], (4.0, 1.8, 1.5))
        f = kitti.label_line(obj, camera, kitti.KittiConfig()).split()
        assert [float(v) for v in f[8:11]] == pytest.approx([1.5, 1.8, 4.0])
        assert [float(v) for v in f[11:14]] == pytest.approx([-2.0, 1.5, 12.0], abs=1e-4)  # bottom centre
        assert abs(wrap(float(f[14]) + np.pi / 2 + yaw)) < 1e-4
        assert (int(f[2]), float(f[1])) == (1, 0.2)
        assert [float(v) for v in f[4:8]] == [8.0, 9.0, 17.0, 16.0]
    lying = np.eye(4)
    lying[:3, :3] = [[0, 0, -1], [0, 1, 0], [1, 0, 0]]  # link x up, link z along -world x
    lying[:3, 3] = (12.0, 0.0, 0.3)  # link x spans -0.3..0.3: the lowest face touches the ground
    T = w2c @ lying
    obj = _object(T[:3, :3], T[:3, 3], (0.6, 0.5, 2.0))
    f = kitti.label_line(obj, camera, kitti.KittiConfig(bbox="visible")).split()
    assert float(f[8]) == pytest.approx(0.6)  # height: the size along the axis pointing up
    assert float(f[10]) == pytest.approx(0.5)  # length: the first other axis (link y)
    assert float(f[12]) == pytest.approx(1.5, abs=1e-6)  # bottom face on the ground, 1.5 m below the camera
    assert [float(v) for v in f[4:8]] == [10.0, 10.0, 15.0, 15.0]
    assert kitti.label_line(_object(T[:3, :3], T[:3, 3], (1, 1, 1)), camera, kitti.KittiConfig(types={"car": ""})) is None


def test_bad_kitti_settings_are_one_line_errors(tmp_path):
    for arg, key in (("export.kitti.bbox=full", "export.kitti.bbox"), ("export.kitti.occlusion_levels=[0.3,0.8]", "export.kitti.occlusion_levels")):
        assert key in config_error("scene=driving", "export=kitti", arg, f"output_dir={tmp_path / 'x'}")
        assert not (tmp_path / "x").exists()
    assert json.dumps(kitti.KittiConfig().types)


def test_kitti_boxes_are_edges_so_a_one_pixel_object_is_one_pixel_wide():
    """right - left and bottom - top are COCO's w and h (tools read width = right - left); a
    1-pixel object was written right = left, a zero-width box Datumaro's validator flags."""
    from types import SimpleNamespace

    from simgen.export.kitti import dont_care_line, pixel_box

    cam = SimpleNamespace(width=100, height=50)
    one = SimpleNamespace(bbox=[7.0, 3.0, 1.0, 1.0], bbox_amodal=[-4.0, 45.0, 20.0, 9.0])
    assert pixel_box(one, cam, "visible") == (7.0, 3.0, 8.0, 4.0)
    assert pixel_box(one, cam, "amodal") == (0.0, 45.0, 16.0, 50.0)  # clipped to the image
    left, top, right, bottom = (float(v) for v in dont_care_line(one, cam).split()[4:8])
    assert (right - left, bottom - top) == (1.0, 1.0)
