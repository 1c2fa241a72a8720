"""The merge, the validator and the report at a dataset size that is slow to render here: a
small rendered dataset's shards are repeated, renumbered, up to ``--frames`` frames, and each
finishing step runs on it in its own process, which reports its peak resident memory.

``python -m benchmarks.merge_scale SRC DST --frames 10000`` makes ``DST`` from the complete
shards of ``SRC`` (a simgen output_dir, e.g. ``simgen ... validate=false report=false``) and
prints the peak RSS of ``simgen-merge``, ``simgen-validate`` and ``simgen-report`` on it
(``--again``: on DST's shards as they are, e.g. to compare two trees on the same shards).

A repeated shard is the same scenes under new scene and image numbers: its files are hard links
to the source's (file names follow the new numbers), its records say the new numbers, and its
manifest is rewritten, so the merge checks and joins it like any shard. The records' sizes are
those of real frames; only their variety is smaller. The job record says ``frames`` = the new
count, so the merge plans the new shards.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simgen.core import layout  # noqa: E402
from simgen.farm.plan import plan_shards  # noqa: E402
from simgen.store.dataset import RECORD, DatasetDir  # noqa: E402
from simgen.store.shards import FORMAT, MANIFEST, RECORDS, read_manifest  # noqa: E402

_NUMBER = re.compile(r"(scene_)?(\d{6})(?=\.)")


def _renumber(rel: str, scene_shift: int, image_shift: int) -> str:
    """A shard file's path with its scene or image number moved (``facts/scene_000016.json``,
    ``images/train/000064.png``)."""
    def move(m: re.Match) -> str:
        n = int(m.group(2)) + (scene_shift if m.group(1) else image_shift)
        return f"{m.group(1) or ''}{n:06d}"
    folder, _, name = rel.rpartition("/")
    return f"{folder}/{_NUMBER.sub(move, name, count=1)}" if folder else rel


def _scene_of(rel: str, images: dict[str, int]) -> int | None:
    """The source scene a shard file belongs to (facts by name, image and layer files by stem)."""
    m = _NUMBER.search(rel.rpartition("/")[2])
    if m is None:
        return None
    return int(m.group(2)) if m.group(1) else images.get(m.group(2))


def _moved_image(img: dict, scene_shift: int, image_shift: int, fmt: str) -> dict:
    out = dict(img, id=img["id"] + image_shift, scene_index=img["scene_index"] + scene_shift,
               sequence_id=img.get("sequence_id", img["scene_index"]) + scene_shift)
    out["file_name"] = layout.image_name(out["id"] - 1, fmt)
    for key, value in img.items():
        if key.endswith("_file") and isinstance(value, str):
            out[key] = _renumber(value, scene_shift, image_shift)
    return out


def repeat_shards(src: Path, dst: Path, frames: int) -> int:
    """Make ``dst`` a dataset directory of ``frames`` frames from ``src``'s complete shards
    (repeated in order); returns the number of shards written."""
    record = json.loads((src / RECORD).read_text())
    config = record["config"]
    views = int(config["scene"]["views_per_scene"])
    fmt = config["export"]["image_format"]
    per_shard = record["scenes_per_shard"]
    sources = [p for p in sorted((src / "shards").iterdir()) if (m := read_manifest(p)) and m["scenes"][1] - m["scenes"][0] == per_shard]
    if not sources:
        raise SystemExit(f"{src}: no complete shard of {per_shard} scenes")
    if dst.exists():
        shutil.rmtree(dst)
    (dst / "shards").mkdir(parents=True)
    config = {**config, "frames": frames}
    (dst / RECORD).write_text(json.dumps({**record, "config": config}, indent=1, sort_keys=True))
    shards = plan_shards(-(-frames // views), per_shard)
    for k, shard in enumerate(shards):
        source = sources[k % len(sources)]
        manifest = read_manifest(source)
        first = manifest["scenes"][0]
        scene_shift, image_shift = shard.first - first, (shard.first - first) * views
        records = json.loads((source / RECORDS).read_text())
        keep = {img["id"] for img in records["images"]
                if img["scene_index"] - first < len(shard.scenes) and img["id"] + image_shift <= frames}
        stems = {layout.stem(img["id"] - 1): img["scene_index"] for img in records["images"] if img["id"] in keep}
        images = [_moved_image(img, scene_shift, image_shift, fmt) for img in records["images"] if img["id"] in keep]
        anns = [dict(a, image_id=a["image_id"] + image_shift) for a in records["annotations"] if a["image_id"] in keep]
        out = dst / "shards" / shard.name
        files = {}
        for rel, entry in manifest["files"].items():
            scene = _scene_of(rel, stems) if rel != RECORDS else None
            if rel == RECORDS or scene is None or scene - first >= len(shard.scenes):
                continue
            new = _renumber(rel, scene_shift, image_shift)
            (out / new).parent.mkdir(parents=True, exist_ok=True)
            if rel.startswith("facts/"):
                facts = json.loads((source / rel).read_text())
                facts["scene_index"] = scene + scene_shift
                data = json.dumps(facts, separators=(",", ":")).encode()
                (out / new).write_bytes(data)
                files[new] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            else:
                os.link(source / rel, out / new)
                files[new] = entry
        data = json.dumps({"images": images, "annotations": anns}, separators=(",", ":")).encode()
        (out / RECORDS).write_bytes(data)
        files[RECORDS] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        (out / MANIFEST).write_text(json.dumps({
            "format": FORMAT, "shard": shard.name, "scenes": [shard.first, shard.stop], "seed": manifest["seed"],
            "config_hash": record["config_hash"], "frames": len(images), "annotations": len(anns),
            "files": dict(sorted(files.items()))}, indent=1))
    return len(shards)


_PEAK = "import resource, runpy, sys; sys.argv = {argv!r}; code = 0\n" \
        "try:\n    runpy.run_module({module!r}, run_name='__main__')\n" \
        "except SystemExit as e:\n    code = e.code or 0\n" \
        "print('peak_rss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)"


def peak_of(module: str, *args: str, cwd: Path | None = None) -> dict:
    """Run ``python -m module args`` in a fresh process (in ``cwd``): its peak RSS (MB), wall
    time (s) and the last line it printed."""
    code = _PEAK.format(argv=[module, *args], module=module)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])}
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd)
    wall = time.perf_counter() - t0
    peak = re.search(r"peak_rss_kb (\d+)", done.stderr)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return {"peak_rss_mb": round(int(peak.group(1)) / 1024, 1) if peak else None, "seconds": round(wall, 1),
            "rc": done.returncode, "last": next((ln for ln in reversed(lines) if not ln.startswith("peak_rss_kb")), "")}


def finishing_peaks(root: Path, report: bool = True) -> dict:
    """Peak RSS of the merge, the validator and (if ``report``) the report on ``root``."""
    out = {"merge": peak_of("simgen.tools.merge", str(root)),
           "validate": peak_of("simgen.tools.validate_cli", str(root))}
    if report:
        out["report"] = peak_of("simgen.tools.report_cli", str(root))
    return out


# The dataset repeated by merge_memory: cheap frames (small, flat looks) with 8 objects each.
SOURCE = ["scene=tabletop", "looks=flat", "renderer.width=160", "renderer.height=120",
          "scene.min_objects=8", "scene.max_objects=8"]


def merge_memory(frames: int, source_frames: int = 256) -> dict:
    """Peak RSS of one in-process ``simgen`` run of ``source_frames`` frames of :data:`SOURCE`
    (its worker), then of the merge, the validator and the report on its shards repeated to
    ``frames`` frames."""
    tmp = Path(tempfile.mkdtemp(prefix="simgen-merge-"))
    try:
        src = tmp / "src"
        worker = peak_of("simgen.tools.cli", *SOURCE, f"frames={source_frames}", "farm.workers=1", "validate=false",
                         "report=false", f"output_dir={src}", cwd=tmp)
        if worker["rc"] != 0:
            raise RuntimeError(f"simgen exited {worker['rc']}: {worker['last']}")
        repeat_shards(src, tmp / "big", frames)
        return {"frames": frames, "source_frames": source_frames, "source": " ".join(SOURCE), "worker": worker,
                **finishing_peaks(tmp / "big")}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("src", type=Path, help="a simgen output_dir with complete shards")
    p.add_argument("dst", type=Path, help="the dataset directory to make (replaced)")
    p.add_argument("--frames", type=int, default=10000)
    p.add_argument("--no-report", action="store_true")
    p.add_argument("--again", action="store_true", help="keep DST's shards if it has them: only merge, validate, report")
    args = p.parse_args()
    if not (args.again and (args.dst / RECORD).is_file()):
        t0 = time.perf_counter()
        n = repeat_shards(args.src, args.dst, args.frames)
        print(f"{n} shards, {args.frames} frames in {time.perf_counter() - t0:.1f} s -> {args.dst}", flush=True)
    DatasetDir(args.dst).unmark_done()
    for step, r in finishing_peaks(args.dst, not args.no_report).items():
        print(f"{step:9s} peak RSS {r['peak_rss_mb']} MB in {r['seconds']} s (rc {r['rc']}): {r['last'][:160]}", flush=True)


if __name__ == "__main__":
    main()
