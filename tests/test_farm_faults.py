"""The farm under faults: kills at random points, a killed Ray driver, damaged shards, scenes
that raise, workers that die and Ctrl-C; each ends in the reference run's dataset.

Every run is a real ``simgen`` subprocess on the small job of ``farm_helpers``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from farm_helpers import (
    FRAMES,
    VIEWS,
    command_args,
    complete_shards,
    count_complete,
    error_line,
    reference_run,
    simgen,
    simgen_merge,
    snapshot,
)
from helpers import start_simgen

from simgen.store.dataset import RECORD, SHARDS
from simgen.store.shards import TMP_PREFIX, Shard, check_shard


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    return reference_run(tmp_path_factory)


@pytest.mark.e2e
def test_sigkill_at_random_points_then_resume_gives_same_dataset(reference, tmp_path):
    """Each run is killed (SIGKILL to its process group) a random moment after a random number
    of further shards is done: mid-scene, mid-write, mid-rename; the last once every shard is
    done, so during the merge. After each kill whatever looks complete must be complete."""
    out = tmp_path / "killed"
    scenes = FRAMES // VIEWS
    rng = random.Random(4)
    targets = [2, 4, 6, 8, scenes]
    for target in targets:
        target = min(target + rng.randint(0, 1), scenes)
        proc = start_simgen(*command_args(out, "farm.workers=1", "farm.scenes_per_shard=1"), cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        while proc.poll() is None and count_complete(out) < target:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.1))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        record = json.loads((out / RECORD).read_text())
        for name in complete_shards(out):  # whatever is under a final name checks out
            first, last = (int(v) for v in name.removeprefix("scenes_").split("-"))
            assert check_shard(out / SHARDS / name, Shard(first, last + 1), record["config_hash"],
                               VIEWS * (last + 1 - first)) is None
        if (out / "simgen_dataset.json").exists():  # only ever complete
            assert snapshot(out) == reference[1]
    simgen(out, "farm.workers=1", "farm.scenes_per_shard=1")
    assert snapshot(out) == reference[1]
    assert not list(out.rglob(f"{TMP_PREFIX}*"))
    assert len(complete_shards(out)) == scenes


@pytest.mark.e2e
def test_sigkill_of_ray_driver_then_resume_gives_same_dataset(reference, tmp_path):
    """Only the driver is killed: its Ray workers may still be finishing a shard while the
    resumed run starts; their shard is either complete or ignored, never half-accepted."""
    out = tmp_path / "killed_ray"
    proc = start_simgen(*command_args(out, "farm.workers=2", "farm.scenes_per_shard=1", "farm.backend=ray"), cwd=tmp_path,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and count_complete(out) < 3:
        time.sleep(0.01)
    time.sleep(random.Random(5).uniform(0.0, 0.2))
    proc.kill()
    proc.wait()
    simgen(out, "farm.workers=1")
    assert snapshot(out) == reference[1]
    assert not list((out / SHARDS).glob(f"{TMP_PREFIX}*"))


@pytest.mark.e2e
def test_damaged_or_partial_shards_are_redone(reference, tmp_path):
    out = tmp_path / "damaged"
    simgen(out, "farm.workers=1", "farm.scenes_per_shard=2")
    shard = out / SHARDS / "scenes_000002-000003"
    image = next((shard / "images").rglob("*.png"))
    image.write_bytes(image.read_bytes()[:100])  # a half-written file under a final name
    (out / SHARDS / f"{TMP_PREFIX}scenes_000004-000005.dead").mkdir()  # left by a killed attempt
    (out / SHARDS / f"{TMP_PREFIX}scenes_000004-000005.dead" / "x.png").write_bytes(b"partial")
    proc = simgen(out, "farm.workers=1", "farm.scenes_per_shard=2")
    assert f"{VIEWS * 2} frames ({FRAMES - VIEWS * 2} already done)" in proc.stdout
    assert snapshot(out) == reference[1]
    assert not list(out.rglob(f"{TMP_PREFIX}*"))


@pytest.mark.e2e
def test_scene_raising_once_is_retried(reference, tmp_path):
    out = tmp_path / "retried"
    simgen(out, "farm.workers=1", "farm.scenes_per_shard=2", faults="3:1")
    assert snapshot(out) == reference[1]


@pytest.mark.e2e
def test_permanent_failure_reported_by_scene_and_seed_rest_completes(reference, tmp_path):
    out = tmp_path / "failing"
    proc = simgen(out, "farm.workers=1", "farm.scenes_per_shard=2", "farm.max_retries=1", faults="5", expect=1)
    line = error_line(proc)
    assert "scene 5 (seed 0)" in line and "after 2 attempt(s)" in line and "InjectedFault" in line
    assert complete_shards(out) == ["scenes_000000-000001", "scenes_000002-000003",
                                    "scenes_000006-000007", "scenes_000008-000009"]
    assert not (out / "simgen_dataset.json").exists()
    assert not (out / "images").exists()
    simgen_merge(out, expect=2)
    simgen(out, "farm.workers=1")  # the fault gone, a rerun renders only the missing shard
    assert snapshot(out) == reference[1]


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["processes", "ray"])
def test_worker_death_is_retried_and_failures_reported(reference, tmp_path, backend):
    """Scene 1 kills its worker process once (replaced, shard retried); workers are recycled
    every 4 scenes; scene 6 always raises and is reported; the rest completes."""
    out = tmp_path / f"faults_{backend}"
    proc = simgen(out, "farm.workers=2", "farm.scenes_per_shard=2", "farm.scenes_per_worker=4", f"farm.backend={backend}",
                  "farm.max_retries=1", faults="1:1:exit,6", expect=1)
    line = error_line(proc)
    assert "scene 6 (seed 0)" in line and "after 2 attempt(s)" in line and "scene 1 " not in line
    assert "scenes_000000-000001" in complete_shards(out) and "scenes_000006-000007" not in complete_shards(out)
    assert len(complete_shards(out)) == FRAMES // VIEWS // 2 - 1
    simgen(out, "farm.workers=1")
    assert snapshot(out) == reference[1]


@pytest.mark.e2e
def test_ctrl_c_is_one_line_naming_what_is_kept(reference, tmp_path):
    out = tmp_path / "interrupted"
    proc = start_simgen(*command_args(out, "farm.workers=1", "farm.scenes_per_shard=1"), cwd=tmp_path,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    while proc.poll() is None and count_complete(out) < 2:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    kept = count_complete(out)
    assert line == (f"simgen: error: interrupted; {kept} complete shard{'s' if kept != 1 else ''} kept in "
                    f"{out / SHARDS}: rerun the same command to resume")
    assert not list((out / SHARDS).glob(f"{TMP_PREFIX}*"))
    simgen(out, "farm.workers=1", "farm.scenes_per_shard=1")
    assert snapshot(out) == reference[1]
