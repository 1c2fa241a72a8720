"""Utility (train on simgen, test elsewhere): class matching, the COCO and YOLO readers of the
other set, the ultralytics folder, the transfer table and the report's section. Training itself
(torch, the train extra) is in the e2e test at the end, skipped where the extra is missing."""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers import tiny_dataset
from PIL import Image

from simgen.core.errors import SimgenError
from simgen.report.build import make_report
from simgen.report.data import load_dataset
from simgen.report.utility.classes import match_names
from simgen.report.utility.folders import subset_rows, write_folder
from simgen.report.utility.realsets import label_file, load_real
from simgen.report.utility.section import class_rows, overall_rows
from simgen.report.utility.tables import curve_table, matrix_table
from simgen.tools.report_cli import main as report_main


def test_classes_match_by_name_ignoring_case_and_list_the_rest():
    m = match_names(["duck", "Mug", "box"], ["MUG", "duck", "person", "car"])
    assert m.pairs == [("duck", "duck"), ("Mug", "MUG")]
    assert m.sim_only == ["box"] and m.real_only == ["person", "car"]
    assert m.real_to_sim() == {"duck": "duck", "MUG": "Mug"}


def test_classes_match_by_map_and_an_unknown_class_is_one_line():
    m = match_names(["duck", "mug"], ["bird", "cup", "car"], {"duck": "bird", "mug": "cup"})
    assert m.pairs == [("duck", "bird"), ("mug", "cup")] and m.real_only == ["car"]
    with pytest.raises(SimgenError) as err:
        match_names(["duck"], ["bird"], {"duck": "birb"})
    assert "--map" in str(err.value) and "duck: birb" in str(err.value) and "\n" not in str(err.value)


def _coco_set(root: Path) -> Path:
    """A COCO file with its images beside it: 2 images 64x48, classes 'Duck' (id 5) and 'person' (id 9)."""
    root.mkdir(parents=True, exist_ok=True)
    for k in (1, 2):
        Image.fromarray(np.full((48, 64, 3), 30 * k, np.uint8)).save(root / f"im{k}.jpg")
    doc = {"images": [{"id": k, "file_name": f"im{k}.jpg", "width": 64, "height": 48} for k in (1, 2)],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 5, "bbox": [4, 6, 20, 10], "iscrowd": 0},
                           {"id": 2, "image_id": 2, "category_id": 9, "bbox": [30, 10, 8, 30], "iscrowd": 0},
                           {"id": 3, "image_id": 2, "category_id": 5, "bbox": [0, 0, 64, 48], "iscrowd": 1}],
           "categories": [{"id": 5, "name": "Duck"}, {"id": 9, "name": "person"}]}
    path = root / "real.json"
    path.write_text(json.dumps(doc))
    return path


def test_coco_reader_reads_boxes_classes_and_images(tmp_path):
    t = load_real(_coco_set(tmp_path / "coco"))
    assert t.categories == ["Duck", "person"]
    assert [Path(f).name for f in t.img["file"]] == ["im1.jpg", "im2.jpg"]
    np.testing.assert_allclose(np.c_[t.inst["x"], t.inst["y"], t.inst["w"], t.inst["h"]][:2], [[4, 6, 20, 10], [30, 10, 8, 30]])
    assert t.inst["ignored"].tolist() == [False, False, True]
    folder = load_real(tiny_dataset(tmp_path / "ds"))  # a folder with annotations/: every split
    assert folder.categories == ["cube"] and len(folder.img["file"]) == 3


def test_real_set_errors_are_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SimgenError, match="not a COCO instances file.*or a YOLO data.yaml"):
        load_real(tmp_path / "notes.txt")
    path = _coco_set(tmp_path / "coco")
    (path.parent / "im2.jpg").unlink()
    with pytest.raises(SimgenError, match="1 of 2 images are missing, e.g. .*im2.jpg"):
        load_real(path)


def _yolo_set(root: Path) -> Path:
    """A YOLO data.yaml with train and val folders (val: one 80x40 image with a box and a polygon)."""
    for split, n in (("train", 2), ("val", 1)):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for k in range(n):
            Image.fromarray(np.zeros((40, 80, 3), np.uint8)).save(root / "images" / split / f"{k}.png")
            (root / "labels" / split / f"{k}.txt").write_text(
                "1 0.5 0.5 0.25 0.5\n0 0.1 0.1 0.3 0.1 0.3 0.4 0.1 0.4\n")
    (root / "data.yaml").write_text(yaml.safe_dump({"path": ".", "train": "images/train", "val": "images/val",
                                                    "names": {0: "duck", 1: "person"}}))
    return root / "data.yaml"


