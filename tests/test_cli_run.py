"""The command as a new user runs it: what it prints and what it leaves in the current folder.

Real ``simgen`` subprocesses on tiny jobs (160x120, 2 frames, one process).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from helpers import run_simgen

pytestmark = pytest.mark.e2e  # every test here runs the command itself

TINY = ["frames=2", "scene.views_per_scene=2", "renderer.width=160", "renderer.height=120",
        "scene.min_objects=2", "scene.max_objects=3", "farm.workers=1"]


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return run_simgen(*TINY, *args, cwd=cwd, expect=0)


def every_file(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_a_run_writes_only_its_dataset_and_reports_set_up_and_validation(tmp_path):
    proc = run(tmp_path, "output_dir=ds")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]  # no outputs/DATE/TIME, .hydra, cli.log
    files = every_file(tmp_path / "ds")
    assert not [f for f in files if "lock" in f or f.startswith(".")]
    assert "annotations/instances_train.json" in files and "simgen_dataset.json" in files and "simgen_job.json" in files
    setup = float(re.search(r"^simgen: set-up (\d+\.\d) s \(", proc.stdout, re.M).group(1))
    total = float(re.search(r"annotations in (\d+\.\d) s", proc.stdout).group(1))
    wall = float(re.search(r", (\d+\.\d) s wall", proc.stdout).group(1))  # the timing table: the run alone
    assert setup > 0 and total >= setup + wall - 0.11
    assert re.search(r"^simgen: validated 2 images, \d+ annotations: no label-rule violations$", proc.stdout, re.M)
    noise = [ln for ln in proc.stderr.splitlines() if ln and not re.match(r"simgen: +\d+%\|", ln)]
    assert noise == []  # the progress bar only: no warnings, no log lines


def test_without_output_dir_a_rerun_resumes_the_same_folder(tmp_path):
    """A multirun of two seeds, then the first seed again: it finds its folder complete."""
    proc = run(tmp_path, "-m", "seed=0,1", "validate=false")
    assert "[HYDRA] Launching 2 jobs locally" in proc.stdout
    assert "OpenGL" not in proc.stdout + proc.stderr
    folders = sorted(p.name for p in (tmp_path / "outputs").iterdir())
    assert [f.rsplit("-", 1)[0] for f in folders] == ["tabletop-seed0", "tabletop-seed1"]
    # Hydra's sweep folder keeps its multirun.yaml, and no empty folder per job (0/, 1/)
    assert [p.name for p in (tmp_path / "multirun").glob("*/*/*")] == ["multirun.yaml"]
    again = run(tmp_path, "seed=0", "validate=false")
    assert "0 frames (2 already done), 0 annotations in" in again.stdout
    summary = next(ln for ln in again.stdout.splitlines() if ln.startswith("simgen: 0 frames"))
    assert summary.endswith(f"-> {Path('outputs') / folders[0]}")
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == folders
