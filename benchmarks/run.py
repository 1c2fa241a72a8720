"""Throughput benchmark: simgen against the pipelines it replaces, on the same cores.

    python benchmarks/run.py                      # the targets, then every case: markdown tables
    python benchmarks/run.py --cases tabletop-20 --frames 64 --workers 2 --no-targets
    python benchmarks/run.py --cases '' --no-targets --long 2800 --merge-frames 10000   # memory only

Targets (the throughput issue's figures, all measured in this one run):
- the command a user runs (``simgen scene=tabletop frames=200`` with 20 objects, default farm,
  validation on, start-up included) against the hand-written pybullet script
  (``benchmarks/handwritten.py``: its own scenes and fixed 240-step settle) on as many processes;
- the same command with ``farm.workers=1``: the default run's share of its wall time;
- simgen's CPU-side work per frame per process (every stage but waiting for the GL);
- one worker's time per frame with 100 objects over 10 (same table size);
- the resident memory of ``simgen`` with ``farm.workers=1`` after ``--long`` frames against after
  300 (``benchmarks/memory_probe.py``);
- the peak memory of the merge, the validator and the report at ``--merge-frames`` frames
  against the worker's (``benchmarks/merge_scale.py``: a small dataset's shards repeated).

Each case runs in ``--workers`` spawned processes, scenes dealt round-robin. A process builds
the scenes, settles them in pybullet, draws and labels every view, encodes the files and writes
them to a temporary dataset; the parent joins the COCO records into one file. Figures are
frames over wall time of the slowest process plus the COCO write, after one warm-up scene per
process (renderer start-up and shader compilation are not counted). Results go to
``benchmarks/results/latest.json``, the table to stdout.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = {
    "tabletop-10": ["scene=tabletop", "scene.min_objects=10", "scene.max_objects=10"],
    "tabletop-20": ["scene=tabletop", "scene.min_objects=20", "scene.max_objects=20"],
    "tabletop-100": ["scene=tabletop", "scene.min_objects=100", "scene.max_objects=100", "scene.table_size=[2.4,1.6]"],
    "driving-1242x375": ["scene=driving", "renderer=kitti"],
    "driving-1280x720": ["scene=driving", "renderer.width=1280", "renderer.height=720"],
}
# pybullet's EGL plugin deadlocks here (0% CPU, see the README); ask for it by name to try it.
PIPELINES = ("simgen", "pybullet-tiny")
TARGET_CASE = ["scene=tabletop", "scene.min_objects=20", "scene.max_objects=20"]


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _job(overrides: list[str]):
    from simgen.job import register_configs
    from simgen.tools.cli import load_job

    register_configs()
    return load_job(overrides)[1]


def _work(pipeline: str, overrides: list[str], scenes: list[int], out_dir: str, rss_after: list[int]) -> dict:
    """One process: a warm-up scene, then ``scenes``; files written under ``out_dir``."""
    from collections import defaultdict

    job = _job(overrides)
    out = Path(out_dir)
    timings: dict[str, float] = defaultdict(float)
    images, annotations, rss = [], [], {}
    frames = 0

    if pipeline == "simgen":
        from simgen.pipeline import SceneWorker

        worker = SceneWorker(job)
        worker.run(job.scene_count)  # warm-up: a scene index past the dataset's

        def scene(i: int):
            result = worker.run(i)
            for k, v in result.timings.items():
                timings[k] += v
            t0 = time.perf_counter()
            for frame in result.frames:
                for rel, data in frame.files.items():
                    (out / rel).parent.mkdir(parents=True, exist_ok=True)
                    (out / rel).write_bytes(data)
                images.append(frame.image)
                annotations.extend(frame.annotations)
            timings["write"] += time.perf_counter() - t0
            return len(result.frames)
    else:
        from benchmarks.baseline import BaselineWorld, label_and_encode
        from simgen.randomizers import RecipeContext, build_scene

        world = BaselineWorld("egl" if pipeline == "pybullet-egl" else "tiny")
        ctx = RecipeContext(job.scene, job.renderer.width, job.renderer.height)
        cats = {n: k + 1 for k, n in enumerate(job.categories)}

        def scene(i: int, count: bool = True):
            t0 = time.perf_counter()
            spec = build_scene(i, job.seed, ctx)
            state = world.pose(spec) if job.kind.kinematic else world.simulate(spec, job.scene.physics)
            t1 = time.perf_counter()
            n = 0
            for view, image_index in enumerate(job.image_indices(i) if count else range(len(spec.cameras))):
                files, anns = label_and_encode(world, state, spec.cameras[view], cats, image_index + 1, job.scene.depth_scale)
                t2 = time.perf_counter()
                for kind, data in zip(("images", "depth", "instances"), files, strict=True):
                    (out / kind).mkdir(parents=True, exist_ok=True)
                    (out / kind / f"{image_index:06d}.png").write_bytes(data)
                images.append({"id": image_index + 1, "file_name": f"{image_index:06d}.png"})
                annotations.extend(anns)
                timings["write"] += time.perf_counter() - t2
                n += 1
            timings["physics"] += t1 - t0
            timings["render+labels+encode"] += time.perf_counter() - t1 - 0
            return n

        scene(job.scene_count, count=False)
        images.clear()
        annotations.clear()

    # COCO records go to disk scene by scene, as the farm's shards do, so that the resident
    # memory measured is the pipeline's and not a growing list of annotations.
    records = out / f"records-{os.getpid()}.jsonl"
    start = time.perf_counter()
    for i in scenes:
        frames += scene(i)
        with records.open("a") as f:
            f.writelines(json.dumps({"image": im, "annotations": [a for a in annotations if a["image_id"] == im["id"]]}) + "\n"
                         for im in images)
        images.clear()
        annotations.clear()
        for mark in rss_after:
            if mark not in rss and frames >= mark:
                rss[mark] = _rss_mb()
    elapsed = time.perf_counter() - start
    return {"frames": frames, "seconds": elapsed, "timings": dict(timings), "records": str(records),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rss_mb": rss}


def run_case(pipeline: str, overrides: list[str], frames: int, workers: int, rss_after=(), timeout: float | None = None) -> dict:
    """One pipeline on one case; a run still going after ``timeout`` seconds raises TimeoutError."""
    job = _job(overrides + [f"frames={frames}"])
    from simgen.export import coco

    scenes = list(range(job.scene_count))
    out = Path(tempfile.mkdtemp(prefix="simgen-bench-"))
    try:
        ctx = mp.get_context("spawn")
        with ctx.Pool(workers, maxtasksperchild=1) as pool:
            pending = pool.starmap_async(_work, [(pipeline, overrides + [f"frames={frames}"], scenes[k::workers], str(out), list(rss_after))
                                                 for k in range(workers)])
            try:
                parts = pending.get(timeout)
            except mp.TimeoutError:
                pool.terminate()
                raise TimeoutError(f"no result after {timeout:.0f} s") from None
        t0 = time.perf_counter()
        images, annotations = [], []
        for p in parts:
            for line in Path(p["records"]).read_text().splitlines():
                rec = json.loads(line)
                images.append(rec["image"])
                annotations.extend(rec["annotations"])
        doc = coco.build({"description": "benchmark"}, job.categories, images, annotations)
        (out / "annotations").mkdir(parents=True, exist_ok=True)
        (out / "annotations" / "instances.json").write_bytes(coco.dumps(doc))
        coco_s = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    done = sum(p["frames"] for p in parts)
    wall = max(p["seconds"] for p in parts) + coco_s
    stages: dict[str, float] = {}
    for p in parts:
        for k, v in p["timings"].items():
            stages[k] = stages.get(k, 0.0) + v
    return {
        "pipeline": pipeline, "frames": done, "workers": workers, "seconds": round(wall, 3),
        "fps": round(done / wall, 2),
        "ms_per_frame_per_process": {k: round(1000 * v / done, 1) for k, v in stages.items()},
        "peak_rss_mb_per_worker": round(max(p["peak_rss_mb"] for p in parts), 1),
        "rss_mb": parts[0]["rss_mb"],
    }


def run_command(overrides: list[str], frames: int) -> dict:
    """``simgen`` as a user runs it, timed from launch to exit (start-up, merge and validation
    included), into a temporary folder."""
    out = Path(tempfile.mkdtemp(prefix="simgen-cmd-")) / "ds"
    cmd = [sys.executable, "-m", "simgen.tools.cli", *overrides, f"frames={frames}", f"output_dir={out}"]
    try:
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=out.parent)
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError(f"simgen exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("simgen: ")), "")
    return {"command": " ".join(["simgen", *overrides, f"frames={frames}"]), "frames": frames, "seconds": round(wall, 2),
            "fps": round(frames / wall, 2), "summary": line}


def run_targets(frames: int, workers: int, long_frames: int, long_size: str, merge_frames: int = 0) -> dict:
    """Every figure of the throughput targets, measured here in one run."""
    from benchmarks.handwritten import run as handwritten

    out: dict = {}
    out["default"] = run_command(TARGET_CASE, frames)
    print("targets default", json.dumps(out["default"]), file=sys.stderr)
    tmp = tempfile.mkdtemp(prefix="simgen-hand-")
    try:
        out["handwritten"] = handwritten(tmp, frames, workers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("targets handwritten", json.dumps(out["handwritten"]), file=sys.stderr)
    out["one_worker"] = run_command(TARGET_CASE + ["farm.workers=1"], frames)
    print("targets one_worker", json.dumps(out["one_worker"]), file=sys.stderr)
    out["same_scenes"] = {p: run_case(p, TARGET_CASE, 64, workers) for p in ("simgen", "pybullet-tiny")}
    stages = out["same_scenes"]["simgen"]["ms_per_frame_per_process"]
    out["cpu_ms_per_frame_per_process"] = round(sum(v for k, v in stages.items() if k != "gl"), 1)
    out["gl_ms_per_frame_per_process"] = stages.get("gl", 0.0)
    print("targets same_scenes", json.dumps(out["same_scenes"]), file=sys.stderr)
    table = ["scene.table_size=[2.4,1.6]", "scene=tabletop"]
    out["objects"] = {n: run_case("simgen", table + [f"scene.min_objects={n}", f"scene.max_objects={n}"], 32, 1)
                      for n in (10, 100)}
    print("targets objects", json.dumps(out["objects"]), file=sys.stderr)
    if long_frames:
        out["memory"] = memory_run(long_frames, long_size)
        print("targets memory", json.dumps(out["memory"]), file=sys.stderr)
    if merge_frames:
        from benchmarks.merge_scale import merge_memory

        out["merge_memory"] = merge_memory(merge_frames)
        print("targets merge_memory", json.dumps(out["merge_memory"]), file=sys.stderr)
    return out


def memory_run(frames: int, size: str) -> dict:
    """The ``simgen`` command with ``farm.workers=1`` (tabletop-20, the default looks, ``size``):
    its resident memory after 300 frames and after ``frames``."""
    from benchmarks.memory_probe import inprocess_rss

    w, h = (int(v) for v in size.split("x"))
    marks = (300, frames) if frames > 300 else (frames // 10, frames)
    return inprocess_rss(TARGET_CASE + [f"renderer.width={w}", f"renderer.height={h}"], frames, marks)


def memory_rows(t: dict) -> list[str]:
    """Table rows of the memory targets that were measured."""
    rows = []
    if "memory" in t:
        (a, ra), (b, rb) = sorted((r["frames"], r["rss_mb"]) for r in t["memory"]["marks"].values())
        rows.append(f"| `{t['memory']['command']}`: RSS after {b} frames over after {a} ({ra:.0f} -> {rb:.0f} MB) | "
                    f"**{rb / ra:.2f}** ({100 * (rb / ra - 1):+.0f}%) | <= 1.10 |")
    if "merge_memory" in t:
        m = t["merge_memory"]
        worker = m["worker"]["peak_rss_mb"]
        rows.append(f"| peak RSS at {m['frames']} frames ({m['source_frames']} frames of `{m['source']}` repeated) over the "
                    f"worker's ({worker:.0f} MB): merge {m['merge']['peak_rss_mb']:.0f} MB, validate "
                    f"{m['validate']['peak_rss_mb']:.0f} MB, report {m['report']['peak_rss_mb']:.0f} MB | "
                    f"**{m['merge']['peak_rss_mb'] - worker:+.0f} MB** (merge) | <= +100 MB |")
    return rows


def targets_table(t: dict) -> str:
    d, h, one = t["default"], t["handwritten"], t["one_worker"]
    same = t["same_scenes"]
    o10, o100 = (t["objects"][n]["fps"] for n in (10, 100))
    rows = ["| target | measured | goal |", "|---|---|---|",
            f"| `{d['command']}` vs the hand-written script ({h['processes']} processes), frames/s | "
            f"{d['fps']} vs {h['fps']}: **{d['fps'] / h['fps']:.2f}x** | >= 1x |",
            f"| same scenes and settling, everything after physics (pybullet TinyRenderer), frames/s | "
            f"{same['simgen']['fps']} vs {same['pybullet-tiny']['fps']}: **{same['simgen']['fps'] / same['pybullet-tiny']['fps']:.2f}x** | - |",
            f"| CPU-side work per frame per process (all stages but waiting for the GL; GL wait {t['gl_ms_per_frame_per_process']} ms) | "
            f"**{t['cpu_ms_per_frame_per_process']} ms** | <= 80 ms |",
            f"| 100 objects over 10, time per frame, one worker | {o10} / {o100} frames/s: **{o10 / o100:.1f}x** | <= 2x |",
            f"| default run's wall time over `farm.workers=1`'s ({d['seconds']} s / {one['seconds']} s) | "
            f"**{d['seconds'] / one['seconds']:.2f}** | <= 0.6 |"]
    return "\n".join(rows + memory_rows(t))


def _available(case: str) -> bool:
    from simgen.recipes import recipe_files

    scene = next(o.split("=", 1)[1] for o in CASES[case] if o.startswith("scene="))
    return scene in recipe_files()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated, from: " + ", ".join(CASES))
    parser.add_argument("--pipelines", default=",".join(PIPELINES))
    parser.add_argument("--frames", type=int, default=64, help="frames per case (after warm-up)")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="overrides added to every case (e.g. renderer.msaa=1)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a case may run before it is reported as timed out")
    parser.add_argument("--long", type=int, default=2800, help="frames of the one-worker memory run (tabletop-20; 0: none)")
    parser.add_argument("--long-size", default="320x240", help="image size of the memory run")
    parser.add_argument("--merge-frames", type=int, default=10000, help="dataset size of the merge's memory figure (0: none)")
    parser.add_argument("--target-frames", type=int, default=200, help="frames of the target runs")
    parser.add_argument("--no-targets", action="store_true", help="only the per-case table")
    parser.add_argument("--looks", action="store_true", help="only the looks presets (frames/s per preset and scene) and the cost of shadows")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()

    results = {"machine": f"{platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores",
               "date": time.strftime("%Y-%m-%d"), "frames": args.frames, "workers": args.workers, "overrides": args.set, "cases": {}}
    if args.looks:
        results["looks"] = run_looks(args.frames, args.workers)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_name("looks.json").write_text(json.dumps(results, indent=1))
        print(f"Machine: {results['machine']}; {args.workers} worker processes; {args.frames} frames per case; {results['date']}.\n")
        print(looks_table(results["looks"]))
        return
    broken: dict[str, str] = {}
    for case in filter(None, args.cases.split(",")):
        if not _available(case):
            print(f"skip {case}: scene not available", file=sys.stderr)
            continue
        rows = {}
        for pipeline in args.pipelines.split(","):
            if pipeline in broken:
                rows[pipeline] = {"error": f"skipped: {broken[pipeline]}"}
                continue
            try:
                rows[pipeline] = run_case(pipeline, CASES[case] + args.set, args.frames, args.workers, timeout=args.timeout)
            except TimeoutError as exc:
                rows[pipeline] = {"error": f"TimeoutError: {exc}"}
                if pipeline != "simgen":  # a baseline that hangs (pybullet's EGL plugin here) hangs again
                    broken[pipeline] = f"timed out on {case}"
            except Exception as exc:  # a baseline that cannot run here is reported, not fatal
                rows[pipeline] = {"error": f"{type(exc).__name__}: {exc}"}
            print(case, pipeline, json.dumps(rows[pipeline]), file=sys.stderr)
            results["cases"][case] = rows
    if not args.no_targets:
        results["targets"] = run_targets(args.target_frames, args.workers, args.long, args.long_size, args.merge_frames)
    elif args.long or args.merge_frames:
        results["memory_only"] = memory_only(args.long, args.long_size, args.merge_frames)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    if "targets" in results:
        print(targets_table(results["targets"]) + "\n")
    print(table(results))


LOOKS_CASES = {"tabletop-20": CASES["tabletop-20"], "bin_picking": ["scene=bin_picking"],
               "driving-1242x375": CASES["driving-1242x375"]}
PRESETS = ("flat", "realistic", "randomized")


def run_looks(frames: int, workers: int) -> dict:
    """Frames/s of each looks preset on each scene, and the cost of shadows alone (the
    realistic tabletop with renderer.shadows on and off), in one run."""
    out: dict = {}
    for case, overrides in LOOKS_CASES.items():
        for preset in PRESETS:
            out[f"{case} looks={preset}"] = run_case("simgen", overrides + [f"looks={preset}"], frames, workers)
            print(case, preset, json.dumps(out[f"{case} looks={preset}"]), file=sys.stderr)
    for shadows in ("false", "true"):
        key = f"tabletop-20 looks=realistic renderer.shadows={shadows} (1 worker)"
        out[key] = run_case("simgen", CASES["tabletop-20"] + ["looks=realistic", f"renderer.shadows={shadows}"], frames, 1)
        print(key, json.dumps(out[key]), file=sys.stderr)
    return out


def looks_table(looks: dict) -> str:
    lines = ["| case | frames/s | ms per frame per process (stages) |", "|---|---|---|"]
    for case, r in looks.items():
        stages = ", ".join(f"{k} {v}" for k, v in r.get("ms_per_frame_per_process", {}).items())
        lines.append(f"| {case} | {r.get('fps', r.get('error', '-'))} | {stages} |")
    return "\n".join(lines)


def table(results: dict) -> str:
    extra = f"; overrides {' '.join(results['overrides'])}" if results.get("overrides") else ""
    lines = [f"Machine: {results['machine']}; {results['workers']} worker processes; {results['frames']} frames per case{extra}; {results['date']}.", "",
             "| case | simgen frames/s | pybullet TinyRenderer frames/s | pybullet EGL frames/s | simgen / best baseline | simgen ms per frame per process (stages) | simgen peak RSS per worker |",
             "|---|---|---|---|---|---|---|"]
    for case, rows in results["cases"].items():
        s = rows.get("simgen", {})
        base = [rows.get(p, {}).get("fps") for p in ("pybullet-tiny", "pybullet-egl")]
        best = max([b for b in base if b], default=None)
        ratio = f"{s['fps'] / best:.1f}x" if best and "fps" in s else "-"
        stages = ", ".join(f"{k} {v}" for k, v in s.get("ms_per_frame_per_process", {}).items())
        cells = [str(b) if b else rows.get(p, {}).get("error", "-")[:40] for b, p in zip(base, ("pybullet-tiny", "pybullet-egl"), strict=True)]
        lines.append(f"| {case} | {s.get('fps', s.get('error', '-'))} | {cells[0]} | {cells[1]} | {ratio} | {stages} | {s.get('peak_rss_mb_per_worker', '-')} MB |")
    if "memory_only" in results:
        lines += ["", "| memory | measured | goal |", "|---|---|---|", *memory_rows(results["memory_only"])]
    return "\n".join(lines)


def memory_only(long_frames: int, long_size: str, merge_frames: int) -> dict:
    """The memory targets alone (``--no-targets`` with ``--long`` or ``--merge-frames``)."""
    from benchmarks.merge_scale import merge_memory

    out: dict = {}
    if long_frames:
        out["memory"] = memory_run(long_frames, long_size)
    if merge_frames:
        out["merge_memory"] = merge_memory(merge_frames)
    return out


if __name__ == "__main__":
    main()
