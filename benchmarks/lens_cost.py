"""Added cost per frame of a lens (simgen.render.lens), on real views.

    python benchmarks/lens_cost.py                                   # tabletop, 640x480, pinhole
    python benchmarks/lens_cost.py camera=robot_arm_mild             # the same views through a lens
    python benchmarks/lens_cost.py scene=driving camera=driving_front_wide

Draws and labels the first view of ``--scenes`` scenes ``--repeat`` times with the pipeline's
own ``draw_view`` and ``annotate_view`` and prints the median milliseconds per view; through a
lens also the median time of the remap alone (colour, ids and depth of a drawn source view
looked up through the cached maps) and to build a camera's maps (:func:`simgen.core.distortion.lens_view`, made
once per camera and cached: a scene kind that draws a new focal length per view pays it per
view). Run once per camera setting (each needs its own renderer size) and compare.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from simgen.annotate.frame import annotate_view
    from simgen.core.distortion import _footprint, _lens_view, footprint, lens_view
    from simgen.job import register_configs
    from simgen.pipeline import SceneWorker, _Laps, draw_view, with_lens
    from simgen.render.lens import source_camera, through_lens
    from simgen.tools.cli import load_job

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("overrides", nargs="*")
    ap.add_argument("--scenes", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    register_configs()
    overrides = ["scene=tabletop", "renderer.width=640", "renderer.height=480", *args.overrides]
    _, job = load_job(overrides)
    worker = SceneWorker(job)
    draw, maps, remap = [], [], []
    try:
        for i in range(args.scenes):
            spec, state = worker._build(worker.context(i), _Laps(worker.renderer))
            cam = with_lens(next(iter(spec.sequence())).cameras[0], job.lens)
            if cam.lens is not None:
                for _ in range(args.repeat):
                    _lens_view.cache_clear()
                    _footprint.cache_clear()
                    t0 = time.perf_counter()
                    lens_view(cam.lens, cam.K, cam.width, cam.height)
                    footprint(cam.lens, cam.K, cam.width, cam.height)
                    maps.append(time.perf_counter() - t0)
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                arrays, plan = draw_view(worker.renderer, state, cam, job.labels)
                annotate_view(plan, state, cam, arrays, worker.category_ids, job.labels, 0, 0)
                draw.append(time.perf_counter() - t0)
            if cam.lens is not None:
                source = worker.renderer.render(source_camera(cam), ("color", "ids", "depth"))
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    for name, array in source.items():
                        through_lens(cam, name, array)
                    remap.append(time.perf_counter() - t0)
    finally:
        worker.close()
    print(f"{' '.join(overrides)}: draw + label {1e3 * statistics.median(draw):.1f} ms per view (median of {len(draw)})"
          + (f"; remap {1e3 * statistics.median(remap):.1f} ms; maps {1e3 * statistics.median(maps):.1f} ms per new camera"
             if maps else ""))


if __name__ == "__main__":
    main()
