"""Where the path tracer's time goes, per scene kind: build, JIT, render, denoise.

    python benchmarks/pathtrace_cost.py                    # 640x480, default spp, 3 kinds
    python benchmarks/pathtrace_cost.py --size 320x240 --save docs

For scene 0 of tabletop, bin_picking and driving (default looks; bodies at rest), with
denoising off and on: builds the Mitsuba scene (``build``), draws the first view once (its
kernels compile: ``jit``), then ``--views`` more times with other seeds (``render`` and
``denoise`` per view, the steady state) and prints seconds per stage, frames per second and
the CPU seconds a view took over all threads (on a busy machine, wall time is no measure of work).
Compilation is measured by drjit's kernel history; kernels cached on disk (``~/.drjit``) from
an earlier run compile faster. ``--save DIR`` writes the raster's colour image beside the
denoised path-traced one (``pathtrace_<kind>.jpg``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from benchmarks.pathtrace_spp import scene_states
    from simgen.config.pathtrace import PathTraceConfig
    from simgen.render.pathtrace.tracer import PathTracer

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--spp", type=int, default=PathTraceConfig.spp)
    ap.add_argument("--views", type=int, default=2)
    ap.add_argument("--scenes", default="tabletop,bin_picking,driving")
    ap.add_argument("--save", type=Path, default=None)
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    states = scene_states(args.scenes.split(","), width, height)
    rows, images = [], {}
    for denoise in (False, True):
        tracer = PathTracer(PathTraceConfig(spp=args.spp, denoise=denoise), width, height)
        for kind, state, cam in states:
            tracer.timings = dict.fromkeys(tracer.timings, 0.0)
            tracer.load(state)
            build = tracer.timings["build"]
            images[kind] = tracer.color(cam, 0)
            first = dict(tracer.timings)
            start, cpu_start = time.perf_counter(), time.process_time()
            for k in range(args.views):
                tracer.color(cam, 1 + k)
            wall = (time.perf_counter() - start) / args.views
            cpu = (time.process_time() - cpu_start) / args.views
            steady = {s: (tracer.timings[s] - first[s]) / args.views for s in ("render", "denoise", "jit")}
            rows.append((kind, denoise, len(state.bodies), build, first["jit"], first["render"], steady,
                         wall, cpu))
            print(f"{kind} denoise={denoise}: done", flush=True)
    print(f"\n{width}x{height}, {args.spp} spp, max_depth {PathTraceConfig.max_depth}; seconds "
          f"(steady: mean of {args.views} views after the first)")
    print("scene        denoise bodies  build  jit(1st)  render(1st)  render  denoise  jit   "
          "per view  frames/s  cpu s/view")
    for kind, denoise, n, build, jit, render1, steady, wall, cpu in rows:
        print(f"{kind:12s} {'on' if denoise else 'off':7s} {n:6d} {build:6.2f} {jit:9.2f} {render1:12.2f} "
              f"{steady['render']:7.2f} {steady['denoise']:8.2f} {steady['jit']:4.2f} {wall:10.2f} "
              f"{1 / wall:9.2f} {cpu:11.2f}")
    if args.save:
        import cv2

        from simgen.config.schema import RendererConfig
        from simgen.render.renderer import Renderer

        args.save.mkdir(parents=True, exist_ok=True)
        raster = Renderer(RendererConfig(width=width, height=height))
        try:
            for kind, state, cam in states:
                raster.load(state)
                pair = np.concatenate([raster.render(cam, ("color",))["color"], images[kind]], axis=1)
                cv2.imwrite(str(args.save / f"pathtrace_{kind}.jpg"), pair[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])
        finally:
            raster.close()


if __name__ == "__main__":
    main()
