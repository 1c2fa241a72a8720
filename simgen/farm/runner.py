"""Run a job to a finished dataset: record it, cut it into shards, run the shards that are not
complete yet (in-process, on local Ray or on a cluster), then merge when every shard is done.

The same function serves a first run, a resume after a kill, and one SLURM slice of many.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from simgen.config.canonical import dataset_config
from simgen.core.errors import ConfigError, FarmError
from simgen.farm.faults import FaultPlan
from simgen.farm.plan import auto_shard_size, plan_shards, slice_shards
from simgen.farm.progress import Progress, timing_table
from simgen.farm.schedule import Schedule, ShardFailure
from simgen.job import JobSpec
from simgen.store.dataset import DatasetDir, JobRecord, shard_frames
from simgen.store.shards import TMP_PREFIX, Shard, discard, remove_temporaries


@dataclass
class Summary:
    """What one invocation did: frames and annotations it rendered, and the dataset's state."""

    frames: int
    annotations: int
    seconds: float
    output_dir: Path
    timings: dict[str, float] = field(default_factory=dict)
    workers: int = 0
    frames_rendered: int = 0  # including frames of attempts that failed
    frames_skipped: int = 0  # in shards already complete
    merged: tuple[int, int] | None = None  # (frames, annotations) of the merged dataset
    shards_pending: int = 0  # shards of other slices not complete yet
    first_scene_s: float | None = None  # seconds from start to the first finished scene
    setup_seconds: float = 0.0  # before the run: configuration, checks, meshes, collision shapes
    idle: str = ""  # why this slice had nothing to render, when it had not

    @property
    def total_seconds(self) -> float:
        return self.setup_seconds + self.seconds

    @property
    def fps(self) -> float:
        return self.frames / self.total_seconds if self.total_seconds > 0 else 0.0

    def table(self) -> str:
        return timing_table(self.timings, self.frames_rendered, self.workers, self.seconds, self.first_scene_s)

    def line(self) -> str:
        skipped = f" ({self.frames_skipped} already done)" if self.frames_skipped else ""
        if self.merged is not None:
            state = f"dataset {plural(self.merged[0], 'frame')}, {self.merged[1]} annotations -> {self.output_dir}"
        else:
            state = (f"{plural(self.shards_pending, 'shard')} of other slices still to do; the last slice "
                     f"merges, or run: simgen-merge {self.output_dir}")
        if self.idle:
            return f"simgen: {self.idle}; {state}"
        return (f"simgen: {plural(self.frames, 'frame')}{skipped}, {self.annotations} annotations in "
                f"{self.total_seconds:.1f} s ({self.fps:.2f} frames/s); {state}")


def plural(n: int, noun: str) -> str:
    """``1 shard``, ``2 shards``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def idle_slice(shards: int, scenes_per_shard: int, num_slices: int, index: int) -> str:
    """Why slice ``index`` of ``num_slices`` gets no shard of a job of ``shards`` shards."""
    return (f"slice {index} of {num_slices} (0-based) has no work: the job has {plural(shards, 'shard')} of "
            f"up to {scenes_per_shard} scenes (farm.scenes_per_shard), and slice k takes shards k, "
            f"k + {num_slices}, ...; a smaller farm.scenes_per_shard spreads a small job over more slices")


def failure_message(failures: list[ShardFailure], seed: int, shards_dir: Path) -> str:
    """One line naming every scene given up on, by index and seed."""
    parts = []
    for f in failures:
        if f.scenes:
            parts += [f"scene {i} (seed {seed}): {err}" for i, err in f.scenes]
        else:
            parts.append(f"scenes {f.shard.first}-{f.shard.stop - 1} (seed {seed}): {f.error}")
    attempts = max(f.attempts for f in failures)
    return (f"{len(parts)} failure(s) after {attempts} attempt(s): {'; '.join(parts)}; "
            f"complete shards are kept in {shards_dir}: rerun the same command to retry the rest")


def _todo(ds: DatasetDir, job: JobSpec, record: JobRecord, shards: list[Shard]) -> tuple[list[Shard], set[str]]:
    """Split this run's shards into those to (re)do and the names of complete ones; clears
    temporaries and invalid folders of the shards to redo."""
    todo, complete = [], set()
    for shard in shards:
        remove_temporaries(ds.shards, shard)
        if ds.shard_dir(shard).exists() and ds.check(shard, job, record) is None:
            complete.add(shard.name)
        else:
            discard(ds.shard_dir(shard))
            todo.append(shard)
    return todo, complete


def _execute(typed, job: JobSpec, ds: DatasetDir, record: JobRecord, schedule: Schedule, shards: int) -> int:
    """Run the schedule in-process, on local worker processes or on Ray; returns the number of
    workers used."""
    from simgen.farm.raycluster import RayFarm, local_cores

    farm = typed.farm
    faults = FaultPlan.from_env()
    ds.shards.mkdir(parents=True, exist_ok=True)
    wanted = farm.workers or local_cores()
    if not farm.address and min(wanted, shards) <= 1:
        from simgen.farm.inprocess import run_in_process

        return run_in_process(job, ds.shards, record.config_hash, faults, schedule, farm.scenes_per_worker)
    if farm.backend == "processes" or (farm.backend == "auto" and not farm.address and farm.gpus_per_worker == 0):
        # one machine: worker processes, without Ray's start-up
        from simgen.farm.localpool import run_local_pool

        return run_local_pool(job, ds.shards, record.config_hash, faults, schedule, min(wanted, shards),
                              farm.scenes_per_worker, local_cores())
    with RayFarm(farm, local_cpus=min(wanted, shards)) as ray_farm:
        workers = min(ray_farm.capacity(), shards)
        return ray_farm.run(job, ds.shards, record.config_hash, faults, schedule, workers)


def _planned_workers(farm) -> int:
    """Workers a first run plans shards for: ``farm.workers``, else this machine's cores (a
    cluster's size is not known before connecting: its shards take the largest auto size)."""
    from simgen.farm.raycluster import local_cores

    if farm.address:
        return 1 if farm.workers == 0 else farm.workers
    return farm.workers or local_cores()


