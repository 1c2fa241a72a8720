"""Draw the strip of one scenario of a dataset: README's docs/scenario_*.jpg.

Usage: python docs/scenario_strip.py DATASET SCENARIO OUT.jpg [FRAMES] [WIDTH]
The first sequence of SCENARIO in the dataset, FRAMES of its frames (default 4) evenly spaced,
each WIDTH pixels wide (default 320), drawn as ``simgen-report`` draws its scenario strips
(:mod:`simgen.report.strips`): the actors boxed with their role and visibility, the phase on top.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2

from simgen.report.data import load_dataset
from simgen.report.strips import sequences, strip


def main(argv: list[str]) -> None:
    root, name, out = Path(argv[0]), argv[1], argv[2]
    count = int(argv[3]) if len(argv) > 3 else 4
    width = int(argv[4]) if len(argv) > 4 else 320
    image = strip(root, sequences(load_dataset(root))[name], count, width)
    cv2.imwrite(out, image, [cv2.IMWRITE_JPEG_QUALITY, 80])


if __name__ == "__main__":
    main(sys.argv[1:])
