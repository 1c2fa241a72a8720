"""BOP export: files read back as BOP defines them, and checked against the geometry.

One small dataset is made once, by the CLI in a subprocess, from a user folder (OBJ, STL in
millimetres, textured GLB, concave OBJ) dropped into the bin with distractors.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import trimesh
from helpers import config_error, run_simgen
from mesh_fixtures import make_parts
from scipy.spatial.distance import pdist

from simgen.annotate.masks import decode_rle
from simgen.core.camera import world_to_camera
from simgen.core.images import read_uint16

SCENE_IDS = ("000000", "000001")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("bop")
    parts = make_parts(root / "parts", concave=True)
    out = root / "dataset"
    run_simgen("scene=bin_picking", f"assets.dirs=[{parts}]", "export=bop",
               "frames=6", "seed=3", "scene.views_per_scene=3", "scene.min_objects=12", "scene.max_objects=14", "scene.bin.inner_size=[0.14,0.1]",
               "scene.camera.overhead_height_min=0.2", "scene.camera.overhead_height_max=0.3",
               "scene.camera.radius_min=0.25", "scene.camera.radius_max=0.35",  # close: some objects truncated
               "renderer.width=320", "renderer.height=240", f"assets.cache_dir={tmp_path_factory.getbasetemp() / 'simgen-cache'}",
               f"output_dir={out}", cwd=root, expect=0)
    return out


def _load(path: Path):
    return json.loads(path.read_text())


def _scenes(dataset: Path):
    for sid in SCENE_IDS:
        d = dataset / "bop" / "train_pbr" / sid
        yield d, _load(d / "scene_camera.json"), _load(d / "scene_gt.json"), _load(d / "scene_gt_info.json")


def _model(dataset: Path, obj_id: int) -> trimesh.Trimesh:
    return trimesh.load(dataset / "bop" / "models" / f"obj_{obj_id:06d}.ply", process=False)


def _png(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None, path
    return image


def rasterize(points_cam: np.ndarray, faces: np.ndarray, K: np.ndarray, height: int, width: int):
    """Silhouette and z-depth (model units) of a mesh under bop_toolkit's renderers' pixel
    convention (pixel (i, j)'s centre at (i + 0.5, j + 0.5) for ``K``): per triangle, pixels
    whose centre lies inside it, depth where the pixel's ray meets the triangle's plane,
    nearest kept."""
    z = np.full((height, width), np.inf)
    # Project with K, then shift by half a pixel so that integer grid points are pixel centres.
    uv = points_cam[:, :2] / points_cam[:, 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2] - 0.5, K[1, 2] - 0.5]
    for face in faces:
        p = uv[face]
        x0, y0 = np.maximum(np.floor(p.min(axis=0)).astype(int), 0)
        x1, y1 = np.minimum(np.ceil(p.max(axis=0)).astype(int), [width - 1, height - 1])
        (ax, ay), (bx, by), (cx, cy) = p
        area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
        if x1 < x0 or y1 < y0 or abs(area) < 1e-12:
            continue
        ys, xs = np.mgrid[y0:y1 + 1, x0:x1 + 1].astype(float)
        w0 = ((bx - xs) * (cy - ys) - (by - ys) * (cx - xs)) / area
        w1 = ((cx - xs) * (ay - ys) - (cy - ys) * (ax - xs)) / area
        inside = (w0 >= 0) & (w1 >= 0) & (1 - w0 - w1 >= 0)
        if not inside.any():
            continue
        a, b, c = points_cam[face]
        n = np.cross(b - a, c - a)
        rays = np.stack([(xs + 0.5 - K[0, 2]) / K[0, 0], (ys + 0.5 - K[1, 2]) / K[1, 1], np.ones_like(xs)], axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            depth = np.where(inside, (a @ n) / (rays @ n), np.inf)
        window = z[y0:y1 + 1, x0:x1 + 1]
        np.minimum(window, depth, out=window)
    hit = np.isfinite(z)
    return hit, np.where(hit, z, 0.0)


@pytest.mark.e2e
def test_layout_models_in_millimetres_and_models_info(dataset):
    from simgen.assets.geometry import load_asset
    from simgen.assets.user import scan
    from simgen.config.schema import AssetsConfig
    from simgen.core.spec import AssetRef

    coco = _load(dataset / "annotations" / "instances_train.json")
    names = [c["name"] for c in coco["categories"]]
    assert names == ["block", "channel", "peg_mm", "tile"]
    info = _load(dataset / "bop" / "models" / "models_info.json")
    assert sorted(info, key=int) == ["1", "2", "3", "4"]
    user = {a.category: a for a in scan(AssetsConfig(dirs=[str(dataset.parent / "parts")], cache_dir=str(dataset.parent.parent / "simgen-cache")))}
    for obj_id, name in enumerate(names, start=1):
        model = _model(dataset, obj_id)
        a = user[name]
        mesh_m = load_asset(AssetRef(kind="mesh", path=a.path, scale=a.scale, collision=a.collision)).mesh
        np.testing.assert_allclose(model.bounds, mesh_m.bounds * 1000.0, atol=1e-4)  # mm, link frame
        rec = info[str(obj_id)]
        assert rec["diameter"] == pytest.approx(pdist(model.vertices).max(), abs=1e-5)  # PLY keeps 8 decimals
        for k, axis in enumerate("xyz"):
            assert rec[f"min_{axis}"] == pytest.approx(model.bounds[0, k], abs=1e-6)
            assert rec[f"size_{axis}"] == pytest.approx(model.extents[k], abs=1e-6)
    assert model.visual.kind == "vertex"  # the GLB's texture, sampled onto its vertices
    for d, cams, gts, infos in _scenes(dataset):
        assert sorted(cams) == sorted(gts) == sorted(infos) == ["0", "1", "2"]
        for im, objs in gts.items():
            assert (d / "rgb" / f"{int(im):06d}.png").is_file() and (d / "depth" / f"{int(im):06d}.png").is_file()
            assert len(objs) == len(infos[im]) > 0
            for gt in range(len(objs)):
                assert (d / "mask" / f"{int(im):06d}_{gt:06d}.png").is_file()
                assert (d / "mask_visib" / f"{int(im):06d}_{gt:06d}.png").is_file()


@pytest.mark.e2e
def test_cameras_match_the_coco_record_in_millimetres(dataset):
    coco = _load(dataset / "annotations" / "instances_train.json")
    images = {(im["scene_index"], im["view_index"]): im for im in coco["images"]}
    for d, cams, _, _ in _scenes(dataset):
        for im, cam in cams.items():
            rec = images[(int(d.name), int(im))]
            K = np.array(rec["camera"]["K"])
            np.testing.assert_allclose(np.reshape(cam["cam_K"], (3, 3)), K, atol=1e-6)  # no half-pixel shift
            w2c = world_to_camera(np.array(rec["camera"]["cam_to_world"]))
            np.testing.assert_allclose(np.reshape(cam["cam_R_w2c"], (3, 3)), w2c[:3, :3], atol=1e-5)
            np.testing.assert_allclose(cam["cam_t_w2c"], w2c[:3, 3] * 1000.0, atol=1e-2)
            assert cam["depth_scale"] == pytest.approx(rec["depth_scale"] * 1000.0)
            # the BOP depth is simgen's depth in depth_scale mm units
            bop_mm = _png(d / "depth" / f"{int(im):06d}.png") * cam["depth_scale"]
            simgen_m = read_uint16(dataset / rec["depth_file"]) * rec["depth_scale"]
            np.testing.assert_allclose(bop_mm, simgen_m * 1000.0, atol=1e-6)


@pytest.mark.e2e
def test_poses_reproduce_masks_and_depth(dataset):
    """Model vertices moved by cam_R_m2c, cam_t_m2c and projected with cam_K as written, under
    the toolkit's pixel-centre convention, cover ``mask`` (IoU >= 0.99) and lie at the
    rendered depth (within 1 mm) where the object is visible."""
    checked = 0
    coco = _load(dataset / "annotations" / "instances_train.json")
    znear_mm = {(im["scene_index"], im["view_index"]): im["camera"]["znear"] * 1000.0 for im in coco["images"]}
    for d, cams, gts, _ in _scenes(dataset):
        for im, objs in gts.items():
            K = np.reshape(cams[im]["cam_K"], (3, 3))
            depth_mm = _png(d / "depth" / f"{int(im):06d}.png") * cams[im]["depth_scale"]
            H, W = depth_mm.shape
            for gt, obj in enumerate(objs):
                model = _model(dataset, obj["obj_id"])
                points = model.vertices @ np.reshape(obj["cam_R_m2c"], (3, 3)).T + obj["cam_t_m2c"]
                if points[:, 2].min() < znear_mm[(int(d.name), int(im))]:
                    continue  # cut by the near plane: the renderer clips it, this projection does not
                hit, z = rasterize(points, model.faces, K, H, W)
                mask = _png(d / "mask" / f"{int(im):06d}_{gt:06d}.png") > 0
                visib = _png(d / "mask_visib" / f"{int(im):06d}_{gt:06d}.png") > 0
                assert (hit & mask).sum() / (hit | mask).sum() >= 0.99
                inner = cv2.erode(visib.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & hit
                if inner.any():
                    assert np.abs(z[inner] - depth_mm[inner]).max() <= 1.0
                    checked += int(inner.sum())
    assert checked > 1000


@pytest.mark.e2e
def test_scene_gt_coco_as_calc_gt_coco_writes_it(dataset):
    """scene_gt_coco.json: pycocotools loads it; each annotation is a visible mask of mask_visib/
    with the amodal box of mask/, ``ignore`` below 10 % visibility; files relative to the scene."""
    from pycocotools.coco import COCO

    checked = 0
    for d, _, gts, infos in _scenes(dataset):
        coco = COCO(str(d / "scene_gt_coco.json"))
        for im, objs in gts.items():
            img = coco.imgs[int(im)]
            assert (d / img["file_name"]).is_file()
            anns = coco.imgToAnns[int(im)]
            kept = [gt for gt, info in enumerate(infos[im]) if info["px_count_visib"] > 0]
            assert len(anns) == len(kept)
            for ann, gt in zip(anns, kept, strict=True):
                visib = _png(d / "mask_visib" / f"{int(im):06d}_{gt:06d}.png") > 0
                full = _png(d / "mask" / f"{int(im):06d}_{gt:06d}.png") > 0
                np.testing.assert_array_equal(coco.annToMask(ann).astype(bool), visib)
                ys, xs = np.nonzero(full)
                assert ann["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
                assert ann["category_id"] == objs[gt]["obj_id"] and ann["area"] == visib.sum()
                assert ann["ignore"] == (infos[im][gt]["visib_fract"] < 0.1)
                checked += 1
    assert checked > 0


@pytest.mark.e2e
def test_gt_info_counts_and_boxes(dataset):
    truncated = 0
    for d, _, gts, infos in _scenes(dataset):
        for im in gts:
            depth = _png(d / "depth" / f"{int(im):06d}.png")
            for gt, info in enumerate(infos[im]):
                mask = _png(d / "mask" / f"{int(im):06d}_{gt:06d}.png") > 0
                visib = _png(d / "mask_visib" / f"{int(im):06d}_{gt:06d}.png") > 0
                assert not (visib & ~mask).any()  # the visible part lies in the silhouette
                assert info["visib_fract"] == pytest.approx(info["px_count_visib"] / info["px_count_all"], rel=1e-12)
                assert info["px_count_visib"] == visib.sum() > 0
                assert info["px_count_valid"] == np.count_nonzero(depth[mask])
                assert info["px_count_all"] >= mask.sum()  # the silhouette past the border counts too
                ys, xs = np.nonzero(visib)
                assert info["bbox_visib"] == [xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()]
                x, y, w, h = info["bbox_obj"]
                ys, xs = np.nonzero(mask)
                if info["px_count_all"] == mask.sum():  # wholly inside the image
                    assert [x, y, w, h] == [xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()]
                else:
                    truncated += 1
                    assert x <= xs.min() and y <= ys.min() and x + w >= xs.max() and y + h >= ys.max()
    assert truncated > 0  # the silhouette-past-the-border branch was exercised


@pytest.mark.e2e
def test_coco_and_bop_agree(dataset):
    coco = _load(dataset / "annotations" / "instances_train.json")
    by_image: dict[int, list] = {}
    for a in coco["annotations"]:
        by_image.setdefault(a["image_id"], []).append(a)
    for im_rec in coco["images"]:
        d = dataset / "bop" / "train_pbr" / f"{im_rec['scene_index']:06d}"
        objs = _load(d / "scene_gt.json")[str(im_rec["view_index"])]
        anns = sorted(by_image.get(im_rec["id"], []), key=lambda a: a["object_id"])
        assert [a["category_id"] for a in anns] == [o["obj_id"] for o in objs]
        for gt, (a, o) in enumerate(zip(anns, objs, strict=True)):
            np.testing.assert_allclose(np.reshape(o["cam_R_m2c"], (3, 3)), a["object_pose"]["R"], atol=1e-7)
            np.testing.assert_allclose(o["cam_t_m2c"], np.array(a["object_pose"]["t"]) * 1000.0, atol=1e-4)
            visib = _png(d / "mask_visib" / f"{im_rec['view_index']:06d}_{gt:06d}.png") > 0
            np.testing.assert_array_equal(visib, decode_rle(a["segmentation"]))
            np.testing.assert_array_equal(_png(d / "mask" / f"{im_rec['view_index']:06d}_{gt:06d}.png") > 0,
                                          decode_rle(a["segmentation_amodal"]))


@pytest.mark.parametrize("overrides,message", [
    (["scene=tabletop", "export=bop"], "BOP needs one model per obj_id"),
    (["scene=bin_picking", "export=bop", "labels.amodal_masks=false"], "labels.amodal_masks=true"),
])
def test_bop_refuses_jobs_it_cannot_write(overrides, message):
    from simgen.core.errors import ConfigError

    assert message in config_error(*overrides, error=ConfigError)
