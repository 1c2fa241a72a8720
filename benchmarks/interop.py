"""Round trips through the tools users load data with: make fresh datasets, load each in every
tool that is installed, print a table. A tool that is not installed is reported as skipped.

    python benchmarks/interop.py OUT_DIR [--tools-python PATH] [--bop-toolkit PATH] [--reuse]

Datasets (320 x 240): tabletop (COCO), bin_picking (COCO, BOP, YOLO segment), driving (COCO,
KITTI, YOLO detect). Each check runs in its own process under ``--tools-python`` (default: this Python), so
the tools may live in an environment of their own; a check imports only its tool and numpy,
never simgen. Checks:

- fiftyone: ``fo.Dataset.from_dir(dataset_type=fo.types.COCODetectionDataset, data_path=...,
  labels_path=...)`` per split with no other argument; sample, detection and keypoint counts,
  and every mask's pixel count equal to the annotation's area.
- datumaro: ``Dataset.import_from(DIR, "coco")`` (subsets and item counts, no shard walked),
  ``detect`` naming coco_instances alone, ``import_from(DIR/kitti, "kitti")`` item counts.
- ultralytics: ``check_det_dataset`` on ``yolo/data.yaml`` and one epoch of ``YOLO(yaml).train``
  from scratch (tiny images), as ``yolo train data=DIR/yolo/data.yaml`` would start.
- bop_toolkit: its ``inout`` loaders on every scene file and model, then its ``renderer_vispy``
  silhouettes from ``cam_K`` and the poses against ``mask/`` (IoU).
- torchvision: ``CocoDetection`` + ``wrap_dataset_for_transforms_v2``; boxes and masks against
  the COCO records.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

SMALL = ["renderer.width=320", "renderer.height=240", "seed=0"]
DATASETS = {
    "tabletop": ["scene=tabletop", "frames=40", *SMALL],
    "bin_picking": ["scene=bin_picking", "frames=40", "scene.views_per_scene=2", "export.formats=[coco,bop,yolo]",
                    "export.yolo.task=segment", "labels.amodal_masks=true", *SMALL],
    "driving": ["scene=driving", "frames=40", "sequence.length=4", "export.formats=[coco,kitti,yolo]", *SMALL],
}
CHECKS = {  # tool -> datasets it is run on
    "fiftyone": ["tabletop", "bin_picking", "driving"],
    "datumaro": ["tabletop", "bin_picking", "driving"],
    "ultralytics": ["bin_picking", "driving"],
    "bop_toolkit": ["bin_picking"],
    "torchvision": ["tabletop", "bin_picking", "driving"],
}


class Skipped(Exception):
    """The tool is not installed here."""


def _splits(root: Path) -> dict[str, dict]:
    return json.loads((root / "simgen_dataset.json").read_text())["splits"]


def _coco(root: Path, entry: dict) -> dict:
    return json.loads((root / entry["coco"]).read_text())


def _need(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise Skipped(f"{module} not installed ({exc})") from None


def check_fiftyone(root: Path, options) -> tuple[str, str]:
    os.environ.setdefault("FIFTYONE_DATABASE_DIR", str(root.parent / ".fiftyone-db"))
    os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")
    fo = _need("fiftyone")
    import numpy as np

    samples = detections = 0
    for split, entry in _splits(root).items():
        doc = _coco(root, entry)
        ds = fo.Dataset.from_dir(dataset_type=fo.types.COCODetectionDataset, data_path=str(root / entry["images"]),
                                 labels_path=str(root / entry["coco"]))
        area = {}
        for ann in doc["annotations"]:
            area.setdefault(ann["image_id"], []).append(ann["area"])
        assert len(ds) == len(doc["images"]), f"{split}: {len(ds)} samples, {len(doc['images'])} images"
        assert {"detections", "segmentations", "keypoints"} <= set(ds.get_field_schema()), ds.get_field_schema().keys()
        by_name = {img["file_name"]: img["id"] for img in doc["images"]}
        for sample in ds:
            want = sorted(area.get(by_name[Path(sample.filepath).name], []))
            boxes = sample["detections"].detections if sample["detections"] else []
            masks = sample["segmentations"].detections if sample["segmentations"] else []
            points = sample["keypoints"].keypoints if sample["keypoints"] else []
            got = sorted(int(np.count_nonzero(d.mask)) for d in masks)
            assert len(boxes) == len(want) == len(points), f"{split} {sample.filepath}: {len(boxes)} boxes, {len(points)} keypoint sets, {len(want)} annotations"
            assert got == want, f"{split} {sample.filepath}: mask pixels {got[:5]} vs areas {want[:5]}"
            detections += len(boxes)
        samples += len(ds)
        ds.delete()
    return fo.__version__, f"{samples} samples, {detections} detections, segmentations and keypoint sets; masks pixel-exact"


def check_datumaro(root: Path, options) -> tuple[str, str]:
    dm = _need("datumaro")
    from datumaro.components.environment import DEFAULT_ENVIRONMENT

    splits = _splits(root)
    found = DEFAULT_ENVIRONMENT.detect_dataset(str(root))
    assert found == ["coco_instances"], f"detect: {found}"
    ds = dm.Dataset.import_from(str(root), "coco")
    subsets = {name: len(sub) for name, sub in ds.subsets().items()}
    want = {name: entry["frames"] for name, entry in splits.items()}
    assert subsets == want, f"coco subsets {subsets}, expected {want}"
    anns = sum(len(item.annotations) for item in ds)
    detail = f"detect: coco_instances; coco: {subsets}, {anns} annotations"
    if (root / "kitti").is_dir():
        kitti = dm.Dataset.import_from(str(root / "kitti"), "kitti")
        counts = {name: len(sub) for name, sub in kitti.subsets().items()}
        frames = sum(want.values())
        assert sum(counts.values()) == frames, f"kitti items {counts}, expected {frames}"
        detail += f"; kitti: {counts}, {sum(len(i.annotations) for i in kitti)} annotations"
    return dm.__version__, detail


def check_ultralytics(root: Path, options) -> tuple[str, str]:
    ul = _need("ultralytics")
    from ultralytics import YOLO
    from ultralytics.data.utils import check_det_dataset

    data_yaml = root / "yolo" / "data.yaml"
    data = check_det_dataset(str(data_yaml))
    assert Path(data["train"]).is_dir() and Path(data["val"]).is_dir(), data
    segment = any(len(line.split()) > 5 for f in (root / "yolo" / "labels").rglob("*.txt") for line in f.read_text().splitlines())
    model = YOLO("yolov8n-seg.yaml" if segment else "yolov8n.yaml")
    project = root.parent / f".ultralytics-{root.name}"
    t0 = time.perf_counter()
    model.train(data=str(data_yaml), epochs=1, imgsz=64, batch=8, workers=0, device="cpu", plots=False, amp=False,
                project=str(project), name="run", exist_ok=True, verbose=False)
    import numpy as np

    counts = {}
    for split in ("train", "val"):  # ultralytics' own label scan: found, missing, empty, corrupt, total
        cache = np.load(root / "yolo" / "labels" / f"{Path(data[split]).name}.cache", allow_pickle=True).item()
        found, missing, empty, corrupt, total = cache["results"]
        assert missing == corrupt == 0 and not cache["msgs"], f"{split}: {cache['results']} {cache['msgs'][:3]}"
        counts[split] = f"{found}/{total} labels"
    return ul.__version__, (f"check_det_dataset ok ({data['nc']} classes); label scan {counts}, none corrupt; 1 epoch of yolov8n"
                            f"{'-seg' if segment else ''} trained and validated in {time.perf_counter() - t0:.0f} s")


def check_bop_toolkit(root: Path, options) -> tuple[str, str]:
    if options.bop_toolkit:
        sys.path.insert(0, options.bop_toolkit)
    os.environ.setdefault("EGL_PLATFORM", "surfaceless")  # headless vispy
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    inout = _need("bop_toolkit_lib.inout").__dict__
    import numpy as np
    import png
    from bop_toolkit_lib.rendering import renderer

    bop = root / "bop"
    models = {int(k): v for k, v in json.loads((bop / "models" / "models_info.json").read_text()).items()}
    ious, files = [], 0
    ren = None
    for split_dir in sorted(p for p in bop.iterdir() if p.is_dir() and p.name != "models"):
        for scene in sorted(split_dir.iterdir()):
            cams = inout["load_scene_camera"](str(scene / "scene_camera.json"))
            gts = inout["load_scene_gt"](str(scene / "scene_gt.json"))
            inout["load_json"](str(scene / "scene_gt_info.json"), keys_to_int=True)
            inout["load_json"](str(scene / "scene_gt_coco.json"))
            files += 4
            for im, objs in gts.items():
                H, W = inout["load_depth"](str(scene / "depth" / f"{im:06d}.png")).shape
                if ren is None:
                    ren = renderer.create_renderer(W, H, "vispy", mode="depth")
                    for obj_id in models:
                        ren.add_object(obj_id, str(bop / "models" / f"obj_{obj_id:06d}.ply"))
                K = cams[im]["cam_K"]
                for gt, obj in enumerate(objs):
                    depth = ren.render_object(obj["obj_id"], obj["cam_R_m2c"], obj["cam_t_m2c"], K[0, 0], K[1, 1], K[0, 2], K[1, 2])["depth"]
                    mask = np.asarray(list(png.Reader(filename=str(scene / "mask" / f"{im:06d}_{gt:06d}.png")).read()[2])) > 0
                    drawn = depth > 0
                    union = (drawn | mask).sum()
                    if union:
                        ious.append((drawn & mask).sum() / union)
    for obj_id in models:
        inout["load_ply"](str(bop / "models" / f"obj_{obj_id:06d}.ply"))
    ious = np.array(ious)
    assert ious.size and np.median(ious) >= 0.99, f"silhouette IoU median {np.median(ious):.4f}"
    return _bop_version(options), (f"inout loaded {files} scene files and {len(models)} models; renderer_vispy silhouettes vs mask/: "
                                   f"IoU median {np.median(ious):.4f}, worst {ious.min():.4f} over {ious.size} objects")


def _bop_version(options) -> str:
    path = Path(options.bop_toolkit or ".") / "pyproject.toml"
    for line in path.read_text().splitlines() if path.is_file() else []:
        if line.startswith("version"):
            return line.split("=", 1)[1].strip().strip('"') + " (git)"
    return "unknown"


def check_torchvision(root: Path, options) -> tuple[str, str]:
    tv = _need("torchvision")
    import numpy as np
    from torchvision.datasets import CocoDetection, wrap_dataset_for_transforms_v2

    images = boxes = 0
    for split, entry in _splits(root).items():
        doc = _coco(root, entry)
        ds = wrap_dataset_for_transforms_v2(CocoDetection(str(root / entry["images"]), str(root / entry["coco"])),
                                            target_keys=("image_id", "boxes", "labels", "masks"))
        by_image = {}
        for ann in doc["annotations"]:
            by_image.setdefault(ann["image_id"], []).append(ann)
        for _image, target in ds:
            anns = by_image.get(int(target["image_id"]), [])
            want = np.array([[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3]] for a in anns]).reshape(-1, 4)
            got = target["boxes"].numpy() if "boxes" in target else np.zeros((0, 4))
            assert np.allclose(got, want, atol=1e-4), f"{split} image {target['image_id']}: boxes differ"
            if anns:
                areas = target["masks"].numpy().reshape(len(anns), -1).sum(axis=1)
                assert (areas == [a["area"] for a in anns]).all(), f"{split} image {target['image_id']}: mask areas differ"
            images += 1
            boxes += len(anns)
    return tv.__version__, f"{images} images, {boxes} boxes and masks equal to the COCO records"


def run_check(tool: str, root: Path, options) -> dict:
    try:
        version, detail = globals()[f"check_{tool}"](root, options)
        return {"result": "passed", "version": version, "detail": detail}
    except Skipped as exc:
        return {"result": "skipped", "version": "-", "detail": str(exc)}
    except Exception as exc:  # a tool that fails to load the data: the finding itself
        return {"result": "failed", "version": _version_of(tool), "detail": f"{type(exc).__name__}: {exc}"[:300]}


def _version_of(tool: str) -> str:
    try:
        return __import__(tool).__version__
    except Exception:
        return "?"


def make_datasets(out: Path, reuse: bool) -> dict[str, Path]:
    roots = {}
    for name, args in DATASETS.items():
        root = out / name
        roots[name] = root
        if reuse and (root / "simgen_dataset.json").is_file():
            continue
        proc = subprocess.run([sys.executable, "-m", "simgen.tools.cli", *args, f"output_dir={root}"], capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"interop: making {name} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return roots


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--tools-python", default=sys.executable, help="interpreter that has the tools installed")
    parser.add_argument("--bop-toolkit", default=None, help="folder of a bop_toolkit checkout (not on PyPI)")
    parser.add_argument("--reuse", action="store_true", help="keep datasets already made in OUT")
    parser.add_argument("--only", default=None, help="comma-separated tools to run")
    parser.add_argument("--check", nargs=2, metavar=("TOOL", "DIR"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.check:
        print(json.dumps(run_check(options.check[0], Path(options.check[1]), options)))
        return 0
    roots = make_datasets(options.out, options.reuse)
    rows = []
    tools = options.only.split(",") if options.only else list(CHECKS)
    for tool in tools:
        for name in CHECKS[tool]:
            cmd = [options.tools_python, __file__, options.out.as_posix(), "--check", tool, str(roots[name])]
            if options.bop_toolkit:
                cmd[3:3] = ["--bop-toolkit", options.bop_toolkit]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            last = proc.stdout.strip().splitlines()[-1:] or ["{}"]
            try:
                res = json.loads(last[0])
            except ValueError:
                res = {"result": "failed", "version": "?", "detail": (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]}
            rows.append((tool, res.get("version", "?"), name, res.get("result", "failed"), res.get("detail", "")))
            print(f"{tool} on {name}: {res.get('result')}", file=sys.stderr)
    print("| tool | version | dataset | result | detail |\n| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(str(v).replace("|", "/") for v in row) + " |")
    return 1 if any(r[3] == "failed" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
