"""``simgen-validate`` passes a generated dataset and names the rule each corruption breaks."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pytest
from helpers import run_cli

from simgen.tools.validate import validate_dataset
from simgen.tools.validate_cli import main as validate_main


@pytest.mark.e2e
def test_generated_dataset_is_valid(tabletop_dataset):
    assert validate_dataset(tabletop_dataset) == []
    proc = run_cli(str(tabletop_dataset), module="simgen.tools.validate_cli", timeout=120)
    assert proc.returncode == 0 and "valid" in proc.stdout


def _first_visible(doc):
    return next(a for a in doc["annotations"] if a["area"] > 50 and a["visibility"] > 0.9 and not a["ignore"])


def _edit_json(root, change):
    path = root / "annotations" / "instances_train.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def _bbox(doc):
    a = _first_visible(doc)
    a["bbox"][0] += 3


def _area(doc):
    _first_visible(doc)["area"] += 7


def _amodal(doc):
    a = _first_visible(doc)
    a["bbox_amodal"] = [a["bbox"][0] + 5, a["bbox"][1] + 5, 2.0, 2.0]


def _box3d(doc):
    a = _first_visible(doc)
    c = np.asarray(a["bbox_3d"]["corners"])
    a["bbox_3d"]["corners"] = (c.mean(axis=0) + 0.2 * (c - c.mean(axis=0))).tolist()


def _pose(doc):
    a = _first_visible(doc)
    a["object_pose"]["R"] = [[0, -1, 0], [1, 0, 0], [0, 0, 1]]


def _visibility(doc):
    _first_visible(doc)["visibility"] = 1.5


def _keypoint_flag(doc):
    a = _first_visible(doc)
    a["keypoints"][2] = 2 if a["keypoints"][2] == 1 else 1


def _keypoint_place(doc):
    a = _first_visible(doc)
    k = next(i for i in range(0, 27, 3) if a["keypoints"][i + 2])
    a["keypoints"][k] += 2.0


def _split(doc):
    doc["images"][0]["split"] = "val"


def _duplicate_id(doc):
    doc["annotations"][1]["id"] = doc["annotations"][0]["id"]


def _unknown_category(doc):
    doc["annotations"][0]["category_id"] = 999


def _missing_image(root):
    next((root / "images" / "train").iterdir()).unlink()


def _wrong_size(root):
    path = sorted((root / "images" / "train").iterdir())[0]
    cv2.imwrite(str(path), np.zeros((10, 10, 3), np.uint8))


def _far_depth(root):
    path = sorted((root / "layers" / "depth").iterdir())[0]
    depth = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(path), np.where(depth > 0, 60000, 0).astype(np.uint16))


def _semantic(root):
    path = sorted((root / "layers" / "semantic").iterdir())[0]
    sem = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(path), np.where(sem > 0, 77, 0).astype(np.uint16))


@pytest.mark.parametrize(
    "corrupt, rule, on_json",
    [
        (_bbox, "bbox-mask", True),
        (_area, "bbox-mask", True),
        (_amodal, "bbox-amodal", True),
        (_box3d, "bbox3d-projection", True),
        (_pose, "pose-box", True),
        (_visibility, "ratios", True),
        (_keypoint_flag, "keypoints", True),
        (_keypoint_place, "keypoints", True),
        (_split, "splits", True),
        (_duplicate_id, "ids", True),
        (_unknown_category, "ids", True),
        (_missing_image, "files", False),
        (_wrong_size, "files", False),
        (_far_depth, "depth-in-box", False),
        (_semantic, "semantic-map", False),
    ],
)
@pytest.mark.e2e
def test_each_corruption_is_named(tabletop_dataset, tmp_path, capsys, corrupt, rule, on_json):
    copy = tmp_path / "copy"
    shutil.copytree(tabletop_dataset, copy)
    if on_json:
        _edit_json(copy, corrupt)
    else:
        corrupt(copy)
    found = validate_dataset(copy)
    assert rule in {v.rule for v in found}, [str(v) for v in found[:5]]
    capsys.readouterr()
    assert validate_main([str(copy)]) == 1  # what simgen-validate exits with
    assert rule in capsys.readouterr().out


def _small_dataset(root, shuffle: bool) -> None:
    """Three 32 x 24 images with two box masks each, one annotation with a wrong area, one id
    used twice and one unknown category; annotations in image order, or reversed."""
    from pycocotools import mask as mask_utils

    (root / "images" / "train").mkdir(parents=True)
    images, anns = [], []
    for i in range(3):
        cv2.imwrite(str(root / "images" / "train" / f"{i:06d}.png"), np.zeros((24, 32, 3), np.uint8))
        images.append({"id": i + 1, "file_name": f"{i:06d}.png", "width": 32, "height": 24, "split": "train", "scene_index": i})
        for k in range(2):
            m = np.zeros((24, 32), np.uint8)
            m[2 + 5 * k:6 + 5 * k, 3 * i:3 * i + 7] = 1
            rle = mask_utils.encode(np.asfortranarray(m))
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": 1, "bbox": [3.0 * i, 2.0 + 5 * k, 7.0, 4.0],
                         "area": 28, "segmentation": {"size": rle["size"], "counts": rle["counts"].decode()}, "iscrowd": 0})
    anns[1]["area"] = 30
    anns[3]["id"] = anns[2]["id"]
    anns[4]["category_id"] = 9
    doc = {"info": {}, "licenses": [], "categories": [{"id": 1, "name": "box"}], "images": images,
           "annotations": anns[::-1] if shuffle else anns}
    (root / "annotations").mkdir()
    (root / "annotations" / "instances_train.json").write_text(json.dumps(doc))
    index = {"splits": {"train": {"coco": "annotations/instances_train.json", "images": "images/train"}}}
    (root / "simgen_dataset.json").write_text(json.dumps(index))


def test_the_validator_reads_each_file_a_record_at_a_time_in_any_annotation_order(tmp_path, monkeypatch):
    """Annotations in image order are checked as they are read (one pass beside the images);
    in another order they are grouped first: the same violations either way."""
    from simgen.tools import validate

    passes = []
    check_doc = validate._Checker._check_doc
    monkeypatch.setattr(validate._Checker, "_check_doc", lambda self, *a, grouped: passes.append(grouped) or check_doc(self, *a, grouped=grouped))
    found = {}
    for shuffle in (False, True):
        _small_dataset(tmp_path / str(shuffle), shuffle)
        found[shuffle] = [str(v) for v in validate_dataset(tmp_path / str(shuffle))]
    assert passes == [False, False, True]  # ordered: one streamed pass; reversed: streamed, then grouped
    assert sorted(found[False]) == sorted(found[True])
    assert found[False] == [
        "annotations/instances_train.json\t-\tids\tduplicate annotations ids [3]",
        "annotations/instances_train.json\tannotation 5\tids\tunknown category_id 9",
        "000000.png\tannotation 2\tbbox-mask\tarea 30 but mask has 28 pixels",
    ]
