"""A/B of the image stage of two source trees: milliseconds per view and whether their images
are byte-identical.

``python -m benchmarks.ab_sensor --base REV GOLDEN [--sensor mild] [--views 24] [--rounds 5]``
runs, alternately in processes of git revision REV and of this tree, the image stage
(:class:`simgen.sensor.stage.ImageStage`, the effects drawn per view as a job with that sensor
preset draws them) on the colour images and depths of a golden tabletop dataset
(``python -m benchmarks.golden make GOLDEN``), and prints each tree's median milliseconds per
view and a sha256 of every output image.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.ab_trees import ROOT, _export

WORKER = r"""
import hashlib, json, sys, time
from pathlib import Path
import cv2, numpy as np
from omegaconf import OmegaConf
from simgen.config.sensor import SensorConfig
from simgen.sensor.stage import ImageStage
from simgen.core.spec import Atmosphere

golden, preset, views = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conf = Path("simgen/conf/sensor") / f"{preset}.yaml"
cfg = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(SensorConfig), OmegaConf.load(conf)))
stage = ImageStage(cfg, seed=3, moving=False, depth_layer=False)
images = sorted((golden / "tabletop" / "images" / "train").glob("*.png"))
data = []
for f in images:
    rgb = np.ascontiguousarray(cv2.imread(str(f))[..., ::-1])
    depth = cv2.imread(str(golden / "tabletop" / "layers" / "depth" / f.name), cv2.IMREAD_UNCHANGED).astype(np.float32) / 1000
    data.append({"color": rgb, "depth": depth})
h, w = data[0]["color"].shape[:2]

class Cam:
    K = np.array([[500.0, 0, w / 2], [0, 500.0, h / 2], [0, 0, 1]])

digest = hashlib.sha256()
t = 0.0
for v in range(views):
    arrays = data[v % len(data)]
    t0 = time.perf_counter()
    out = stage.apply(arrays, Cam, Atmosphere(), scene_index=v // 4, view=v % 4)
    t += time.perf_counter() - t0
    digest.update(out["color"].tobytes())
print(json.dumps({"ms": 1000 * t / views, "sha256": digest.hexdigest()}))
"""


def _run(tree: Path, golden: Path, preset: str, views: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", WORKER, str(golden), preset, str(views)], cwd=tree, env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", required=True, help="git revision to compare this tree with")
    p.add_argument("golden", type=Path)
    p.add_argument("--sensor", default="mild", help="a preset of simgen/conf/sensor/")
    p.add_argument("--views", type=int, default=24)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="simgen-ab-") as tmp:
        trees = {args.base: _export(args.base, Path(tmp)), "this tree": ROOT}
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                runs[name].append(_run(tree, args.golden.resolve(), args.sensor, args.views))
    print(f"sensor={args.sensor}, {args.views} views x {args.rounds} rounds")
    for name, rs in runs.items():
        print(f"{name:10s} {statistics.median(r['ms'] for r in rs):7.2f} ms per view (median), "
              f"images sha256 {rs[0]['sha256'][:16]}")
    same = len({r["sha256"] for rs in runs.values() for r in rs}) == 1
    print("images identical" if same else "images DIFFER")


if __name__ == "__main__":
    main()
