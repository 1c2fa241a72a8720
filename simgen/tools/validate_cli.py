"""``simgen-validate DATASET_DIR``: list every label-rule violation; exit 1 if there is any."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simgen.core import layout
from simgen.tools.validate import validate_dataset


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="simgen-validate", description="Check a simgen dataset against its label rules.")
    parser.add_argument("dataset_dir", type=Path)
    parser.add_argument("--max", type=int, default=50, help="violations to print (all are counted)")
    args = parser.parse_args(argv)
    if not (args.dataset_dir / layout.INDEX_FILE).is_file():
        print(f"simgen-validate: error: {args.dataset_dir}: no {layout.INDEX_FILE} (not a finished simgen dataset)", file=sys.stderr)
        return 2
    found = validate_dataset(args.dataset_dir)
    if not found:
        print(f"simgen-validate: {args.dataset_dir}: valid")
        return 0
    print("image\tannotation\trule\tdetail")
    for v in found[: args.max]:
        print(v)
    print(f"simgen-validate: {args.dataset_dir}: {len(found)} violations", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
