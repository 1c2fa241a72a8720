"""simgen-report: stats.json against pycocotools, histograms, comparisons, the HTML page."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from helpers import load_test_job, run_command, tiny_dataset, whole_coco_file
from PIL import Image
from pycocotools.coco import COCO

from simgen.report import gallery
from simgen.report.build import make_report
from simgen.report.compare import compare
from simgen.report.data import load_dataset, load_kitti, load_labels
from simgen.tools.report_cli import main as report_main


@pytest.fixture(scope="module")
def report(tabletop_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    files = make_report(tabletop_dataset, out)
    return files, json.loads(files.stats.read_text())


def _split_copy(src: Path, dst: Path) -> dict[str, Path]:
    """``src``'s COCO file cut into instances_train.json / instances_val.json (odd / even
    images), the val file naming the object id ``track_id``, the other name a reader may meet."""
    doc = json.loads(whole_coco_file(src).read_text())
    (dst / "annotations").mkdir(parents=True)
    (dst / "images").symlink_to(src / "images")
    paths = {}
    for split, parity in (("train", 1), ("val", 0)):
        ids = {im["id"] for im in doc["images"] if im["id"] % 2 == parity}
        anns = [dict(a) for a in doc["annotations"] if a["image_id"] in ids]
        if split == "val":
            for a in anns:
                a["track_id"] = a.pop("object_id")
        part = {**doc, "images": [im for im in doc["images"] if im["id"] in ids], "annotations": anns}
        paths[split] = dst / f"annotations/instances_{split}.json"
        paths[split].write_text(json.dumps(part))
    return paths


def _expected_counts(coco: COCO) -> dict[str, dict[str, int]]:
    """Per class name: instances (non-crowd) and images holding one, by pycocotools alone."""
    out = {}
    for cat in coco.loadCats(coco.getCatIds()):
        ann_ids = coco.getAnnIds(catIds=[cat["id"]], iscrowd=False)
        out[cat["name"]] = {"instances": len(ann_ids), "images": len({a["image_id"] for a in coco.loadAnns(ann_ids)})}
    return out


def _histograms(node, path=""):
    if isinstance(node, dict):
        if {"edges", "counts", "n"} <= node.keys():
            yield path, node
        for k, v in node.items():
            yield from _histograms(v, f"{path}/{k}")


@pytest.mark.e2e
def test_stats_counts_equal_pycocotools(tabletop_dataset, report):
    _, stats = report
    expected = _expected_counts(COCO(str(whole_coco_file(tabletop_dataset))))
    assert {n: {"instances": c["instances"], "images": c["images"]} for n, c in stats["classes"].items()} == expected
    assert stats["instances"] == sum(c["instances"] for c in expected.values()) > 0
    assert sum(s["instances"] for s in stats["splits"].values()) == stats["instances"]
    assert set(stats["splits"]) == {im["split"] for im in json.loads(whole_coco_file(tabletop_dataset).read_text())["images"]}
    # the run itself wrote the same report after its merge (report unset: under 10,000 frames)
    written = tabletop_dataset / "report"
    assert json.loads((written / "stats.json").read_text())["classes"] == stats["classes"]
    assert (written / "report.html").read_text() == report[0].html.read_text()


@pytest.mark.e2e
def test_split_files_and_renamed_object_key(tabletop_dataset, tmp_path):
    paths = _split_copy(tabletop_dataset, tmp_path / "ds")
    files = make_report(tmp_path / "ds", tmp_path / "rep", gallery_images=1)
    stats = json.loads(files.stats.read_text())
    assert set(stats["splits"]) == {"train", "val"}
    for split, path in paths.items():
        coco = COCO(str(path))
        expected = _expected_counts(coco)
        got = {n: c["splits"][split] for n, c in stats["classes"].items()}
        assert got == expected
        assert stats["splits"][split]["images"] == len(coco.getImgIds())
    table = load_dataset(tmp_path / "ds")
    assert (table.inst["object_id"] > 0).all()  # read from object_id and track_id alike


@pytest.mark.e2e
def test_every_histogram_sums_to_its_population(report):
    _, stats = report
    found = list(_histograms(stats))
    assert len(found) > 20
    for path, h in found:
        assert sum(h["counts"]) == h["n"], path
        assert len(h["edges"]) == len(h["counts"]) + 1, path
    assert stats["objects_per_image"]["n"] == stats["images"]
    assert stats["histograms"]["size"]["all"]["n"] == stats["instances"]
    assert stats["look"]["brightness"]["n"] == stats["images"]  # from the facts the workers wrote


@pytest.mark.e2e
def test_compare_with_itself_is_zero(tabletop_dataset):
    table = load_dataset(tabletop_dataset)
    result = compare(table, load_labels(whole_coco_file(tabletop_dataset)))
    assert set(result["classes"]) == {n for n in table.categories if (table.inst["category"] == table.categories.index(n)).any()}
    for c in result["classes"].values():
        assert c["features"]
        for name, d in c["features"].items():
            assert d["wasserstein"] == pytest.approx(0.0, abs=1e-12), name
            assert d["ks"] == pytest.approx(0.0, abs=1e-12), name
            assert d["hint"] == "close to the real set"


@pytest.mark.e2e
def test_compare_boxes_scaled_by_two(tabletop_dataset, tmp_path):
    doc = json.loads(whole_coco_file(tabletop_dataset).read_text())
    for im in doc["images"]:
        im["width"], im["height"] = 2 * im["width"], 2 * im["height"]
    for a in doc["annotations"]:
        a["bbox"] = [2 * v for v in a["bbox"]]
    real = tmp_path / "scaled.json"
    real.write_text(json.dumps(doc))
    result = compare(load_dataset(tabletop_dataset), load_labels(real))
    coco = COCO(str(whole_coco_file(tabletop_dataset)))
    for cat in coco.loadCats(coco.getCatIds()):
        anns = coco.loadAnns(coco.getAnnIds(catIds=[cat["id"]], iscrowd=False))
        if not anns:
            continue
        sizes = np.array([np.sqrt(a["bbox"][2] * a["bbox"][3]) for a in anns])
        f = result["classes"][cat["name"]]["features"]
        # W1 between X and 2X (X > 0) is E[X]; the box centres, relative to the image, stay
        assert f["size"]["wasserstein"] == pytest.approx(sizes.mean(), rel=1e-9)
        assert f["center_x"]["wasserstein"] == pytest.approx(0.0, abs=1e-12)
        assert f["aspect"]["wasserstein"] == pytest.approx(0.0, abs=1e-9)
        assert "smaller" in f["size"]["hint"] and "scene.camera.radius" in f["size"]["hint"]


@pytest.mark.e2e
def test_compare_with_kitti_label_folder(tabletop_dataset, tmp_path):
    table = load_dataset(tabletop_dataset)
    counts = np.bincount(table.inst["category"], minlength=len(table.categories))
    a, b = (table.categories[k] for k in np.argsort(-counts, kind="stable")[:2])
    labels = tmp_path / "label_2"
    labels.mkdir()
    (labels / "000000.txt").write_text(
        "Thing_a 0.00 0 -1.5 100.0 80.0 140.0 130.0 1.5 1.6 3.9 1.0 1.5 10.0 -1.6\n"
        "DontCare -1 -1 -10 500.0 150.0 520.0 170.0 -1 -1 -1 -1000 -1000 -1000 -10\n"
        "Thing_b 0.30 2 0.2 10.0 20.0 60.0 50.0 1.5 1.6 3.9 -3.0 1.5 20.0 0.1\n")
    (labels / "000001.txt").write_text("Thing_a 0.10 1 0.0 300.0 100.0 330.0 160.0 1.5 1.6 3.9 2.0 1.5 15.0 0.0\n")
    real = load_kitti(labels)
    assert real.categories == ["Thing_a", "Thing_b"]  # DontCare left out
    assert real.inst["occlusion"].tolist() == [0, 2, 1]
    assert real.inst["w"].tolist() == [40.0, 50.0, 30.0]
    assert real.img["width"].tolist() == [1242, 1242]
    mapping = tmp_path / "map.yaml"
    mapping.write_text(f"{a}: Thing_a\n{b}: Thing_b\n")
    out = tmp_path / "rep"
    assert report_main([str(tabletop_dataset), "--out", str(out), "--compare", str(labels), "--map", str(mapping),
                        "--gallery", "1"]) == 0
    result = json.loads((out / "stats.json").read_text())["comparison"]
    assert result["real_kind"] == "kitti"
    assert set(result["classes"]) == {a, b}
    fa = result["classes"][a]["features"]
    assert {"size", "occlusion", "truncation", "objects_per_image"} <= set(fa) and "visibility" not in fa
    assert fa["size"]["n_real"] == 2 and fa["size"]["n_sim"] == counts[table.categories.index(a)]
    assert fa["objects_per_image"]["n_real"] == 2  # one value per real image
    assert (out / f"figures/compare_{a}.png").is_file()


def test_report_cli_errors(tmp_path, capsys):
    assert report_main([str(tmp_path / "nope")]) == 2
    assert "nope: not a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert report_main([str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "annotations/instances.json" in err
    assert not (tmp_path / "empty/report").exists()


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])


@pytest.mark.e2e
def test_report_references_existing_figures(report):
    files, _ = report
    refs = _Refs()
    refs.feed(files.html.read_text())
    assert len(refs.images) >= 10
    for src in refs.images:
        path = files.html.parent / src
        with Image.open(path) as im:  # a real PNG
            assert im.format == "PNG" and im.size[0] > 50, src
    assert {files.html.parent / s for s in refs.images} == set(files.figures)


def _chromium() -> str | None:
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


@pytest.mark.e2e
@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed")
def test_report_opens_in_headless_chromium(report, tmp_path):
    files, _ = report
    url = files.html.resolve().as_uri()
    base = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
            f"--user-data-dir={tmp_path / 'profile'}"]
    dom = run_command([*base, "--dump-dom", url], timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    refs = _Refs()
    refs.feed(dom.stdout)
    assert len(refs.images) == len(files.figures)  # the browser parsed every figure element
    shot = tmp_path / "shot.png"
    proc = run_command([*base, "--window-size=1300,2400", "--virtual-time-budget=5000", f"--screenshot={shot}", url],
                       timeout=120)
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    # drawn figures, not a page of text: many distinct colours, and matplotlib's first colour
    # (the class bars, 31 119 180) over a real area
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 500
    assert (np.abs(pixels.astype(int) - [31, 119, 180]).max(axis=2) < 8).sum() > 2000


def test_preview_opens_every_image_and_crop(tmp_path):
    dataset = tiny_dataset(tmp_path / "ds")
    files = make_report(dataset)
    assert files.note is None
    html = files.html.read_text()
    refs = _Refs()
    refs.feed(html)
    gallery = [s for s in refs.images if s.startswith("gallery/")]
    crops = [s for s in refs.images if s.startswith("crops/")]
    assert len(gallery) == 3 and crops == ["crops/cube.png"]
    for src in gallery + crops:
        with Image.open(files.html.parent / src) as im:
            assert im.format == "PNG", src
            pixels = np.asarray(im.convert("RGB"))
        assert pixels.max() > 0, src  # drawn from the image, not a blank tile
    with Image.open(files.html.parent / gallery[0]) as im:
        assert im.size == (96, 32)  # the image and its depth panel beside it


def test_unreadable_preview_image_is_one_line(tmp_path, capsys):
    dataset = tiny_dataset(tmp_path / "ds")
    (dataset / "images/val/000003.png").write_bytes(b"not a png")
    assert report_main([str(dataset)]) == 0
    err = capsys.readouterr().err.strip()
    assert err == ("simgen-report: warning: the preview left out images it could not read: "
                   "images/val/000003.png"), err
    html = (dataset / "report/report.html").read_text()
    assert "could not read: images/val/000003.png" in html


@pytest.mark.parametrize("counts, expected", [
    ({"a": 34, "b": 28, "c": 48}, ["every class has under 50 instances (28 to 48): a small dataset; raise frames, "
                                   "or pass simgen-report --min-instances"]),
    ({"a": 340, "b": 3, "c": 48}, ["2 of 3 classes have under 50 instances: 'b' 3, 'c' 48"]),
    ({"a": 50, "b": 60}, []),
])
def test_classes_under_min_instances_are_one_warning(counts, expected):
    """The Quick start's report (50 frames, ten classes of about 34) opened with ten warnings."""
    from simgen.report.stats import Thresholds, warnings

    stats = {"classes": {n: {"instances": k} for n, k in counts.items()}, "images": 50, "empty_images": 0,
             "diversity": {}}
    assert warnings(stats, Thresholds(max_imbalance=1000.0)) == expected


