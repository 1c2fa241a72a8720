"""``simgen-report DATASET [--out DIR] [--compare REAL [--map FILE]]``: the dataset report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from simgen.core.errors import SimgenError


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
    args = parser.parse_args(argv)
    from simgen.report.build import make_report
    from simgen.report.stats import Thresholds

    start = time.perf_counter()
    try:
        if not args.dataset.is_dir():
            raise SimgenError(f"{args.dataset}: not a folder")
        if args.compare is not None and not args.compare.exists():
            raise SimgenError(f"--compare {args.compare}: no such file or folder")
        files = make_report(args.dataset, args.out, args.compare, args.map,
                            Thresholds(min_instances=args.min_instances, max_imbalance=args.max_imbalance), args.gallery)
    except SimgenError as exc:
        print(f"simgen-report: error: {exc}", file=sys.stderr)
        return exc.exit_code
    if files.note:
        print(f"simgen-report: warning: {files.note}", file=sys.stderr)
    print(f"simgen-report: {files.html} ({len(files.figures)} figures, {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
