"""The farm: same dataset from any number of workers, shard sizes, slices and resumes (kills and
retries: test_farm_faults.py), and its settings' checks.

Every run is a real ``simgen`` subprocess on the small job of ``farm_helpers`` (160x120, 2-3
objects, 10 scenes of 2 views); datasets are compared file by file against one reference run.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from farm_helpers import (
    FRAMES,
    SMALL,
    VIEWS,
    complete_shards,
    error_line,
    reference_run,
    simgen,
    simgen_merge,
    snapshot,
)
from helpers import (
    config_error,
    load_coco,
    load_test_job,
)

from simgen.config.canonical import config_hash, dataset_config
from simgen.config.schema import FarmConfig, SimgenConfig
from simgen.core.errors import ConfigError, DatasetError
from simgen.farm.faults import FaultPlan, InjectedFault
from simgen.farm.plan import plan_shards, slice_shards
from simgen.store.dataset import RECORD, SHARDS
from simgen.store.shards import TMP_PREFIX, Shard, ShardWriter, check_shard, read_manifest


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    return reference_run(tmp_path_factory)


@pytest.mark.e2e
def test_reference_is_a_complete_coco_dataset(reference):
    out, files = reference
    coco = load_coco(out)
    ids = sorted(coco.getImgIds())
    assert ids == list(range(1, FRAMES + 1))
    assert sorted(coco.getAnnIds()) == list(range(1, len(coco.anns) + 1)) and coco.anns
    for img in coco.dataset["images"]:
        for rel in (f"images/{img['split']}/{img['file_name']}", img["depth_file"], img["instance_file"], img["semantic_file"]):
            assert rel in files
    assert len([f for f in files if f.startswith("images/")]) == FRAMES
    manifests = [read_manifest(out / SHARDS / name) for name in complete_shards(out)]
    assert [m["scenes"] for m in manifests] == [[k, k + 2] for k in range(0, FRAMES // VIEWS, 2)]
    assert sum(m["frames"] for m in manifests) == FRAMES
    assert sum(m["annotations"] for m in manifests) == len(coco.anns)


@pytest.mark.e2e
def test_splits_are_by_scene_with_the_requested_sizes(reference):
    from simgen.core.splits import split_sizes

    out, files = reference
    coco = load_coco(out)
    by_scene: dict[int, set[str]] = {}
    for img in coco.dataset["images"]:
        by_scene.setdefault(img["scene_index"], set()).add(img["split"])
    assert all(len(s) == 1 for s in by_scene.values())  # no scene in two splits
    sizes = {name: sum(s == {name} for s in by_scene.values()) for name in ("train", "val", "test")}
    assert sizes == split_sizes({"train": 0.8, "val": 0.1, "test": 0.1}, FRAMES // VIEWS, seed=0) == {"train": 8, "val": 1, "test": 1}
    for split in sizes:
        doc = json.loads((out / f"annotations/instances_{split}.json").read_text())
        assert {img["split"] for img in doc["images"]} == {split}
        assert all(f"images/{split}/{img['file_name']}" in files for img in doc["images"])


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["processes", "ray"])
def test_two_workers_and_other_shards_give_identical_dataset(reference, tmp_path, backend):
    out = tmp_path / f"two_{backend}"
    proc = simgen(out, "farm.workers=2", "farm.scenes_per_shard=3", f"farm.backend={backend}")
    assert "summed over 2 workers" in proc.stdout
    assert snapshot(out) == reference[1]
    for split in ("train", "val", "test"):  # the same splits with 1 or 2 workers
        name = f"annotations/instances_{split}.json"
        assert (out / name).read_bytes() == (reference[0] / name).read_bytes()


@pytest.mark.e2e
def test_the_in_process_worker_replaced_every_shard_gives_the_identical_dataset(reference, tmp_path):
    """``farm.workers=1`` replaces its one worker (renderer, physics client) after
    ``farm.scenes_per_worker`` scenes, here after every shard of 2: the files do not change."""
    out = tmp_path / "replaced"
    simgen(out, "farm.workers=1", "farm.scenes_per_shard=2", "farm.scenes_per_worker=2")
    assert snapshot(out) == reference[1]

@pytest.mark.e2e
def test_slices_merge_into_the_single_run_dataset(reference, tmp_path):
    """Slice 0 as a plain run (nothing merged yet), slices 1 and 2 as a Hydra multirun with the
    basic launcher (the last merges); then a merge killed part-way is redone by simgen-merge."""
    out = tmp_path / "sliced"
    slicing = ["farm.workers=1", "farm.scenes_per_shard=2", "farm.num_slices=3"]
    proc = simgen(out, *slicing, "farm.slice=0")
    assert "simgen-merge" in proc.stdout and not (out / "simgen_dataset.json").exists()
    assert complete_shards(out) == ["scenes_000000-000001", "scenes_000006-000007"]
    simgen(out, "-m", *slicing, "farm.slice=1,2")
    assert snapshot(out) == reference[1]
    for path in sorted((out / "images").rglob("*.png"))[::2]:
        path.unlink()
    (out / "images" / "train" / f"{TMP_PREFIX}000000.png.dead").write_bytes(b"")
    (out / "simgen_dataset.json").unlink()
    simgen_merge(out)
    simgen_merge(out)
    assert snapshot(out) == reference[1]


@pytest.mark.e2e
def test_concurrent_slices_through_submitit_launcher(reference, tmp_path):
    """The SLURM launcher's code path, run locally: three slices at once into one output_dir."""
    out = tmp_path / "submitit"
    simgen(out, "-m", "hydra/launcher=submitit_local", "farm.workers=1", "farm.scenes_per_shard=2",
           "farm.num_slices=3", "farm.slice=range(0,3)")
    assert snapshot(out) == reference[1]


