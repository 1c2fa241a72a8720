"""Resident memory of one in-process worker, scene by scene, with the sizes of the caches that
could hold it.

``python -m benchmarks.memory_probe [--scenes 150] [--every 10] [OVERRIDES...]`` runs one
:class:`simgen.pipeline.SceneWorker` (default: tabletop, 20 objects, 320x240, the default
looks) and prints, every ``--every`` scenes, the frames made, the resident set (MB) and each
process-wide cache's fill, so growth can be pinned on what grows with it. The worker is never
replaced here; :func:`inprocess_rss` measures the ``simgen`` command with ``farm.workers=1``,
whose worker is (``farm.scenes_per_worker``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run import _job  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _frames_done(shards: Path) -> int:
    """Frames of the complete shards under ``shards`` (their manifests)."""
    done = 0
    for manifest in shards.glob("scenes_*/manifest.json"):
        try:
            done += json.loads(manifest.read_text())["frames"]
        except (OSError, ValueError, KeyError):
            pass
    return done


def inprocess_rss(overrides: list[str], frames: int, marks: tuple[int, ...], poll_s: float = 0.5) -> dict:
    """``simgen OVERRIDES frames=FRAMES farm.workers=1 validate=false report=false`` in a
    subprocess: its resident memory (MB) when the frames of its complete shards first reach
    each of ``marks``, with the frames done then, and its wall time (s)."""
    out = Path(tempfile.mkdtemp(prefix="simgen-rss-")) / "ds"
    cmd = [sys.executable, "-m", "simgen.tools.cli", *overrides, f"frames={frames}", "farm.workers=1",
           "validate=false", "report=false", f"output_dir={out}"]
    rss: dict[str, dict] = {}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=out.parent)
    try:
        statm = Path(f"/proc/{proc.pid}/statm")
        while proc.poll() is None:
            time.sleep(poll_s)
            pending = [m for m in marks if str(m) not in rss]
            if not pending:
                continue
            done = _frames_done(out / "shards")
            try:
                now = int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
            except (OSError, IndexError):
                break
            for m in pending:
                if done >= m:
                    rss[str(m)] = {"frames": done, "rss_mb": round(now, 1)}
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        shutil.rmtree(out.parent, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError(f"simgen exited {proc.returncode}: {err.strip()[-300:]}")
    return {"command": " ".join(["simgen", *overrides, f"frames={frames}", "farm.workers=1"]), "marks": rss,
            "seconds": round(time.perf_counter() - t0, 1)}


def caches() -> dict[str, int]:
    """Entries held by each lru cache of simgen's modules that are loaded."""
    out = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith("simgen"):
            continue
        for attr, value in list(vars(module).items()):
            info = getattr(value, "cache_info", None)
            if callable(info):
                out[f"{name.removeprefix('simgen.')}.{attr}"] = info().currsize
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenes", type=int, default=150)
    p.add_argument("--every", type=int, default=10)
    p.add_argument("--trace", type=int, nargs=2, metavar=("FROM", "TO"),
                   help="tracemalloc from scene FROM to scene TO: the Python allocations that grew most")
    p.add_argument("overrides", nargs="*")
    args = p.parse_args()
    from simgen.pipeline import SceneWorker

    job = _job(["frames=1000000", *(args.overrides or ["scene=tabletop", "scene.min_objects=20", "scene.max_objects=20",
                                                       "renderer.width=320", "renderer.height=240"])])
    worker = SceneWorker(job)
    frames, t0 = 0, time.perf_counter()
    last = caches()
    print(f"start rss {rss_mb():.1f} MB", flush=True)
    for i in range(args.scenes):
        frames += len(worker.run(i).frames)
        if args.trace and i + 1 == args.trace[0]:
            tracemalloc.start(12)
            gc.collect()
            first = (tracemalloc.take_snapshot(), rss_mb())
        if args.trace and i + 1 == args.trace[1]:
            gc.collect()
            second = tracemalloc.take_snapshot()
            grown = second.compare_to(first[0], "traceback")
            print(f"scenes {args.trace[0]}-{args.trace[1]}: rss {first[1]:.1f} -> {rss_mb():.1f} MB, traced "
                  f"{sum(s.size_diff for s in grown) / 2**20:+.1f} MB; largest growth:")
            for stat in grown[:12]:
                print(f"  {stat.size_diff / 2**10:+9.1f} KiB {stat.count_diff:+6d} blocks")
                for line in stat.traceback.format()[-8:]:
                    print("     ", line)
        if (i + 1) % args.every == 0:
            gc.collect()
            now = caches()
            grown = {k: v for k, v in now.items() if v != last.get(k)}
            last = now
            programs = len(worker.renderer.gl._program_cache._program_cache)
            print(f"scene {i + 1:5d} frames {frames:6d} rss {rss_mb():7.1f} MB  {time.perf_counter() - t0:6.0f} s  "
                  f"GL programs {programs}  caches grown: {grown}", flush=True)


if __name__ == "__main__":
    main()
