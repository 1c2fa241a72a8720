"""The inspection kind: defect masks against their geometry, parts inside their product, the
defect rate of the plan, the image-level label, the mvtec layout read back."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from helpers import make_camera, make_spec, run_simgen
from PIL import Image
from pycocotools import mask as mask_utils
from scipy import ndimage

from simgen.annotate.parts import apply_context
from simgen.core.camera import project, world_to_camera
from simgen.core.spec import AssetRef, BodySpec, Material, SceneSpec
from simgen.physics.state import posed_state
from simgen.scenes.inspection.build import Inspected, built
from simgen.scenes.inspection.context import InspectionContext, PlacedDefect
from simgen.scenes.inspection.defects import ALLOWED, DEFECTS, Defect
from simgen.scenes.inspection.plan import is_defective, product_and_defects
from simgen.scenes.inspection.products import PRODUCTS

CATEGORY_IDS = {name: k + 1 for k, name in enumerate([*PRODUCTS, *DEFECTS])}
PRODUCT_ID = 1


def _scene(product: str, kinds: list[str], eye, target, seed: int = 3, with_defects: bool = True):
    """A hand-built scene: the product at the origin with ``kinds`` of defects (severity 0.8)
    on the side facing ``eye``, its defects as parts, and the camera at ``eye``."""
    aim = np.asarray(eye, float) - np.asarray(target, float)
    aim = tuple(aim / np.linalg.norm(aim))
    items = tuple(Defect(k, 0.8, 100 + j, aim) for j, k in enumerate(kinds))
    params = Inspected(product, seed, items).params()
    white = Material(base_color=(1.0, 1.0, 1.0, 1.0), roughness=0.6)
    bodies = [BodySpec(PRODUCT_ID, AssetRef(kind="procedural", shape="inspection_product", size=params), np.eye(4),
                       category=product, material=white, static=True)]
    context = InspectionContext(product=product, seed=seed, defective=bool(kinds), product_id=PRODUCT_ID)
    for k, mesh in enumerate(built(params).defects):
        if mesh is None or not with_defects:
            continue
        iid = len(bodies) + 1
        bodies.append(BodySpec(iid, AssetRef(kind="procedural", shape="inspection_defect", size=(float(k), *params)),
                               np.eye(4), category=items[k].kind, material=white, static=True))
        context.defects.append(PlacedDefect(iid, items[k].kind, 0.8))
    cam = make_camera(eye, target, fov_y=30.0, znear=0.02, zfar=3.0)
    spec = make_spec(bodies, [cam])
    spec.context = context
    return spec, cam


def _labeled(renderer, spec, cam):
    from helpers import label_view

    state = posed_state(spec)
    renderer.load(state)
    arrays, labels = label_view(renderer, state, cam, CATEGORY_IDS)
    apply_context(labels, spec.context)
    return state, arrays, labels


def _mask(obj) -> np.ndarray:
    rle = dict(obj.rle)
    rle["counts"] = rle["counts"].encode()
    return mask_utils.decode(rle).astype(bool)


# One product for each defect kind, seen from where the defect lies.
KIND_PRODUCT = {"scratch": "bracket", "dent": "can", "crack": "bracket", "chip": "bracket", "stain": "bottle",
                "missing": "board", "misplaced": "board", "misprint": "can"}


@pytest.mark.parametrize("kind, product", [*KIND_PRODUCT.items(), ("missing", "blister"), ("dent", "blister")])
def test_each_defect_is_a_visible_part_inside_its_product(renderer, kind, product):
    assert kind in ALLOWED[product]
    spec, cam = _scene(product, [kind], eye=(0.12, -0.1, 0.2), target=(0, 0, 0.02))
    _, _, labels = _labeled(renderer, spec, cam)
    by_cat = {o.category: o for o in labels.objects}
    whole, part = by_cat[product], by_cat[kind]
    assert part.part_of == PRODUCT_ID and whole.part_of is None
    assert part.area > 0
    product_mask, defect_mask = _mask(whole), _mask(part)
    assert not (defect_mask & ~product_mask).any()  # no defect pixel outside its product
    assert product_mask.sum() == whole.area
    assert labels.attributes["anomaly"] == {"label": "defective", "defects": [kind], "product": product}


def test_dent_mask_covers_the_projection_of_the_displaced_vertices(renderer):
    eye, target = (0.0, -0.22, 0.12), (0.0, 0.0, 0.05)
    spec, cam = _scene("can", ["dent"], eye, target)
    state, arrays, labels = _labeled(renderer, spec, cam)
    (dent,) = [o for o in labels.objects if o.category == "dent"]
    mask = _mask(dent)
    # The can's side is a cylinder: a dent vertex is displaced where it lies inside its radius
    # (by more than 0.05 mm: the rim's barely moved vertices sit where the dent's faces are slivers).
    product = state.assets[PRODUCT_ID].mesh
    side = (product.vertices[:, 2] > 0.02) & (product.vertices[:, 2] < product.bounds[1, 2] - 0.02)
    radius = np.linalg.norm(product.vertices[side, :2], axis=1).max()
    v = state.assets[dent.instance_id].mesh
    used = np.unique(v.faces)
    pts = v.vertices[used]
    displaced = pts[np.linalg.norm(pts[:, :2], axis=1) < radius - 5e-5]
    assert len(displaced) > 20
    T = world_to_camera(cam.cam_to_world)
    p_cam = displaced @ T[:3, :3].T + T[:3, 3]
    uv = project(cam.K, p_cam)
    col, row = np.floor(uv).astype(int).T
    inside = (col >= 0) & (col < cam.width) & (row >= 0) & (row < cam.height)
    seen = inside.copy()
    seen[inside] = np.abs(arrays["depth"][row[inside], col[inside]] - p_cam[inside, 2]) < 5e-4  # not hidden
    assert seen.sum() > 10
    grown = ndimage.binary_dilation(mask, np.ones((3, 3)))  # a vertex on a pixel's edge
    assert grown[row[seen], col[seen]].all()
    # and the mask lies within the projection of the dent's faces (one pixel of slack)
    all_uv = project(cam.K, pts @ T[:3, :3].T + T[:3, 3])
    hull = np.zeros(mask.shape, np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(all_uv.astype(np.float32)).astype(np.int32), 1)
    assert not (mask & ~ndimage.binary_dilation(hull > 0, iterations=2)).any()


def test_scratch_mask_is_where_the_picture_changed(renderer):
    eye, target = (0.0, 0.0, 0.25), (0.0, 0.0, 0.0)
    spec, cam = _scene("bracket", ["scratch"], eye, target, seed=5)
    _, with_scratch, labels = _labeled(renderer, spec, cam)
    plain, _ = _scene("bracket", ["scratch"], eye, target, seed=5, with_defects=False)
    _, without, _ = _labeled(renderer, plain, cam)
    (scratch,) = [o for o in labels.objects if o.category == "scratch"]
    mask = _mask(scratch)
    diff = np.abs(with_scratch["color"].astype(int) - without["color"].astype(int)).max(axis=2)
    assert mask.sum() > 20
    assert (diff[mask] > 0).all()  # the picture changed under every pixel of the mask
    # and changed visibly nowhere else but at its antialiased edge (one pixel)
    assert not ((diff > 6) & ~ndimage.binary_dilation(mask, np.ones((3, 3)))).any()


def test_hidden_defect_has_no_mask_and_the_view_is_good(renderer):
    # The stain lies on the side facing away from this camera: the bottle hides it.
    spec, _ = _scene("bottle", ["stain"], eye=(0.0, -0.25, 0.06), target=(0, 0, 0.06))
    back = make_camera((0.0, 0.25, 0.06), (0, 0, 0.06), fov_y=30.0, znear=0.02, zfar=3.0)
    spec.cameras = [back]
    _, _, labels = _labeled(renderer, spec, back)
    assert [o.category for o in labels.objects] == ["bottle"]
    assert labels.attributes["anomaly"]["label"] == "good"


@pytest.mark.parametrize("rate", [0.5, 0.1, 0.02, 0.001])
def test_defect_rate_holds_within_three_points_over_200_scenes(rate):
    for seed in range(5):
        share = np.mean([is_defective(seed, i, rate) for i in range(200)])
        assert abs(share - rate) <= 0.03, (seed, share)
        shard = np.mean([is_defective(seed, i, rate) for i in range(1000, 1200)])  # any run of scenes
        assert abs(shard - rate) <= 0.03
    assert 0 < sum(is_defective(0, i, 0.001) for i in range(3000)) <= 5


def _ctx(**scene):
    from simgen.config.schema import BalanceConfig
    from simgen.scenes.inspection.schema import InspectionSceneConfig

    s = InspectionSceneConfig()
    for k, v in scene.items():
        setattr(s, k, v)
    return lambda classes: SimpleNamespace(scene=s, balance=BalanceConfig(classes=classes), yields=None)


def test_plan_kinds_fit_the_product_and_follow_balance():
    make = _ctx()
    counts: dict[str, int] = {}
    for i in range(200):
        rng = np.random.default_rng(i)
        product, kinds = product_and_defects(rng, make({"dent": 0.5}), i, 0, True)
        assert kinds and all(k in ALLOWED[product] for k in kinds)
        for k in kinds:
            counts[k] = counts.get(k, 0) + 1
    assert abs(counts["dent"] / sum(counts.values()) - 0.5) < 0.06
    assert product_and_defects(np.random.default_rng(0), make({}), 0, 0, False)[1] == []


def test_recipe_builds_the_planned_scenes():
    from helpers import load_test_job

    from simgen.randomizers import RecipeContext, build_scene

    _, job = load_test_job("scene=inspection", "frames=3", "renderer.width=160", "renderer.height=120")
    assert job.categories == [*PRODUCTS, *DEFECTS]
    ctx = RecipeContext(scene=job.scene, width=160, height=120)
    for i in range(3):
        spec = build_scene(i, job.seed, ctx)
        c = spec.context
        assert c.defective == is_defective(job.seed, i, job.scene.defect_rate)
        assert bool(c.defects) == c.defective  # each planned defect finds a surface here
        assert set(c.parts().values()) == {c.product_id} or not c.defects
        again = SceneSpec.from_dict(json.loads(json.dumps(spec.to_dict())))  # a recorded spec rebuilds
        assert again.context == c and [b.asset for b in again.bodies] == [b.asset for b in spec.bodies]


def test_bad_weights_are_one_line_errors():
    from helpers import config_error

    assert "scene.products.blister" in config_error("scene=inspection", "+scene.products.blister=1.0")
    only_board = [f"scene.products.{p}=0" for p in PRODUCTS if p != "board"]
    no_board_kinds = [f"scene.defect_weights.{k}=0" for k in ALLOWED["board"]]
    message = config_error("scene=inspection", *only_board, *no_board_kinds)
    assert message.startswith("scene.defect_weights")


@pytest.mark.e2e
def test_mvtec_layout_reads_back(tmp_path):
    out = tmp_path / "ds"
    run_simgen("scene=inspection", "frames=10", "seed=1", "export=mvtec", f"output_dir={out}", "farm.workers=1",
               "report=false", "renderer.width=160", "renderer.height=120", expect=0)
    records = {}
    for f in (out / "annotations").glob("instances_*.json"):
        doc = json.loads(f.read_text())
        for img in doc["images"]:
            records[Path(img["file_name"]).stem] = (img, [a for a in doc["annotations"] if a["image_id"] == img["id"]])
    seen = set()
    for path in sorted((out / "mvtec").rglob("*.png")):
        product, part, folder = path.relative_to(out / "mvtec").parts[:3]
        if part == "ground_truth":
            continue
        img, anns = records[path.stem]
        seen.add(path.stem)
        label = img["anomaly"]
        assert label["product"] == product
        with Image.open(path) as im:
            assert im.size == (160, 120)
        if folder == "good":
            assert label["label"] == "good" and (part == "train") == (img["split"] == "train")
            assert not list((out / "mvtec" / product / "ground_truth").glob(f"*/{path.stem}_mask.png"))
            continue
        assert part == "test" and label["label"] == "defective"
        assert folder == (label["defects"][0] if len(label["defects"]) == 1 else "combined")
        with Image.open(out / "mvtec" / product / "ground_truth" / folder / f"{path.stem}_mask.png") as im:
            gt = np.asarray(im)
        assert set(np.unique(gt)) <= {0, 255} and gt.any()
        parts = np.zeros(gt.shape, bool)
        for a in anns:
            if "part_of" in a:
                rle = dict(a["segmentation"])
                rle["counts"] = rle["counts"].encode()
                parts |= mask_utils.decode(rle).astype(bool)
        assert np.array_equal(gt == 255, parts)
    assert seen == set(records)  # every image is in the layout once
    assert list((out / "mvtec").glob("*/train/good/*.png")) and list((out / "mvtec").glob("*/test/*/*.png"))