@pytest.mark.e2e
def test_changed_config_refused_without_touching_shards(reference, tmp_path):
    out = tmp_path / "changed"
    simgen(out, "farm.workers=1", "farm.scenes_per_shard=2")
    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*")}
    proc = simgen(out, "farm.workers=1", "scene.max_objects=4", expect=2)
    line = error_line(proc)
    assert "scene.max_objects: 3 -> 4" in line and str(out) in line
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*")} == before
    # execution knobs are not the job: another shard size resumes with the recorded one
    proc = simgen(out, "farm.workers=1", "farm.scenes_per_shard=5")
    assert f"0 frames ({FRAMES} already done)" in proc.stdout
    assert snapshot(out) == reference[1]


@pytest.mark.e2e
def test_raising_frames_grows_the_dataset_to_the_fresh_run_dataset(reference, tmp_path):
    """11 frames (the last scene half done) in shards of 4 scenes, then the reference's 20: the
    first shard is kept as it is, the cut-short last one replaced, and the files are the fresh
    run's."""
    out = tmp_path / "grown"
    simgen(out, "farm.workers=1", "farm.scenes_per_shard=4", "frames=11")
    assert complete_shards(out) == ["scenes_000000-000003", "scenes_000004-000005"]
    kept = {p: p.stat().st_ino for p in (out / SHARDS / "scenes_000000-000003").rglob("*")}
    proc = simgen(out, "farm.workers=1", f"frames={FRAMES}")
    assert f"{FRAMES - 8} frames (8 already done)" in proc.stdout
    assert complete_shards(out) == ["scenes_000000-000003", "scenes_000004-000007", "scenes_000008-000009"]
    assert {p: p.stat().st_ino for p in (out / SHARDS / "scenes_000000-000003").rglob("*")} == kept
    assert snapshot(out) == reference[1]
    proc = simgen(out, "farm.workers=1", "frames=12", expect=2)
    assert "never shrinks" in error_line(proc)


# ---- pieces, without rendering ----

def test_shards_and_slices_cover_every_scene_once():
    shards = plan_shards(23, 4)
    assert [s.scenes for s in shards][-1] == range(20, 23)
    assert [i for s in shards for i in s.scenes] == list(range(23))
    sliced = [slice_shards(shards, 4, k) for k in range(4)]
    assert sorted((s for part in sliced for s in part), key=lambda s: s.first) == shards


def test_config_hash_ignores_execution_settings_only():
    a, b = SimgenConfig(scene={"kind": "tabletop"}), SimgenConfig(scene={"kind": "tabletop"})
    b.farm = FarmConfig(workers=7, address="auto", scenes_per_shard=3, num_slices=4, slice=2)
    b.output_dir, b.renderer.egl_device = "/elsewhere", 1
    assert config_hash(dataset_config(a)) == config_hash(dataset_config(b))
    b.seed = 1
    assert config_hash(dataset_config(a)) != config_hash(dataset_config(b))


