"""A/B in one process: the procedural textures of real scenes made afresh per body (as before
patterns were cached, every seed distinct) against the pattern cache (seeds one of
``TEXTURE_PATTERNS`` per kind, colours mixed per body).

``python -m benchmarks.ab_textures [--scenes 40] [OVERRIDES...]`` builds the specs of that many
scenes (default: tabletop, 20 objects, the default looks) and times, scene by scene and
interleaved, both ways of making every procedural texture the scene draws. Prints
milliseconds per scene and the cache's fill.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run import _job  # noqa: E402
from simgen.core.spec import PROCEDURAL_TEXTURES  # noqa: E402
from simgen.randomizers import RecipeContext, build_scene  # noqa: E402
from simgen.render import textures  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenes", type=int, default=40)
    p.add_argument("--warm", type=int, default=0, help="scenes whose textures fill the cache first, untimed")
    p.add_argument("overrides", nargs="*")
    args = p.parse_args()
    job = _job(args.overrides or ["scene=tabletop", "scene.min_objects=20", "scene.max_objects=20"])
    ctx = RecipeContext(scene=job.scene, width=job.renderer.width, height=job.renderer.height,
                        sequence=job.sequence, balance=job.balance)
    rng = np.random.default_rng(0)
    seconds = {"afresh": 0.0, "cached": 0.0}
    count = 0
    for i in range(args.warm):
        for b in build_scene(args.scenes + i, job.seed, ctx).bodies:
            tex = b.material.texture if b.material is not None else None
            if tex is not None and tex.kind in PROCEDURAL_TEXTURES:
                textures.procedural_image(tex.kind, tex.colors, tex.seed)
    for i in range(args.scenes):
        spec = build_scene(i, job.seed, ctx)
        looks = [b.material.texture for b in spec.bodies
                 if b.material is not None and b.material.texture is not None
                 and b.material.texture.kind in PROCEDURAL_TEXTURES]
        count += len(looks)
        t0 = time.perf_counter()
        for tex in looks:  # a seed of its own per body, as the randomizers drew before
            textures._blend(textures._pattern.__wrapped__(tex.kind, int(rng.integers(2**31)), textures.PROCEDURAL_SIZE),
                            tex.colors)
        t1 = time.perf_counter()
        for tex in looks:
            textures.procedural_image(tex.kind, tex.colors, tex.seed)
        t2 = time.perf_counter()
        seconds["afresh"] += t1 - t0
        seconds["cached"] += t2 - t1
    print(f"{args.scenes} scenes, {count / args.scenes:.1f} procedural textures per scene; "
          f"pattern cache {textures._pattern.cache_info()}")
    for name, s in seconds.items():
        print(f"{name:7s} {1000 * s / args.scenes:7.2f} ms per scene")


if __name__ == "__main__":
    main()
