"""A/B of two source trees on the same scenes: each stage's milliseconds per frame.

``python -m benchmarks.ab_trees --base REV [--scenes 6] [--rounds 3] [-- OVERRIDES...]`` exports
git revision REV to a temporary folder and runs, alternately, a worker process of that tree and
one of this tree (one in-process :class:`simgen.pipeline.SceneWorker`, a warm-up scene, then
``--scenes`` scenes), ``--rounds`` times; with ``--loads``, only the scene loads (meshes,
textures and their upload) and one colour view each, per scene. On a shared machine the alternation lets both trees
see the same load; the table gives each stage's median over rounds, and the sum of the stages
that are CPU-side work (all but ``gl``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ["scene=tabletop", "scene.min_objects=20", "scene.max_objects=20"]

WORKER = r"""
import json, sys, time
try:  # the composition root's since the stage order; trees before it have it in recipes
    from simgen.job import register_configs
except ImportError:
    from simgen.recipes import register_configs
from simgen.tools.cli import load_job
from simgen.pipeline import SceneWorker
register_configs()
job = load_job(json.loads(sys.argv[1]))[1]
worker = SceneWorker(job)
worker.run(job.scene_count)  # warm-up, past the dataset's scenes
seconds, frames = {}, 0
t0 = time.perf_counter()
for i in range(int(sys.argv[2])):
    result = worker.run(i)
    frames += len(result.frames)
    for k, v in result.timings.items():
        seconds[k] = seconds.get(k, 0.0) + v
wall = time.perf_counter() - t0
print(json.dumps({"frames": frames, "wall": wall, "ms": {k: 1000 * v / frames for k, v in seconds.items()}}))
"""

# Scene loads alone: the settled states of the scenes, then Renderer.load of each, timed
# (meshes, textures and their upload: the part of ``render`` paid once per scene).
LOAD_WORKER = r"""
import json, sys, time
try:  # the composition root's since the stage order; trees before it have it in recipes
    from simgen.job import register_configs
except ImportError:
    from simgen.recipes import register_configs
from simgen.tools.cli import load_job
from simgen.pipeline import SceneWorker
from simgen.randomizers import build_scene
register_configs()
job = load_job(json.loads(sys.argv[1]))[1]
worker = SceneWorker(job)
states = [worker.physics.simulate(s, job.scene.physics)
          for s in (build_scene(i, job.seed, worker.recipe) for i in range(int(sys.argv[2])))]
worker.renderer.load(states[-1])
t0 = time.perf_counter()
for state in states:
    worker.renderer.load(state)
    worker.renderer.render(state.spec.cameras[0], ("color",))
wall = time.perf_counter() - t0
n = len(states) * job.views_per_scene
print(json.dumps({"frames": n, "wall": wall, "ms": {"load+1 view": 1000 * wall / len(states)}}))
"""


def _export(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    tar = into / "tree.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into / "tree", filter="data")
    return into / "tree"


def _run(tree: Path, overrides: list[str], scenes: int, worker: str = WORKER) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", worker, json.dumps(overrides), str(scenes)], cwd=tree, env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", required=True, help="git revision to compare this tree with")
    p.add_argument("--scenes", type=int, default=6)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--loads", action="store_true",
                   help="time scene loads alone (Renderer.load and one colour view per scene, ms per scene)")
    p.add_argument("overrides", nargs="*", help="simgen overrides (default: tabletop, 20 objects)")
    args = p.parse_args()
    overrides = args.overrides or DEFAULT
    with tempfile.TemporaryDirectory(prefix="simgen-ab-") as tmp:
        trees = {args.base: _export(args.base, Path(tmp)), "this tree": ROOT}
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for r in range(args.rounds):
            for name, tree in trees.items():
                runs[name].append(_run(tree, overrides, args.scenes, LOAD_WORKER if args.loads else WORKER))
                print(f"round {r + 1} {name}: {json.dumps(runs[name][-1]['ms'])}", file=sys.stderr)
    stages = sorted({k for rs in runs.values() for run in rs for k in run["ms"]})
    unit = "ms per scene" if args.loads else "ms per frame"
    print(f"{' '.join(overrides)}; {args.scenes} scenes x {args.rounds} rounds, {unit} (median over rounds)")
    print(f"{'stage':10s}" + "".join(f"{name:>14s}" for name in trees))
    for stage in stages + ([] if args.loads else ["cpu", "wall"]):
        row = []
        for name in trees:
            if stage == "cpu":
                vals = [sum(v for k, v in run["ms"].items() if k != "gl") for run in runs[name]]
            elif stage == "wall":
                vals = [1000 * run["wall"] / run["frames"] for run in runs[name]]
            else:
                vals = [run["ms"].get(stage, 0.0) for run in runs[name]]
            row.append(statistics.median(vals))
        print(f"{stage:10s}" + "".join(f"{v:14.1f}" for v in row))


if __name__ == "__main__":
    main()
