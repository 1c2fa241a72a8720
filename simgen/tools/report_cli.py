"""``simgen-report DATASET [--out DIR] [--compare REAL [--map FILE]] [--utility REAL [--real-train R2]]``:
the dataset report."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from simgen.core.errors import SimgenError
from simgen.report.utility.train import TrainSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="simgen-report", description=(
        "Statistics, figures and a preview of a simgen dataset: report.html, figures/*.png and stats.json."))
    parser.add_argument("dataset", type=Path, help="a finished simgen dataset folder")
    parser.add_argument("--out", type=Path, default=None, help="where the report goes (default DATASET/report)")
    parser.add_argument("--compare", type=Path, default=None, metavar="REAL",
                        help="real labels to compare with: a COCO instances file or a KITTI label_2 folder")
    parser.add_argument("--map", type=Path, default=None, metavar="FILE",
                        help="JSON or YAML {simgen class: real class} (default: match names ignoring case)")
    parser.add_argument("--min-instances", type=int, default=50, help="warn about classes with fewer instances")
    parser.add_argument("--max-imbalance", type=float, default=10.0, help="warn when largest / smallest class exceeds it")
    parser.add_argument("--gallery", type=int, default=6, help="preview images per split")
    util = parser.add_argument_group("utility (the train extra: torch and ultralytics)")
    util.add_argument("--utility", type=Path, default=None, metavar="REAL",
                      help="train a YOLO nano detector on the dataset's train split and score it on REAL: "
                           "a COCO instances file or folder, or a YOLO data.yaml (classes by name or --map)")
    util.add_argument("--real-train", type=Path, default=None, metavar="R2",
                      help="real training images (COCO or YOLO): adds real-only and simgen-then-fine-tuned models")
    util.add_argument("--epochs", type=int, default=TrainSettings.epochs, help="training epochs of each model")
    util.add_argument("--imgsz", type=int, default=TrainSettings.imgsz, help="training and test image size, pixels")
    util.add_argument("--batch", type=int, default=TrainSettings.batch, help="training batch size")
    util.add_argument("--device", default=TrainSettings.device, help="cpu, or a GPU: 0, cuda:0, ...")
    util.add_argument("--frames", type=int, default=None, help="train on the first FRAMES train images only")
    util.add_argument("--single-class", action="store_true", help="detect and score all classes as one (objectness)")
    args = parser.parse_args(argv)
    from simgen.report.build import make_report
    from simgen.report.stats import Thresholds

    start = time.perf_counter()
    try:
        if not args.dataset.is_dir():
            raise SimgenError(f"{args.dataset}: not a folder")
        if args.compare is not None and not args.compare.exists():
            raise SimgenError(f"--compare {args.compare}: no such file or folder")
        utility = _utility(args, argv if argv is not None else sys.argv[1:])
        files = make_report(args.dataset, args.out, args.compare, args.map,
                            Thresholds(min_instances=args.min_instances, max_imbalance=args.max_imbalance), args.gallery,
                            utility)
    except SimgenError as exc:
        print(f"simgen-report: error: {exc}", file=sys.stderr)
        return exc.exit_code
    if files.note:
        print(f"simgen-report: warning: {files.note}", file=sys.stderr)
    print(f"simgen-report: {files.html} ({len(files.figures)} figures, {time.perf_counter() - start:.1f} s)")
    return 0


def _utility(args: argparse.Namespace, argv: list[str]) -> dict | None:
    """The utility measure when ``--utility`` is given (trains: minutes), else None."""
    for key in ("utility", "real_train"):
        path = getattr(args, key)
        if path is not None and not path.exists():
            raise SimgenError(f"--{key.replace('_', '-')} {path}: no such file or folder")
    if args.utility is None:
        if args.real_train is not None:
            raise SimgenError("--real-train needs --utility REAL (the set the models are scored on)")
        return None
    from simgen.report.compare import read_mapping
    from simgen.report.utility.measure import measure

    settings = TrainSettings(epochs=args.epochs, imgsz=args.imgsz, batch=args.batch, device=str(args.device),
                             single_class=args.single_class)
    command = shlex.join(["simgen-report", *argv])
    return measure(args.dataset, args.utility, settings, args.real_train, read_mapping(args.map), args.frames, command)


if __name__ == "__main__":
    raise SystemExit(main())
