"""Shards on local worker processes, without Ray: the default for runs on one machine.

Ray's local start-up costs about 8 s before the first scene (measured on 2 cores); a spawned
process that imports simgen and opens its renderer costs about 2 s, and all of them start at
once. Each worker owns one SceneWorker for many shards, like a Ray actor: it is replaced after
``farm.scenes_per_worker`` scenes (to bound memory) or when it dies. Ray stays for clusters
(``farm.address``) and GPU shares (``farm.gpus_per_worker``).

Workers are told how many llvmpipe render threads to use (``LP_NUM_THREADS``: the cores over the
workers, unless already set), so N workers on N cores do not each start N threads.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from multiprocessing.connection import Connection, wait
from pathlib import Path

from simgen.core.errors import FarmError, one_line
from simgen.farm.faults import FaultPlan
from simgen.farm.schedule import Schedule
from simgen.farm.work import render_shard
from simgen.job import JobSpec

POLL_S = 0.25


def _serve(conn: Connection, job: JobSpec, shards_dir: str, config_hash: str, faults: FaultPlan, threads: int) -> None:
    """A worker process: open a SceneWorker, then render the shards sent until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle: it ends the workers
    os.environ.setdefault("LP_NUM_THREADS", str(threads))
    from simgen.core.platform import configure_egl
    from simgen.pipeline import SceneWorker

    try:
        configure_egl(job.renderer.egl_device)
        worker = SceneWorker(job)
    except Exception as exc:
        conn.send(("broken", one_line(exc)))
        return
    conn.send(("ready",))
    try:
        while (msg := conn.recv()) is not None:
            shard, attempt = msg
            try:
                report = render_shard(worker, job, shard, Path(shards_dir), config_hash, attempt, faults,
                                      lambda name, frames, timings: conn.send(("scene", name, frames, timings)))
            except Exception as exc:  # a shard-level failure (disk full...): retried like a scene's
                conn.send(("error", one_line(exc)))
            else:
                conn.send(("done", report))
    finally:
        worker.close()


class _Slot:
    """One worker process, its pipe, the shard it is on and the scenes it has done."""

    def __init__(self, ctx, args: tuple) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, *args), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple | None = None
        self.scenes = 0
        self.ready = False

    def stop(self, timeout: float = 10.0) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def run_local_pool(job: JobSpec, shards_dir: Path, config_hash: str, faults: FaultPlan, schedule: Schedule,
                   workers: int, scenes_per_worker: int, cores: int) -> int:
    """Run every shard of ``schedule`` on ``workers`` local processes; returns ``workers``."""
    ctx = mp.get_context("spawn")  # each process imports pyrender and opens EGL itself
    args = (job, str(shards_dir), config_hash, faults, max(1, cores // workers))
    slots = [_Slot(ctx, args) for _ in range(workers)]
    finished = False
    try:
        while True:
            for slot in slots:
                if slot.ready and slot.task is None and (item := schedule.next()) is not None:
                    slot.task = item
                    slot.conn.send(item)
            if all(slot.task is None for slot in slots) and not schedule.waiting:
                break
            wait([s.conn for s in slots] + [s.process.sentinel for s in slots], POLL_S)
            for k, slot in enumerate(slots):
                if not _drain(slot, schedule) or not slot.process.is_alive():
                    if slot.task is not None:
                        shard, attempt = slot.task
                        schedule.settle(shard, attempt, error=f"worker died (exit status {slot.process.exitcode})")
                    slot.conn.close()
                    slots[k] = _Slot(ctx, args)
                elif slot.task is None and slot.scenes >= scenes_per_worker:
                    slot.stop()
                    slots[k] = _Slot(ctx, args)
        finished = True
    finally:
        for slot in slots:
            if finished or slot.task is None:
                slot.stop()
            else:  # interrupted (Ctrl-C, an error): a worker in a shard is not waited for
                slot.process.kill()
                slot.process.join()
    return workers


def _drain(slot: _Slot, schedule: Schedule) -> bool:
    """Handle every message the worker has sent; False when its pipe is closed (it died)."""
    try:
        while slot.conn.poll():
            _receive(slot, slot.conn.recv(), schedule)
    except (EOFError, OSError):
        return False
    return True


def _receive(slot: _Slot, msg: tuple, schedule: Schedule) -> None:
    kind = msg[0]
    if kind == "broken":
        raise FarmError(f"a worker process could not start: {msg[1]}")
    if kind == "ready":
        slot.ready = True
    elif kind == "scene":
        schedule.progress.scene_done(*msg[1:])
    else:
        shard, attempt = slot.task
        if kind == "done":
            schedule.settle(shard, attempt, msg[1])
            slot.scenes += len(shard.scenes)
        else:
            schedule.settle(shard, attempt, error=msg[1])
        slot.task = None