def test_fault_plan_parsing():
    plan = FaultPlan.from_env({"SIMGEN_FAULT_SCENES": "3, 5:2, 8:1:exit"})
    assert plan.scenes == {3: (None, "raise"), 5: (2, "raise"), 8: (1, "exit")}
    with pytest.raises(InjectedFault):
        plan.check(5, 1)
    plan.check(5, 2)
    plan.check(4, 0)
    with pytest.raises(ConfigError, match="SIMGEN_FAULT_SCENES"):
        FaultPlan.from_env({"SIMGEN_FAULT_SCENES": "x:1"})


@pytest.mark.parametrize("overrides, key", [
    (["farm.num_slices=2", "farm.slice=2", "output_dir=/tmp/x"], "farm.slice"),
    (["farm.num_slices=2", "farm.slice=1"], "output_dir"),
    (["farm.scenes_per_shard=-1"], "farm.scenes_per_shard"),
    (["farm.max_retries=-1"], "farm.max_retries"),
])
def test_bad_farm_settings_are_one_line_errors(overrides, key):
    assert key in config_error(*overrides, error=ConfigError)


def _writer(shards_dir: Path, shard: Shard, payload: bytes = b"pixels") -> ShardWriter:
    w = ShardWriter(shards_dir, shard)
    w.add_file(f"images/{shard.first:06d}.png", payload)
    w.add_records({"id": shard.first + 1}, [{"image_id": shard.first + 1, "object_id": 3}])
    return w


def test_shard_commit_is_all_or_nothing(tmp_path):
    shard = Shard(0, 1)
    image = tmp_path / shard.name / "images/000000.png"
    assert _writer(tmp_path, shard).commit("h", 0) is True
    assert check_shard(tmp_path / shard.name, shard, "h", 1) is None
    assert check_shard(tmp_path / shard.name, shard, "other", 1) == "manifest of another config"
    inode = image.stat().st_ino
    # another writer of the same shard (a concurrent slice, a worker of a killed run) defers
    assert _writer(tmp_path, shard).commit("h", 0) is False
    assert image.stat().st_ino == inode
    # a damaged shard under the final name is checked and replaced
    image.write_bytes(b"pixelz")
    assert check_shard(tmp_path / shard.name, shard, "h", 1) == "images/000000.png does not match its checksum"
    assert check_shard(tmp_path / shard.name, shard, "h", 1, checksums=False) is None
    assert _writer(tmp_path, shard).commit("h", 0) is True
    assert image.read_bytes() == b"pixels"
    # a temporary folder that lost files while being written is never put in place
    w = _writer(tmp_path, Shard(1, 2))
    (w.tmp / "images/000001.png").unlink()
    with pytest.raises(DatasetError, match="disturbed"):
        w.commit("h", 0)
    w = _writer(tmp_path, Shard(1, 2))
    shutil.rmtree(w.tmp)
    with pytest.raises(FileNotFoundError):
        w.add_file("depth/000001.png", b"x")  # the removed folder is not re-created
    assert sorted(p.name for p in tmp_path.iterdir()) == [shard.name]


def test_raising_frames_grows_the_record_lowering_is_refused(tmp_path):
    from simgen.store.dataset import DatasetDir, JobRecord

    ds = DatasetDir(tmp_path / "ds")
    base = {"frames": 10, "seed": 0, "scene": {"kind": "tabletop"}}
    first = ds.adopt(JobRecord.new(base, 4))
    grown = ds.adopt(JobRecord.new({**base, "frames": 30}, 8))
    assert grown.config["frames"] == 30 and grown.config_hash == first.config_hash
    assert grown.scenes_per_shard == 4  # the recorded shard size stays
    assert json.loads((tmp_path / "ds" / RECORD).read_text())["config"]["frames"] == 30
    with pytest.raises(ConfigError, match=r"frames=20: .* holds a dataset of 30 frames.*never shrinks"):
        ds.adopt(JobRecord.new({**base, "frames": 20}, 4))
    with pytest.raises(ConfigError, match=r"another config \(seed: 0 -> 1\)"):  # not frames, though it differs too
        ds.adopt(JobRecord.new({**base, "frames": 5, "seed": 1}, 4))
    assert json.loads((tmp_path / "ds" / RECORD).read_text())["config"]["frames"] == 30


def _job(tmp_path: Path, *overrides: str):
    return load_test_job(*SMALL, f"output_dir={tmp_path / 'ds'}", *overrides)


