"""End to end: the ``simgen`` command's dataset, read back with the tools users load it with."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import SMALL_RUN, config_error, run_simgen
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from simgen.core.images import read_uint16


@pytest.fixture(scope="module")
def coco(tabletop_dataset):
    return COCO(str(tabletop_dataset / "annotations" / "instances_train.json"))


@pytest.mark.e2e
def test_coco_loads_and_every_box_is_its_mask_extent(tabletop_dataset, coco):
    assert len(coco.imgs) == 8 and len(coco.anns) > 8
    for ann in coco.anns.values():
        m = coco.annToMask(ann).astype(bool)
        rows, cols = np.nonzero(m)
        x0, y0 = cols.min(), rows.min()
        assert ann["bbox"] == [x0, y0, cols.max() - x0 + 1, rows.max() - y0 + 1]
        assert ann["area"] == m.sum()
        assert isinstance(ann["segmentation"]["counts"], str) and ann["iscrowd"] == ann["ignore"] == int(bool(ann["ignore_reason"]))
    for img in coco.imgs.values():
        with Image.open(tabletop_dataset / "images" / img["split"] / img["file_name"]) as im:
            assert im.size == (img["width"], img["height"]) == (320, 240)
    doc = json.loads((tabletop_dataset / "annotations" / "instances_train.json").read_text())
    assert doc["info"] and doc["licenses"] and [c["id"] for c in doc["categories"]] == list(range(1, len(doc["categories"]) + 1))


@pytest.mark.e2e
def test_ground_truth_scored_as_detections_gives_ap_one(coco):
    detections = [{**a, "score": 1.0} for a in coco.anns.values()]
    dt = coco.loadRes(detections)
    for iou_type in ("bbox", "segm"):
        ev = COCOeval(coco, dt, iou_type)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
        assert ev.stats[0] == pytest.approx(1.0)


@pytest.mark.e2e
def test_maps_agree_with_annotations(tabletop_dataset, coco):
    """Instance map = the decoded masks; semantic map = the category of the instance map."""
    for img in coco.imgs.values():
        inst = read_uint16(tabletop_dataset / img["instance_file"])
        sem = read_uint16(tabletop_dataset / img["semantic_file"])
        depth = read_uint16(tabletop_dataset / img["depth_file"])
        assert inst.dtype == np.uint16 and depth.dtype == np.uint16
        category_of = {0: 0}
        for ann in coco.imgToAnns[img["id"]]:
            assert np.array_equal(inst == ann["object_id"], coco.annToMask(ann).astype(bool))
            category_of[ann["object_id"]] = ann["category_id"]
        known = np.isin(inst, list(category_of))
        expected = np.vectorize(category_of.get)(inst[known])
        assert np.array_equal(sem[known], expected)
        assert (depth[inst > 0] > 0).all()


@pytest.mark.e2e
def test_same_seed_same_annotations_other_seed_different(tmp_path, tabletop_dataset):
    again, other = tmp_path / "again", tmp_path / "other"
    run_simgen("scene=tabletop", "frames=8", "seed=0", f"output_dir={again}", *SMALL_RUN, expect=0)
    run_simgen("scene=tabletop", "frames=8", "seed=1", f"output_dir={other}", *SMALL_RUN, expect=0)
    first = (tabletop_dataset / "annotations" / "instances_train.json").read_bytes()
    assert (again / "annotations" / "instances_train.json").read_bytes() == first
    assert (other / "annotations" / "instances_train.json").read_bytes() != first
    for name in ("000000.png", "000007.png"):
        a = np.asarray(Image.open(tabletop_dataset / "images" / "train" / name))
        b = np.asarray(Image.open(again / "images" / "train" / name))
        assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "override, key",
    [("scene=nope", "scene"), ("frames=-5", "frames"), ("renderer.width=0", "renderer.width"),
     ("frames=abc", "frames"), ("scene.max_objects=1", "scene.max_objects"), ("labels.min_visibility=2", "labels.min_visibility"),
     ("splits.val=0.5", "splits"), ("export.layers=[depth,optical]", "export.layers"), ("export.layers=[flow]", "sequence.length")],
)
def test_bad_input_is_a_one_line_error_naming_the_setting(tmp_path, override, key):
    """In process: the checks ``simgen`` runs before it creates anything (exit 2, one line)."""
    out = tmp_path / "ds"
    assert key in config_error(override, f"output_dir={out}")
    assert not out.exists()


@pytest.mark.e2e
def test_bad_input_exits_2_with_one_stderr_line_and_leaves_nothing(tmp_path):
    """The command's side of the checks above: exit status 2, the message as the only line of
    stderr, no dataset and no Hydra folder in the current directory."""
    out = tmp_path / "ds"
    proc = run_simgen("frames=-5", f"output_dir={out}", cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines == [f"simgen: error: {config_error('frames=-5', f'output_dir={out}')}"], proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.e2e
def test_existing_dataset_is_not_overwritten(tabletop_dataset):
    before = (tabletop_dataset / "annotations" / "instances_train.json").read_bytes()
    proc = run_simgen("frames=2", f"output_dir={tabletop_dataset}", *SMALL_RUN, expect=2)
    assert "output_dir" in proc.stderr
    assert (tabletop_dataset / "annotations" / "instances_train.json").read_bytes() == before


@pytest.mark.e2e
def test_rle_counts_decode_with_pycocotools(coco):
    ann = next(iter(coco.anns.values()))
    rle = dict(ann["segmentation"], counts=ann["segmentation"]["counts"].encode())
    assert mask_utils.area(rle) == ann["area"]
