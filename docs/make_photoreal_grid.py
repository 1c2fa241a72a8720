"""The same scenes drawn by the raster and by the path tracer: README's docs/photoreal_<scene>.jpg.

Usage: python docs/make_photoreal_grid.py [--scenes tabletop bin_picking driving] [--frames 3]
       [--seed 0] [--out docs] [--size 320 240]

For every scene kind, the first view of scenes 0..frames-1 under looks=photoreal (so both rows
have the same materials, glass and metal included), one row rasterized
(``renderer.engine=raster``) and one path traced at the default samples per pixel, denoised,
through the same worker the ``simgen`` command runs (its image stage included).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
from make_looks_grid import QUALITY, RENDER, grid, preset_frames

from simgen.job import register_configs

ROWS = {"raster": ("renderer.engine=raster",), "path traced": ()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", nargs="+", default=["tabletop", "bin_picking", "driving"])
    ap.add_argument("--frames", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).parent))
    ap.add_argument("--size", nargs=2, type=int, default=list(RENDER), help="render size in pixels (width height)")
    args = ap.parse_args()
    register_configs()
    for scene in args.scenes:
        rows = {name: preset_frames(scene, "photoreal", args.frames, args.seed, args.size, extra=extra)[0]
                for name, extra in ROWS.items()}
        path = Path(args.out) / f"photoreal_{scene}.jpg"
        cv2.imwrite(str(path), grid(rows), [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
        print(f"{path}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