@pytest.mark.parametrize("address, why", [
    ("ray://127.0.0.1:1", "cannot use the Ray cluster at 127.0.0.1:1: Connection refused; is `ray start --head`"),
    ("127.0.0.1:1", "cannot use the Ray cluster at 127.0.0.1:1: Connection refused; is `ray start --head`"),
    ("nowhere", "not a Ray address; use auto, HOST:PORT or ray://HOST:PORT"),
])
def test_unreachable_cluster_is_one_line_in_seconds_and_leaves_nothing(tmp_path, address, why):
    from simgen.farm.runner import run_job

    typed, job = _job(tmp_path, f"farm.address={address}")
    start = time.monotonic()
    with pytest.raises(ConfigError) as info:
        run_job(typed, job, tmp_path / "ds", progress=False)
    assert time.monotonic() - start < 10
    assert str(info.value).startswith(f"farm.address={address}") and why in str(info.value)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "ds").exists()  # no simgen_job.json, no shards/


def test_auto_address_without_a_cluster_names_the_setting(monkeypatch):
    from ray._private.services import find_bootstrap_address, find_gcs_addresses

    from simgen.farm.raycluster import connect

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    if find_gcs_addresses() or find_bootstrap_address(None):
        pytest.skip("a Ray instance runs on this machine")
    with pytest.raises(ConfigError, match=r"^farm.address=auto: no running Ray cluster found on this machine"):
        connect("auto")


@pytest.mark.parametrize("gpus, workers, expected", [(0.0, 0, None), (2.0, 0, 2), (2.0, 1, 1), (1.0, 2, 1)])
def test_ray_gpu_share_that_never_fits_is_one_line_before_any_work(tmp_path, monkeypatch, gpus, workers, expected):
    """A worker asking for a GPU share the Ray instance lacks would stay pending forever (the
    run waited at 0 frames): refused with one line naming the setting; otherwise a local
    instance gets no more workers than its GPUs hold."""
    import ray

    from simgen.farm.raycluster import RayFarm
    from simgen.farm.runner import run_job

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", lambda **kwargs: None)
    monkeypatch.setattr(ray, "shutdown", lambda: None)
    monkeypatch.setattr(ray, "cluster_resources", lambda: {"CPU": 2.0, "GPU": gpus})
    if expected is None:
        typed, job = _job(tmp_path, "farm.backend=ray", "farm.gpus_per_worker=0.5", "farm.workers=2",
                          "farm.scenes_per_shard=1")
        with pytest.raises(ConfigError) as info:
            run_job(typed, job, tmp_path / "ds", progress=False)
        assert str(info.value) == ("farm.gpus_per_worker=0.5: this machine's Ray instance has 0 GPUs, so no worker "
                                   "could ever start; use farm.gpus_per_worker=0 to render on CPUs (EGL on Mesa), "
                                   "or a machine with a GPU")
        assert not (tmp_path / "ds").exists()  # no simgen_job.json, no shards/
        return
    with RayFarm(FarmConfig(backend="ray", gpus_per_worker=1.0, workers=workers), local_cpus=2) as farm:
        assert farm.capacity() == expected


@pytest.mark.parametrize("case", ["file", "under_file", "read_only", "under_read_only"])
def test_output_dir_that_cannot_be_written_is_one_line_and_writes_nothing(tmp_path, monkeypatch, case):
    from simgen.farm.runner import run_job

    (tmp_path / "file").write_text("mine")
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    if os.geteuid() == 0:  # root writes anywhere: answer as a user would for the read-only folder
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, **kw: Path(p) != ro and real_access(p, mode, **kw))
    out, why = {
        "file": (tmp_path / "file", "is a file, not a folder; choose a folder (new or a simgen dataset)"),
        "under_file": (tmp_path / "file/ds", f"cannot be made, since {tmp_path / 'file'} is a file; choose another folder"),
        "read_only": (ro, "the folder is not writable (Permission denied); choose a folder you can write to"),
        "under_read_only": (ro / "ds", f"cannot be made, since {ro} is not writable (Permission denied); "
                                       "choose a folder you can write to"),
    }[case]
    typed, job = load_test_job(*SMALL, f"output_dir={out}")
    with pytest.raises(ConfigError) as info:
        run_job(typed, job, out, progress=False)
    assert str(info.value) == f"output_dir={out}: {why}"
    assert info.value.exit_code == 2
    assert (tmp_path / "file").read_text() == "mine" and not list(ro.iterdir())