def test_yolo_reader_converts_to_pixels_and_picks_the_split(tmp_path):
    data = _yolo_set(tmp_path / "y")
    t = load_real(data)
    assert t.categories == ["duck", "person"] and t.splits == ["val"] and len(t.img["file"]) == 1
    assert int(t.img["width"][0]) == 80 and int(t.img["height"][0]) == 40
    box = np.c_[t.inst["x"], t.inst["y"], t.inst["w"], t.inst["h"]]
    np.testing.assert_allclose(box, [[30, 10, 20, 20], [8, 4, 16, 12]], atol=1e-6)  # the polygon by its bounds
    assert t.inst["category"].tolist() == [1, 0]
    assert len(load_real(data, train=True).img["file"]) == 2
    assert load_real(tmp_path / "y").splits == ["val"]  # the folder holding data.yaml
    assert label_file(Path("/a/images/b/images/val/x.png")) == Path("/a/images/b/labels/val/x.txt")


def test_folder_written_for_ultralytics_reads_back_with_the_models_classes(tmp_path):
    table = load_real(_coco_set(tmp_path / "coco"))
    rows = subset_rows(table)
    data = write_folder(table, rows, ["box", "duck"], {"Duck": "duck"}, tmp_path / "out", val_rows=rows[1:])
    doc = yaml.safe_load(data.read_text())
    assert doc["names"] == {0: "box", 1: "duck"}
    back = load_real(data, train=True)
    assert back.categories == ["box", "duck"] and len(back.img["file"]) == 2
    # only the Duck box survives: the person has no partner, the crowd region is ignored
    assert back.inst["category"].tolist() == [1] and back.inst["image"].tolist() == [0]
    np.testing.assert_allclose([back.inst[k][0] for k in "xywh"], [4, 6, 20, 10], atol=1e-3)
    assert len(load_real(data).img["file"]) == 1
    assert Path(back.img["file"][0]).read_bytes() == (tmp_path / "coco/im1.jpg").read_bytes()


def test_subset_takes_the_first_frames_of_a_split(tmp_path):
    t = load_dataset(tiny_dataset(tmp_path / "ds"))
    assert t.img["image_id"][subset_rows(t, ("train",))].tolist() == [1, 2]
    assert t.img["image_id"][subset_rows(t, ("train",), 1)].tolist() == [1]
    assert t.img["image_id"][subset_rows(t)].tolist() == [1, 2, 3]


def test_transfer_table_marks_the_best_and_averages_the_other_looks():
    v = {("flat", "flat"): 0.5, ("flat", "real"): 0.1, ("real", "flat"): 0.3, ("real", "real"): 0.4}
    lines = matrix_table(["flat", "real"], ["flat", "real"], v).splitlines()
    assert lines[0] == "| train \\ test | flat | real | transfer |"
    assert lines[2] == "| flat | **0.500** | 0.100 | 0.100 |"
    assert lines[3] == "| real | 0.300 | **0.400** | 0.300 |"
    assert curve_table([(10, 0.1, 0.05)]).splitlines()[2] == "| 10 | 0.100 | 0.050 |"


def _result(real: str) -> dict:
    return {"real": real, "real_train": None, "train_images": 2, "eval_images": 2,
            "settings": {"model": "yolov8n.yaml", "epochs": 3, "imgsz": 64, "batch": 2, "device": "cpu", "seed": 0, "workers": 0},
            "classes": {"pairs": [["cube", "Cube"]], "sim_only": [], "real_only": {"person": 7}},
            "eval_instances": {"cube": 4},
            "rows": [{"model": "simgen", "trained_on": "simgen train split, 2 images", "map50": 0.5, "map50_95": 0.25,
                      "per_class": {"cube": [0.5, 0.25]}},
                     {"model": "real only", "trained_on": "r2, 3 images", "map50": 0.75, "map50_95": 0.125,
                      "per_class": {"cube": [0.75, 0.125]}}],
            "command": "simgen-report ds --utility real.json"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.images, self.ids = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a["src"])
        if "id" in a:
            self.ids.append(a["id"])

    def handle_data(self, data):
        self.cells.append(data)


def test_report_has_the_utility_section_table_chart_and_command(tmp_path):
    result = _result("real.json")
    assert overall_rows(result) == [["simgen", "simgen train split, 2 images", "0.500", "0.250"],
                                    ["real only", "r2, 3 images", "0.750", "0.125"]]
    assert class_rows(result) == [["cube", "Cube", "4", "0.500 / 0.250", "0.750 / 0.125"]]
    one = dict(result, eval_instances={"all classes": 4},
               rows=[dict(r, per_class={"all classes": r["per_class"]["cube"]}) for r in result["rows"]])
    assert class_rows(one) == [["all classes", "every matched class", "4", "0.500 / 0.250", "0.750 / 0.125"]]
    files = make_report(tiny_dataset(tmp_path / "ds"), tmp_path / "rep", utility=result)
    page = _Page()
    page.feed(files.html.read_text())
    assert "utility" in page.ids
    text = " ".join(page.cells)
    assert "person (7 instances)" in text and "simgen-report ds --utility real.json" in text
    assert "0.750 / 0.125" in page.cells
    chart = files.html.parent / "figures/utility.png"
    assert "figures/utility.png" in page.images and chart in files.figures
    with Image.open(chart) as im:
        rgb = np.asarray(im.convert("RGB"))
    assert rgb.shape[1] >= 400 and len(np.unique(rgb.reshape(-1, 3), axis=0)) > 10  # bars and text drawn
    assert json.loads(files.stats.read_text())["utility"]["rows"][1]["map50_95"] == 0.125


