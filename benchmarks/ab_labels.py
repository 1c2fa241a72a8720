"""A/B in one process: a view's mask labels the whole-image way (``instance_stats``, then per
object ``ids == iid``, ``depth[mask]`` and pycocotools' encode) against one run-length pass
(:class:`simgen.annotate.masks.IdRuns`), on the id and depth maps of a golden tabletop dataset.

``python -m benchmarks.ab_labels DIR`` where DIR is ``python -m benchmarks.golden make DIR``'s
output; prints milliseconds per view of each, interleaved so both see the same machine load.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

from simgen.annotate.masks import IdRuns, encode_rle, instance_stats


def _whole_image(ids: np.ndarray, depth: np.ndarray, present: list[int]) -> list:
    instance_stats(ids)
    out = []
    for iid in present:
        mask = ids == iid
        under = depth[mask]
        out.append((encode_rle(mask), float(under.min()), float(under.max())))
    return out


def _one_pass(ids: np.ndarray, depth: np.ndarray, present: list[int]) -> list:
    runs = IdRuns(ids)
    runs.stats()
    spans = runs.depth_ranges(depth)
    return [(runs.rle(iid), *spans[iid]) for iid in present]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("golden", type=Path)
    p.add_argument("--repeats", type=int, default=10)
    args = p.parse_args()
    views = []
    for f in sorted((args.golden / "tabletop" / "layers" / "object_ids").glob("*.png")):
        ids = cv2.imread(str(f), cv2.IMREAD_UNCHANGED).astype(np.int32)
        depth = cv2.imread(str(f).replace("object_ids", "depth"), cv2.IMREAD_UNCHANGED).astype(np.float32)
        views.append((ids, depth, [int(v) for v in np.unique(ids)[1:]]))
    seconds = {"whole image": 0.0, "one pass": 0.0}
    for _ in range(args.repeats):
        for ids, depth, present in views:
            results = []
            for name, fn in (("whole image", _whole_image), ("one pass", _one_pass)):
                t0 = time.perf_counter()
                results.append(fn(ids, depth, present))
                seconds[name] += time.perf_counter() - t0
            assert results[0] == results[1], "the two ways disagree"
    n = args.repeats * len(views)
    shape = views[0][0].shape
    print(f"{len(views)} views {shape[1]}x{shape[0]}, {np.mean([len(v[2]) for v in views]):.1f} objects each, "
          f"{args.repeats} repeats")
    for name, s in seconds.items():
        print(f"{name:12s} {1000 * s / n:7.2f} ms per view")


if __name__ == "__main__":
    main()
