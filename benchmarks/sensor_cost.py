"""Cost of the image stage (simgen.sensor) per frame, on real rendered views.

    python benchmarks/sensor_cost.py                       # tabletop, 640x480, 3 scenes x 4 views
    python benchmarks/sensor_cost.py --scene driving --repeat 5 --save outputs/sensor_examples

Renders the views once (sensor off), then times ``ImageStage.apply`` on each view for each
``sensor`` option (and with fog and rain, and with the depth sensor layer) ``--repeat`` times,
with time.perf_counter; prints the median milliseconds per frame. ``--save`` writes each
variant of the first view as PNG, to look at.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rendered_views(scene: str, scenes: int, width: int, height: int, seed: int):
    """(scene index, view index, passes, camera, spec) of every view of ``scenes`` scenes."""
    from simgen.job import register_configs
    from simgen.physics.state import posed_state
    from simgen.pipeline import SceneWorker
    from simgen.randomizers import RecipeContext, build_scene
    from simgen.tools.cli import load_job

    register_configs()
    _, job = load_job([f"scene={scene}", f"renderer.width={width}", f"renderer.height={height}", f"seed={seed}"])
    worker = SceneWorker(job)
    views = []
    try:
        for i in range(scenes):
            ctx = RecipeContext(scene=job.scene, width=width, height=height, sequence=job.sequence, balance=job.balance)
            spec = build_scene(i, seed, ctx)
            state = posed_state(spec) if job.kind.kinematic else worker.physics.simulate(spec, job.scene.physics)
            worker.renderer.load(state)
            for v, cam in enumerate(spec.sequence()[0].cameras):
                views.append((i, v, worker.renderer.render(cam, ("color", "ids", "depth")), cam, spec))
    finally:
        worker.close()
    return views


def main() -> None:
    from simgen.core.spec import Atmosphere
    from simgen.job import register_configs
    from simgen.sensor.stage import ImageStage
    from simgen.tools.cli import load_job

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scene", default="tabletop")
    ap.add_argument("--scenes", type=int, default=3)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", type=Path, default=None)
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    views = rendered_views(args.scene, args.scenes, width, height, args.seed)
    register_configs()
    fog_rain = Atmosphere(fog_density=0.05, fog_color=(0.7, 0.72, 0.75), rain=0.6)
    variants = [(name, load_job([f"sensor={name}"])[1].sensor, None, False) for name in ("off", "mild", "strong")]
    variants += [("fog+rain", variants[0][1], fog_rain, False), ("depth_sensor", variants[0][1], None, True),
                 ("strong+fog+rain+depth", variants[2][1], fog_rain, True)]
    print(f"{args.scene}, {width}x{height}, {len(views)} views x {args.repeat} repeats: median ms per frame")
    for name, cfg, air, depth in variants:
        stage = ImageStage(cfg, args.seed, moving=False, depth_layer=depth)
        times = []
        for r in range(args.repeat):
            for i, v, passes, cam, spec in views:
                t0 = time.perf_counter()
                out = stage.apply(passes, cam, air or spec.atmosphere, i, v + 100 * r)
                times.append(time.perf_counter() - t0)
                if args.save and r == 0 and (i, v) == views[0][:2]:
                    import cv2

                    args.save.mkdir(parents=True, exist_ok=True)
                    cv2.imwrite(str(args.save / f"{name}.png"), out["color"][..., ::-1])
        print(f"  {name:<24}{1000 * statistics.median(times):8.1f} ms  (max {1000 * max(times):.1f})")


if __name__ == "__main__":
    main()
