"""PyOpenGL calls per frame of one in-process worker, by function: what the ``render`` stage's
CPU time is spent calling.

``python -m benchmarks.gl_calls [--scenes 4] [OVERRIDES...]`` runs one
:class:`simgen.pipeline.SceneWorker` (default: tabletop, 20 objects, the default looks), a
warm-up scene, then counts every call of an ``OpenGL.GL`` function made by pyrender and simgen
over ``--scenes`` scenes, and prints calls per frame, in all and for the most called functions.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run import _job  # noqa: E402

COUNTS: Counter = Counter()


def _counting(name: str, fn):
    def call(*args, **kwargs):
        COUNTS[name] += 1
        return fn(*args, **kwargs)

    return call


def instrument() -> int:
    """Wrap every ``gl*`` function of ``OpenGL.GL`` where pyrender's and simgen's modules hold
    it (``from OpenGL.GL import *`` copies, ``GL.glX`` look-ups); returns how many were wrapped."""
    from OpenGL import GL

    originals = {name: getattr(GL, name) for name in dir(GL) if name.startswith("gl") and callable(getattr(GL, name))}
    wrapped = {name: _counting(name, fn) for name, fn in originals.items()}
    modules = [m for n, m in list(sys.modules.items()) if n.split(".")[0] in ("pyrender", "simgen") or n == "OpenGL.GL"]
    count = 0
    for module in modules:
        for name, fn in originals.items():
            if getattr(module, name, None) is fn:
                setattr(module, name, wrapped[name])
                count += 1
    return count


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenes", type=int, default=4)
    p.add_argument("--top", type=int, default=20)
    p.add_argument("overrides", nargs="*")
    args = p.parse_args()
    from simgen.pipeline import SceneWorker

    job = _job(["frames=1000000", *(args.overrides or ["scene=tabletop", "scene.min_objects=20", "scene.max_objects=20"])])
    worker = SceneWorker(job)
    worker.run(job.scene_count)  # warm-up: every pass made, shaders compiled
    instrument()
    frames = sum(len(worker.run(i).frames) for i in range(args.scenes))
    total = sum(COUNTS.values())
    print(f"{frames} frames: {total / frames:.0f} PyOpenGL calls per frame (scene loads included)")
    for name, n in COUNTS.most_common(args.top):
        print(f"  {name:32s} {n / frames:8.1f}")


if __name__ == "__main__":
    main()
