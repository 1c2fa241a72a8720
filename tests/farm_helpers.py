"""What the farm's end-to-end tests share: the small job, the command line, snapshots of a
merged dataset, and one uninterrupted reference run per test module to compare them with."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from helpers import error_lines, run_cli, run_simgen

from simgen.store.dataset import RECORD, SHARDS
from simgen.store.shards import TMP_PREFIX

FRAMES, VIEWS = 20, 2
SMALL = ["scene=tabletop", f"frames={FRAMES}", "renderer.width=160", "renderer.height=120",
         f"scene.views_per_scene={VIEWS}", "scene.min_objects=2", "scene.max_objects=3"]


def command_args(out: Path, *args: str) -> list[str]:
    """The command line's arguments; label validation and the report only where asked (the
    reference run validates), since every other dataset here is compared file by file with the
    reference."""
    args = list(args)
    if not any(a.startswith("validate=") for a in args):
        args.append("validate=false")
    if not any(a.startswith("report=") for a in args):
        args.append("report=false")
    return [*SMALL, f"output_dir={out}", *args]


def simgen(out: Path, *overrides: str, faults: str = "", expect: int = 0) -> subprocess.CompletedProcess:
    """Run the ``simgen`` command line (cwd beside ``out``, where Hydra keeps its logs)."""
    return run_simgen(*command_args(out, *overrides), cwd=out.parent, faults=faults, expect=expect)


def simgen_merge(out: Path, expect: int = 0) -> subprocess.CompletedProcess:
    return run_cli(str(out), module="simgen.tools.merge", timeout=120, expect=expect)


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file of the merged dataset (shards and the job record left out)."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith((SHARDS + "/", ".hydra")) and rel != RECORD:
            files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def error_line(proc: subprocess.CompletedProcess) -> str:
    return error_lines(proc.stderr)[-1]


def complete_shards(root: Path) -> list[str]:
    return sorted(p.name for p in (root / SHARDS).iterdir() if not p.name.startswith(TMP_PREFIX))


def reference_run(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """One uninterrupted in-process run: (output_dir, snapshot); each test module makes its own
    (a module-scoped fixture), so the modules can run in parallel."""
    out = tmp_path_factory.mktemp("farm") / "reference"
    simgen(out, "farm.workers=1", "farm.scenes_per_shard=2", "validate=true")
    return out, snapshot(out)


def count_complete(root: Path) -> int:
    try:
        return len(complete_shards(root))
    except FileNotFoundError:
        return 0