def test_utility_cli_errors_are_one_line(tmp_path, capsys, monkeypatch):
    ds = tiny_dataset(tmp_path / "ds")
    assert report_main([str(ds), "--utility", str(tmp_path / "nope.json")]) == 2
    assert capsys.readouterr().err.strip() == f"simgen-report: error: --utility {tmp_path / 'nope.json'}: no such file or folder"
    (tmp_path / "x.txt").write_text("")
    assert report_main([str(ds), "--utility", str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not a COCO instances file" in err
    assert report_main([str(ds), "--utility", str(ds), "--imgsz", "100"]) == 2
    assert "--imgsz=100: must be a multiple of 32" in capsys.readouterr().err
    assert report_main([str(ds), "--real-train", str(ds)]) == 2
    assert "--real-train needs --utility REAL" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "ultralytics", None)  # as where the extra is not installed
    assert report_main([str(ds), "--utility", str(ds), "--out", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "install simgen[train]" in err
    assert not (tmp_path / "rep").exists()


def test_the_report_and_its_command_never_import_torch():
    code = ("import sys, simgen.tools.report_cli, simgen.report.build, simgen.report.utility.measure; "
            "print(sorted(m for m in ('torch', 'ultralytics') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _squares_dataset(root: Path, n: int = 8, size: int = 64) -> Path:
    """A simgen-layout dataset (split train) of ``n`` dark ``size`` x ``size`` images, each with
    one bright square of class 'cube' (side 30-40 px, seeded positions; a box over the whole
    image overlaps one by IoU under 0.4): a set a detector trained from scratch can learn in a
    few hundred small steps."""
    rng = np.random.default_rng(0)
    (root / "images/train").mkdir(parents=True)
    (root / "annotations").mkdir()
    images, anns = [], []
    for k in range(1, n + 1):
        side = int(rng.integers(30, 41))
        x, y = (int(v) for v in rng.integers(0, size - side, 2))
        pixels = np.full((size, size, 3), 20, np.uint8)
        pixels[y:y + side, x:x + side] = (230, 200, 60)
        Image.fromarray(pixels).save(root / f"images/train/{k:06d}.png")
        images.append({"id": k, "file_name": f"{k:06d}.png", "width": size, "height": size, "split": "train"})
        anns.append({"id": k, "image_id": k, "category_id": 1, "bbox": [x, y, side, side], "area": side * side, "iscrowd": 0})
    (root / "annotations/instances_train.json").write_text(json.dumps(
        {"images": images, "annotations": anns, "categories": [{"id": 1, "name": "cube"}]}))
    return root


@pytest.mark.e2e
def test_utility_trains_and_scores_above_zero_on_its_own_set(tmp_path, capsys):
    pytest.importorskip("torch", reason="the train extra (torch, ultralytics) is not installed: pip install simgen[train]")
    pytest.importorskip("ultralytics", reason="the train extra is not installed: pip install simgen[train]")
    ds = _squares_dataset(tmp_path / "ds")
    assert report_main([str(ds), "--utility", str(ds), "--real-train", str(ds), "--epochs", "40", "--imgsz", "64",
                        "--batch", "2", "--out", str(tmp_path / "rep")]) == 0
    stats = json.loads((tmp_path / "rep/stats.json").read_text())["utility"]
    assert [r["model"] for r in stats["rows"]] == ["simgen", "real only", "simgen, fine-tuned on real"]
    simgen, real, tuned = (r["map50_95"] for r in stats["rows"])
    assert simgen == real  # the same images, seed and settings: the same model
    assert tuned != real  # fine-tuning starts from the simgen model's weights, not afresh
    assert stats["train_images"] == 8 and stats["eval_images"] == 8 and stats["eval_instances"] == {"cube": 8}
    for row in stats["rows"]:
        assert 0 < row["map50_95"] <= row["map50"] <= 1  # it learned the squares it is scored on
        assert set(row["per_class"]) == {"cube"}
    page = (tmp_path / "rep/report.html").read_text()
    assert "id='utility'" in page and (tmp_path / "rep/figures/utility.png").is_file()