def check_output_dir(output_dir: Path) -> None:
    """ConfigError naming ``output_dir``, its path and the problem unless it is a folder this
    process can write in, or one it can make; checked before anything is written, so a wrong
    path is one line instead of a PermissionError traceback from deep in a run. A probe file
    (removed at once) catches read-only file systems and ACLs that ``os.access`` misses."""
    path = parent = Path(output_dir)
    try:
        if path.exists() and not path.is_dir():
            raise ConfigError(f"output_dir={path}: is a file, not a folder; choose a folder (new or a simgen dataset)")
        parent = path
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            raise ConfigError(f"output_dir={path}: cannot be made, since {parent} is a file; choose another folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
        fd, probe = tempfile.mkstemp(prefix=TMP_PREFIX, dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        where = "the folder is" if parent == path else f"cannot be made, since {parent} is"
        raise ConfigError(f"output_dir={path}: {where} not writable ({exc.strerror or exc}); "
                          "choose a folder you can write to") from None


def with_label_yields(job: JobSpec, say: bool) -> JobSpec:
    """``job`` with the label yields of its balance pilot, so every worker's plan aims at labeled
    shares (:func:`simgen.pipeline.pilot_yields`); unchanged without ``balance.classes``."""
    if job.balance is None or not job.balance.classes or job.label_yields is not None:
        return job
    from simgen.pipeline import PILOT_ROUNDS, PILOT_SCENES, pilot_yields

    yields = pilot_yields(job)
    if say:
        shown = ", ".join(f"{k} {v:.2f}" for k, v in yields.items())
        print(f"simgen: balance: label yield per planned object, pilot of {PILOT_ROUNDS} x {PILOT_SCENES} scenes: {shown}")
    return replace(job, label_yields=yields)


def run_job(typed, job: JobSpec, output_dir: Path, progress: bool = True) -> Summary:
    """Render this run's share of ``job`` (typed: the SimgenConfig) into ``output_dir`` and merge
    when the whole job is complete. Raises FarmError naming failed scenes, after the other shards
    are done; ConfigError when ``output_dir`` holds another job."""
    start = time.perf_counter()
    farm = typed.farm
    check_output_dir(output_dir)
    ds = DatasetDir(output_dir)
    fresh = ds.read_record() is None
    per_shard = farm.scenes_per_shard or auto_shard_size(job.scene_count, _planned_workers(farm), farm.num_slices)
    record = ds.adopt(JobRecord.new(dataset_config(typed), per_shard))
    shards = plan_shards(job.scene_count, record.scenes_per_shard)
    ds.discard_unplanned(shards)
    mine = slice_shards(shards, farm.num_slices, farm.slice)
    todo, complete = _todo(ds, job, record, mine)
    if todo:  # before the bar, so that its line stands apart
        job = with_label_yields(job, progress)
    skipped = sum(shard_frames(job, s) for s in mine if s.name in complete)
    bar = Progress(total=sum(shard_frames(job, s) for s in mine), initial=skipped, enabled=progress)
    schedule = Schedule(todo, farm.max_retries, bar)
    workers = 0
    try:
        if todo:
            ds.unmark_done()
            workers = _execute(typed, job, ds, record, schedule, len(todo))
    except BaseException:  # Ctrl-C, a cluster that cannot be reached: a new folder is left as found
        if fresh and not schedule.reports:
            for shard in todo:  # this run's half-written shards (its workers are stopped by now)
                remove_temporaries(ds.shards, shard)
            ds.forget_if_empty()
        raise
    finally:
        bar.close()
    if schedule.failures:
        raise FarmError(failure_message(schedule.failures, job.seed, ds.shards))
    complete |= {r.shard.name for r in schedule.reports}
    pending = [s for s in shards if s.name not in complete and ds.check(s, job, record, checksums=False)]
    merged = None if pending else ds.merge(job, record, shards, verified=frozenset(complete))
    return Summary(frames=sum(r.frames for r in schedule.reports),
                   annotations=sum(r.annotations for r in schedule.reports),
                   seconds=time.perf_counter() - start, output_dir=Path(output_dir), timings=dict(bar.timings),
                   workers=workers, frames_rendered=bar.frames_rendered, frames_skipped=skipped,
                   merged=merged, shards_pending=len(pending), first_scene_s=bar.first_scene_s,
                   idle="" if mine else idle_slice(len(shards), record.scenes_per_shard, farm.num_slices, farm.slice))