@pytest.mark.e2e
def test_stale_ray_cluster_file_does_not_stop_a_local_ray_farm(monkeypatch):
    """A ``ray_current_cluster`` file left in Ray's temp folder by a cluster killed without
    ``ray stop`` made ``ray.init`` connect there and refuse num_cpus (a ValueError traceback):
    without farm.address the run starts a local instance of its own."""
    import tempfile

    import ray

    from simgen.farm.raycluster import RayFarm

    tmp = Path(tempfile.mkdtemp(prefix="sg", dir="/tmp"))  # short: Ray's socket paths live under it
    try:
        (tmp / "ray").mkdir()
        (tmp / "ray/ray_current_cluster").write_text("127.0.0.1:6390\n")  # nothing listens there
        monkeypatch.setenv("TMPDIR", str(tmp))
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
        with RayFarm(FarmConfig(backend="ray", workers=1), local_cpus=1) as farm:
            assert ray.is_initialized() and farm.capacity() == 1
        assert not ray.is_initialized()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_slice_without_shards_says_why(tmp_path):
    from simgen.farm.runner import run_job

    typed, job = _job(tmp_path, "frames=4", "farm.num_slices=4", "farm.slice=3", "farm.scenes_per_shard=16")
    summary = run_job(typed, job, tmp_path / "ds", progress=False)
    assert summary.frames_rendered == 0 and summary.merged is None
    assert summary.line() == (
        f"simgen: slice 3 of 4 (0-based) has no work: the job has 1 shard of up to 16 scenes "
        f"(farm.scenes_per_shard), and slice k takes shards k, k + 4, ...; a smaller farm.scenes_per_shard "
        f"spreads a small job over more slices; 1 shard of other slices still to do; the last slice merges, "
        f"or run: simgen-merge {tmp_path / 'ds'}")


@pytest.mark.parametrize("scenes, workers, slices, expected", [
    (50, 2, 1, 7), (13, 2, 1, 2), (1000, 2, 1, 16), (3, 16, 1, 1), (200, 2, 4, 7)])
def test_automatic_shard_size_gives_each_worker_about_four_shards(scenes, workers, slices, expected):
    from simgen.farm.plan import auto_shard_size, plan_shards

    size = auto_shard_size(scenes, workers, slices)
    assert size == expected
    shards = plan_shards(scenes, size)
    assert sum(len(s.scenes) for s in shards) == scenes
    parts = 4 * workers * slices  # the smallest size with at most that many shards, or 16
    assert size == 16 or (len(shards) <= parts and (size == 1 or -(-scenes // (size - 1)) > parts))


def test_slurm_launcher_off_a_cluster_is_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys):
    """The README's SLURM command on a machine without SLURM: one line naming the launcher and
    what to do, exit 2, no multirun folder (it was submitit's 'Could not detect srun' traceback)."""
    import sys

    from simgen.tools import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # no srun here, even on a SLURM node
    monkeypatch.setattr(sys, "argv", ["simgen", "-m", "hydra/launcher=simgen_slurm", f"output_dir={tmp_path / 'ds'}",
                                      "frames=8", "farm.num_slices=2", "farm.slice=range(0,2)"])
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 2
    assert capsys.readouterr().err == (
        "simgen: error: hydra/launcher=simgen_slurm: SLURM is not available on this machine (no `srun` on PATH); "
        "run the command on the cluster's login node, or try the slices here with hydra/launcher=submitit_local\n")
    assert list(tmp_path.iterdir()) == []


def test_first_run_interrupted_mid_shard_leaves_no_folder(tmp_path, monkeypatch):
    """Ctrl-C while workers were in their first shards: their temporary shard folders kept
    shards/ and simgen_job.json behind although the command said nothing was kept, and a rerun
    with a changed setting was then refused."""
    from simgen.farm import runner

    def interrupted(typed, job, ds, record, schedule, shards):
        ds.shards.mkdir(parents=True, exist_ok=True)
        (ds.shards / f"{TMP_PREFIX}scenes_000000-000001.0123abcd").mkdir()  # a killed worker's shard
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_execute", interrupted)
    typed, job = _job(tmp_path, "farm.scenes_per_shard=2")
    with pytest.raises(KeyboardInterrupt):
        runner.run_job(typed, job, tmp_path / "ds", progress=False)
    assert not (tmp_path / "ds").exists()
