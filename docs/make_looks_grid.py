"""Example frames of each scene under each looks preset: README's docs/looks_<scene>.jpg.

Usage: python docs/make_looks_grid.py [--scenes tabletop bin_picking driving] [--frames 4]
       [--seed 0] [--out docs] [--fps] [--size 320 240]

For every scene, the first view of scenes 0..frames-1 is drawn under looks=realistic,
randomized and flat (one row each, the same scenes in every row), through the same worker the
``simgen`` command runs (its image stage included), and saved as one small JPEG. ``--fps``
prints each preset's scenes per second of those renders (one process, one worker, after an
untimed warm-up scene per preset that loads the assets and compiles the shaders).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

from simgen.job import load_job, register_configs
from simgen.pipeline import SceneWorker

PRESETS = ("realistic", "randomized", "flat")
RENDER = (320, 240)  # pixels each frame is drawn at
TILE = (240, 180)  # pixels each frame is shown at
QUALITY = 80  # JPEG quality of the grid


def preset_frames(scene: str, preset: str, frames: int, seed: int, size=RENDER, warm: bool = False,
                  extra: tuple[str, ...] = ()) -> tuple[list[np.ndarray], float]:
    """The first view (BGR, TILE sized) of scenes 0..frames-1, and seconds per scene (after
    one untimed scene, ``frames``, with ``warm``); ``extra``: more overrides."""
    overrides = [f"scene={scene}", f"looks={preset}", f"frames={frames + warm}", f"seed={seed}", "export.image_format=png",
                 f"renderer.width={size[0]}", f"renderer.height={size[1]}", *extra]
    if scene != "driving":  # one view per scene: every tile is another scene
        overrides.append("scene.views_per_scene=1")
    _, job = load_job(overrides)
    worker = SceneWorker(job)
    tiles = []
    try:
        if warm:
            worker.run(frames)
        t0 = time.perf_counter()
        for index in range(frames):
            result = worker.run(index)
            data = next(v for k, v in result.frames[0].files.items() if k.startswith("images/"))
            bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            tiles.append(cv2.resize(bgr, TILE, interpolation=cv2.INTER_AREA))
    finally:
        worker.close()
    return tiles, (time.perf_counter() - t0) / frames


def grid(rows: dict[str, list[np.ndarray]]) -> np.ndarray:
    """One image: a row of tiles per preset, its name written on the row's first tile."""
    out = []
    for name, tiles in rows.items():
        row = np.hstack(tiles)
        cv2.putText(row, name, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(row, name, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1, cv2.LINE_AA)
        out.append(row)
    return np.vstack(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", nargs="+", default=["tabletop", "bin_picking", "driving"])
    ap.add_argument("--frames", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).parent))
    ap.add_argument("--fps", action="store_true", help="print scenes per second per preset")
    ap.add_argument("--size", nargs=2, type=int, default=list(RENDER), help="render size in pixels (width height)")
    args = ap.parse_args()
    register_configs()
    for scene in args.scenes:
        rows = {}
        for preset in PRESETS:
            rows[preset], seconds = preset_frames(scene, preset, args.frames, args.seed, args.size, args.fps)
            if args.fps:
                print(f"{scene} looks={preset}: {1.0 / seconds:.2f} scenes/s ({seconds:.3f} s each, {args.size[0]}x{args.size[1]})")
        path = Path(args.out) / f"looks_{scene}.jpg"
        cv2.imwrite(str(path), grid(rows), [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
        print(f"{path}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
