"""YOLO export read back as ultralytics defines it (plain parsers, no ultralytics needed):
boxes against COCO, polygons against the exact masks, the layout and data.yaml."""

from __future__ import annotations

import os

import numpy as np
import pytest
import yaml
from helpers import SMALL_RUN, image_file, load_coco, run_simgen
from pycocotools import mask as mask_utils

from simgen.export.yolo import mask_polygon

RUN = ["scene=bin_picking", "export=yolo", "frames=8", "seed=1", "splits.train=0.5", "splits.val=0.25", "splits.test=0.25",
       "labels.min_visible_pixels=300", "scene.views_per_scene=2", "scene.min_objects=8", "scene.max_objects=10", *SMALL_RUN[:2]]


@pytest.fixture(scope="module", params=["detect", "segment"])
def dataset(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"yolo_{request.param}") / "ds"
    run_simgen(*RUN, f"export.yolo.task={request.param}", f"output_dir={out}", expect=0)
    return request.param, out


def _lines(path) -> list[list[float]]:
    return [[float(v) for v in line.split()] for line in path.read_text().splitlines()]


def _polygon_iou(poly_norm: np.ndarray, mask: np.ndarray) -> float:
    H, W = mask.shape
    poly = (poly_norm.reshape(-1, 2) * [W, H]).ravel().tolist()
    rle = mask_utils.merge(mask_utils.frPyObjects([poly], H, W))
    drawn = mask_utils.decode(rle).astype(bool)
    return (drawn & mask).sum() / (drawn | mask).sum()


@pytest.mark.e2e
def test_layout_and_data_yaml(dataset):
    task, out = dataset
    root = out / "yolo"
    data = yaml.safe_load((root / "data.yaml").read_text())
    assert "path" not in data  # ultralytics then resolves the splits against the yaml's folder
    assert data["names"] == {k: c["name"] for k, c in enumerate(load_coco(out).dataset["categories"])}
    coco = load_coco(out)
    splits = {img["split"] for img in coco.dataset["images"]}
    assert splits == {"train", "val", "test"}
    for split in splits:
        assert data[split] == f"images/{split}"
    for img in coco.dataset["images"]:
        linked = root / "images" / img["split"] / img["file_name"]
        assert os.path.samefile(linked, image_file(out, img))  # a link to the COCO image, not a copy
        assert (root / "labels" / img["split"] / (img["file_name"].rsplit(".", 1)[0] + ".txt")).is_file()


@pytest.mark.e2e
def test_every_line_reproduces_its_coco_object(dataset):
    task, out = dataset
    coco = load_coco(out)
    checked = 0
    for img in coco.dataset["images"]:
        W, H = img["width"], img["height"]
        lines = _lines(out / "yolo" / "labels" / img["split"] / (img["file_name"].rsplit(".", 1)[0] + ".txt"))
        anns = sorted((a for a in coco.imgToAnns[img["id"]] if not a["iscrowd"]), key=lambda a: a["object_id"])
        assert len(lines) == len(anns)
        for line, ann in zip(lines, anns, strict=True):
            assert int(line[0]) == ann["category_id"] - 1
            if task == "detect":
                x, y, w, h = ann["bbox"]
                np.testing.assert_allclose(line[1:], [(x + w / 2) / W, (y + h / 2) / H, w / W, h / H], atol=1e-6)
            else:
                mask = coco.annToMask(ann).astype(bool)
                if mask.sum() >= 100:
                    assert _polygon_iou(np.array(line[1:]), mask) >= 0.9
                    checked += 1
    assert task == "detect" or checked > 10
    assert any(a["iscrowd"] for a in coco.dataset["annotations"])  # ignore regions exist and were left out


def _even_odd(poly: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Points (x, y) inside ``poly`` (n, 2) by the even-odd rule (a horizontal ray's crossings)."""
    inside = np.zeros(x.shape, bool)
    for (x0, y0), (x1, y1) in zip(poly, np.roll(poly, -1, axis=0), strict=True):
        if y0 == y1:
            continue
        crosses = (y0 > y) != (y1 > y)
        xc = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (x < xc)
    return inside


def _disc(H, W, cx, cy, r):
    rows, cols = np.mgrid[0:H, 0:W]
    return (cols + 0.5 - cx) ** 2 + (rows + 0.5 - cy) ** 2 <= r * r


@pytest.mark.parametrize("shape", ["two_parts", "holed", "sliver", "pixel"])
def test_polygons_of_hard_masks(shape):
    """Several parts and holes joined into one polygon; one-pixel slivers still traced."""
    H, W = 60, 80
    mask = np.zeros((H, W), bool)
    if shape == "two_parts":
        mask |= _disc(H, W, 20, 30, 12) | _disc(H, W, 60, 25, 9)
    elif shape == "holed":
        mask |= _disc(H, W, 40, 30, 20) & ~_disc(H, W, 42, 28, 8)
    elif shape == "sliver":
        mask[10:50, 33] = True
    else:
        mask[7, 9] = True
    poly = mask_polygon(mask)
    assert poly is not None and len(poly) >= 3
    rle = mask_utils.merge(mask_utils.frPyObjects([poly.ravel().tolist()], H, W))
    drawn = mask_utils.decode(rle).astype(bool)
    iou = (drawn & mask).sum() / (drawn | mask).sum()
    assert iou >= (0.9 if mask.sum() >= 100 else 0.3), iou
    # every mask pixel centre lies inside the polygon; outside ones only where a zero-width
    # bridge between parts passes exactly through a pixel centre
    rows, cols = np.mgrid[0:H, 0:W]
    inside = _even_odd(poly, cols + 0.5, rows + 0.5)
    assert not (mask & ~inside).any() and (inside & ~mask).sum() <= 2