@pytest.mark.parametrize("counted, kept", [(2, False), (3, True)])
def test_grown_dataset_without_report_drops_the_stale_one(tmp_path, capsys, counted, kept):
    """Growing a dataset with report=false left the old report, counting the old frames."""
    from simgen.tools.cli import validate_and_report

    root = tiny_dataset(tmp_path / "ds")
    (root / "report").mkdir()
    (root / "report/stats.json").write_text(json.dumps({"images": counted}))
    validate_and_report(root, False, False, 3, (3, 3))
    out = capsys.readouterr().out
    assert (root / "report").exists() == kept
    if not kept:
        assert out.splitlines()[0] == (f"simgen: removed the report of an earlier state of the dataset (2 images, now 3; "
                                       f"report=false): simgen-report {root} writes a new one")
    assert out.splitlines()[-1].startswith("simgen: balance: ")


def test_the_report_counts_images_by_engine_and_previews_each(tmp_path):
    """A mixed set (``renderer.pathtrace.share``): the page counts images per colour engine and
    a split's preview shows each engine even when it shows fewer images than the split holds."""
    dataset = tiny_dataset(tmp_path / "ds")
    path = dataset / "annotations/instances_train.json"
    doc = json.loads(path.read_text())
    doc["images"][0]["engine"], doc["images"][1]["engine"] = "raster", "pathtrace"
    for image_id in (10, 11, 12):  # more rasterized views of the first image, after the path-traced one
        doc["images"].append({**doc["images"][0], "id": image_id})
    path.write_text(json.dumps(doc))
    files = make_report(dataset)
    stats = json.loads((files.html.parent / "stats.json").read_text())
    assert stats["engines"] == {"pathtrace": 1, "raster": 4}
    assert "<h2 id='engines'>Colour engines</h2>" in files.html.read_text()
    picked = gallery.write(load_dataset(dataset), dataset, tmp_path / "out", per_split=2)["images"]["train"]
    assert sorted(picked) == ["gallery/train_000002.png", "gallery/train_000012.png"]  # by id alone: 1 and 12


def test_driving_paints_fill_colour_bins():
    """Road users are white with painted faces: their facts carry the paint, so the report
    counts the paints' hues (it said "1 of 13 colour bins used" with 15 car paints)."""
    from simgen.export.facts import scene_facts
    from simgen.randomizers import RecipeContext, build_scene
    from simgen.report.stats import _assets

    _, job = load_test_job("scene=driving")
    ctx = RecipeContext(scene=job.scene, width=320, height=240, sequence=job.sequence)
    facts = [json.loads(scene_facts(build_scene(i, 0, ctx), [])) for i in range(4)]
    assert _assets(facts)["colour_bins_used"] >= 5


def test_comparison_figure_wraps_its_panels_within_the_page(tmp_path):
    """Seven features in one row made a 1568 px figure, cut off by the page (1300 px)."""
    from simgen.report import figures

    hist = {"edges": [0.0, 1.0, 2.0], "counts": [1, 2]}
    sim = {f"feature{k}": hist for k in range(7)}
    figures.comparison("car", sim, sim, tmp_path / "c.png")
    width, height = Image.open(tmp_path / "c.png").size
    assert width <= 1280 and height > 2.6 * figures.DPI  # two rows
