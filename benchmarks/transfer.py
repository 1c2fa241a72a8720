"""Cross-look transfer: train a YOLO nano detector on one look, test it on every other.

    python benchmarks/transfer.py --quick      # smoke test, under 5 minutes on the 2-core machine
    python benchmarks/transfer.py              # the README's table (defaults below)

No real set ships with simgen, so utility is measured between renderings. For each scene
(tabletop, bin_picking) and look (flat, realistic, randomized, photoreal: path traced), it
renders ``--n`` training frames (seed 0) and ``--m`` test frames from a held-out seed (1) at
``--size``, trains a detector from scratch on each training set (``--epochs``, ``--imgsz``;
simgen/report/utility/train.py; all classes as one unless ``--per-class``) and scores it on the
test set of every look. The defaults are small because the machine is: a YOLO nano step at
imgsz 128 took about 1 s per image on the loaded 2-core VM (README, "Transfer between looks"). It prints, per
scene and averaged over the scenes, a train-look x test-look table of mAP50-95 (column
``transfer``: the mean over the other looks), then one learning curve: mAP50-95 against the
number of training frames for ``--curve-look`` on the first scene (``--curve``: the smaller
sizes; the first frames of the same training set). Needs the ``train`` extra (torch,
ultralytics). Rendered sets are kept in ``--work`` and reused (or grown) by a later run.
Results also go to ``WORK/transfer.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simgen.report.data import load_dataset  # noqa: E402
from simgen.report.utility.folders import subset_rows, write_folder  # noqa: E402
from simgen.report.utility.tables import curve_table, matrix_table  # noqa: E402
from simgen.report.utility.train import TrainSettings, evaluate, train  # noqa: E402

LOOKS = ("flat", "realistic", "randomized", "photoreal")
SCENES = ("tabletop", "bin_picking")
TRAIN_SEED, TEST_SEED = 0, 1
QUICK = dict(n=8, m=4, epochs=2, imgsz=64, size="160x120", looks="flat,realistic", scenes="tabletop", curve="4")


def render(scene: str, look: str, frames: int, seed: int, size: str, out: Path) -> Path:
    """Render one dataset (every image in split train, COCO only, no report), or reuse one with
    at least ``frames`` images: its first ``frames`` are the same as a set of that size (the
    dataset is a function of config and seed; a larger ``frames`` grows it)."""
    if (out / "simgen_dataset.json").is_file() and len(load_dataset(out).img["file"]) >= frames:
        return out
    w, h = size.split("x")
    cmd = [sys.executable, "-m", "simgen.tools.cli", f"scene={scene}", f"looks={look}", f"frames={frames}",
           f"seed={seed}", f"renderer.width={w}", f"renderer.height={h}", "splits.train=1", "splits.val=0",
           "splits.test=0", "report=false", "validate=false", f"output_dir={out}"]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"transfer: rendering {out.name} failed:\n{done.stderr[-2000:]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help=f"smoke test: {QUICK}")
    ap.add_argument("--n", type=int, default=16, help="training frames per scene and look")
    ap.add_argument("--m", type=int, default=16, help="test frames per scene and look (held-out seed)")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--imgsz", type=int, default=128)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--size", default="320x240", help="rendered image size WxH")
    ap.add_argument("--looks", default=",".join(LOOKS))
    ap.add_argument("--scenes", default=",".join(SCENES))
    ap.add_argument("--curve-look", default="realistic")
    ap.add_argument("--curve", default="8", help="smaller training sizes of the learning curve ('' for none)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--per-class", action="store_true",
                    help="detect and score each class (default: objectness alone, all classes as one, "
                         "which the small default budget learns; per class it scores near zero)")
    ap.add_argument("--work", type=Path, default=Path("outputs/transfer"))
    args = ap.parse_args()
    if args.quick:
        for k, v in QUICK.items():
            setattr(args, k, v)
    looks, scenes = args.looks.split(","), args.scenes.split(",")
    curve = [int(v) for v in args.curve.split(",") if v]
    settings = TrainSettings(epochs=args.epochs, imgsz=args.imgsz, batch=args.batch, device=args.device,
                             single_class=not args.per_class)
    settings.check()
    work = args.work / args.size
    start = time.perf_counter()
    times = {"render": 0.0, "train": 0.0, "evaluate": 0.0}

    def timed(key, fn, *a, **kw):
        t = time.perf_counter()
        out = fn(*a, **kw)
        times[key] += time.perf_counter() - t
        return out

    sets = {}
    for scene in scenes:
        for look in looks:
            for role, frames, seed in (("train", args.n, TRAIN_SEED), ("test", args.m, TEST_SEED)):
                path = work / "data" / f"{scene}-{look}-{role}"
                sets[(scene, look, role)] = load_dataset(timed("render", render, scene, look, frames, seed, args.size, path))
                print(f"transfer: {path.name}: {frames} of {len(sets[(scene, look, role)].img['file'])} images "
                      f"({time.perf_counter() - start:.0f} s)", flush=True)
    results: dict = {"args": {k: str(v) for k, v in vars(args).items()}, "scenes": {}, "curve": []}
    runs = work / "runs"

    def fit(scene: str, look: str, frames: int) -> dict[str, tuple[float, float]]:
        table = sets[(scene, look, "train")]
        names = table.categories
        rows = subset_rows(table, frames=frames)
        data = write_folder(table, rows, names, {c: c for c in names}, runs / f"{scene}-{look}-{frames}" / "data",
                            val_rows=rows[:4])
        weights = timed("train", train, data, settings, runs, f"{scene}-{look}-{frames}",
                        progress=f"{scene} {look} ({len(rows)} images)")
        scores = {}
        for test_look in looks:
            test = sets[(scene, test_look, "test")]
            test_rows = subset_rows(test, frames=args.m)
            tdata = write_folder(test, test_rows[:0], names, {c: c for c in test.categories if c in names},
                                 runs / f"test-{scene}-{test_look}-{args.m}", val_rows=test_rows)
            s = timed("evaluate", evaluate, weights, tdata, settings, runs, f"eval-{scene}-{look}-{frames}-{test_look}")
            scores[test_look] = (s.map50, s.map50_95)
        print(f"transfer: {scene} trained on {look} ({len(rows)} images): "
              + ", ".join(f"{t} {v[1]:.3f}" for t, v in scores.items()) + f" ({time.perf_counter() - start:.0f} s)", flush=True)
        return scores

    for scene in scenes:
        results["scenes"][scene] = {look: fit(scene, look, args.n) for look in looks}
    if args.curve_look in looks:
        for n in [*curve, args.n]:
            sc = results["scenes"][scenes[0]][args.curve_look] if n == args.n else fit(scenes[0], args.curve_look, n)
            others = [v[1] for t, v in sc.items() if t != args.curve_look]
            results["curve"].append((n, sc[args.curve_look][1], float(np.mean(others)) if others else float("nan")))
    total = time.perf_counter() - start
    results["seconds"] = {**times, "total": total}
    (work / "transfer.json").write_text(json.dumps(results, indent=1))
    print(f"\nmAP50-95, train look (rows) x test look (columns); {args.n} training and {args.m} test frames per "
          f"scene and look, {args.size}, imgsz {args.imgsz}, {args.epochs} epochs, batch {args.batch}, yolov8n from scratch"
          + ("" if args.per_class else ", single class"))
    for scene in scenes:
        print(f"\n{scene}\n" + matrix_table(looks, looks, {(r, t): v[1] for r, sc in results["scenes"][scene].items()
                                                          for t, v in sc.items()}))
    if len(scenes) > 1:
        mean = {(r, t): float(np.mean([results["scenes"][s][r][t][1] for s in scenes])) for r in looks for t in looks}
        print("\nmean over scenes\n" + matrix_table(looks, looks, mean))
    if results["curve"]:
        print(f"\nlearning curve: {scenes[0]}, trained on {args.curve_look}\n" + curve_table(results["curve"]))
    print(f"\ntime: {total / 60:.1f} min (render {times['render'] / 60:.1f}, train {times['train'] / 60:.1f}, "
          f"evaluate {times['evaluate'] / 60:.1f}); results in {work / 'transfer.json'}")


if __name__ == "__main__":
    main()
