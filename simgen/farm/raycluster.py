"""Shards on Ray actors: an embedded local Ray instance (started and stopped here), or an
existing cluster by address (``farm.address=auto`` or ``ray://HOST:PORT``).

Each actor is a separate process that imports pyrender itself and owns one SceneWorker for many
shards; it is replaced after ``farm.scenes_per_worker`` scenes (to bound memory) or when it
dies. With ``farm.gpus_per_worker`` > 0 an actor renders on the EGL device of the GPU Ray gave
it. Workers write their shards straight into ``output_dir``, which on a cluster must be a
folder every node sees at the same path.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import replace
from pathlib import Path

from simgen.config.schema import FarmConfig
from simgen.core.errors import ConfigError, one_line
from simgen.core.platform import configure_egl
from simgen.farm.faults import FaultPlan
from simgen.farm.schedule import Schedule
from simgen.farm.work import render_shard
from simgen.job import JobSpec
from simgen.pipeline import SceneWorker

LOCAL_OBJECT_STORE_BYTES = 256 * 1024**2  # results are small: shards go to disk, not through Ray
CONNECT_TIMEOUT_S = 5.0  # a cluster address that does not answer within this is reported


class ShardActor:
    """A worker process (wrapped by ``ray.remote``): one SceneWorker for many shards."""

    def __init__(self, job: JobSpec, gpus_per_worker: float) -> None:
        import ray

        gpu_ids = ray.get_gpu_ids() if gpus_per_worker > 0 else []
        if gpu_ids:  # EGL does not follow CUDA_VISIBLE_DEVICES: name the device explicitly
            job = replace(job, renderer=replace(job.renderer, egl_device=int(gpu_ids[0])))
        configure_egl(job.renderer.egl_device)
        self.job = job
        self.worker = SceneWorker(job)

    def egl_device(self) -> int | None:
        return self.job.renderer.egl_device

    def render(self, shard, shards_dir: str, config_hash: str, attempt: int, faults: FaultPlan, inbox):
        import ray

        def on_scene(name: str, frames: int, timings: dict) -> None:
            ray.get(inbox.put.remote(name, frames, timings))  # delivered before the shard returns

        return render_shard(self.worker, self.job, shard, Path(shards_dir), config_hash, attempt, faults, on_scene)


class Inbox:
    """Per-scene progress from every actor, collected for the driver's one progress bar."""

    def __init__(self) -> None:
        self._items: list[tuple] = []

    def put(self, *item) -> None:
        self._items.append(item)

    def take(self) -> list[tuple]:
        items, self._items = self._items, []
        return items


def _last_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[-1][:200] if lines else type(exc).__name__


def cluster_endpoint(address: str) -> tuple[str, int, bool]:
    """(host, port, is a ``ray://`` client address) that ``farm.address`` names; ``auto``: the
    cluster ``ray start`` left on this machine (or ``$RAY_ADDRESS``). ConfigError naming the
    setting when there is none."""
    from ray._private.services import get_ray_address_from_environment

    found = address
    if address == "auto":
        try:
            found = get_ray_address_from_environment("auto", None)
        except ConnectionError:
            found = None
        if not found:
            raise ConfigError("farm.address=auto: no running Ray cluster found on this machine (start one with "
                              "`ray start --head`, or leave farm.address unset to use this machine's cores)")
    hostport = found.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"farm.address={address}: not a Ray address; use auto, HOST:PORT or ray://HOST:PORT")
    return host.strip("[]"), int(port), found.startswith("ray://")


def connect(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """``ray.init`` on the cluster at ``farm.address``, after checking within ``timeout``
    seconds that it answers. Failures are one ConfigError line naming the setting, instead of
    Ray's tracebacks and its retries (about 30 s)."""
    import ray

    host, port, client = cluster_endpoint(address)
    reason = _unreachable(host, port, timeout, client)
    if reason:
        raise ConfigError(f"farm.address={address}: cannot use the Ray cluster at {host}:{port}: {reason}")
    try:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    except Exception as exc:  # wrong port kind, versions that differ, a token the cluster refuses
        raise ConfigError(f"farm.address={address}: Ray could not connect: {_last_line(exc)}") from None


def _auth_metadata() -> tuple:
    """The gRPC metadata Ray itself sends with its token (none without token authentication,
    or on a Ray older than 2.52)."""
    try:
        from ray._private.authentication.grpc_authentication_client_interceptor import (
            _get_authentication_metadata_tuple,
        )

        return tuple(_get_authentication_metadata_tuple())
    except Exception:  # an older Ray, or no token configured
        return ()


def _ping(channel, client: bool, timeout: float) -> None:
    """One cheap call a Ray server answers: the client server's PING (``ray://``), or the GCS's
    cluster id. Raises grpc.RpcError."""
    if client:
        from ray.core.generated import ray_client_pb2, ray_client_pb2_grpc

        request = ray_client_pb2.ClusterInfoRequest(type=ray_client_pb2.ClusterInfoType.PING)
        ray_client_pb2_grpc.RayletDriverStub(channel).ClusterInfo(request, timeout=timeout, metadata=_auth_metadata())
    else:
        from ray.core.generated import gcs_service_pb2, gcs_service_pb2_grpc

        gcs_service_pb2_grpc.NodeInfoGcsServiceStub(channel).GetClusterId(
            gcs_service_pb2.GetClusterIdRequest(), timeout=timeout, metadata=_auth_metadata())


def _unreachable(host: str, port: int, timeout: float, client: bool) -> str | None:
    """Why no Ray server (the client server for ``client``, else the GCS) answers at host:port
    within ``timeout`` seconds, or refuses this machine's token; None when one answers."""
    import grpc

    start = time.monotonic()
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        why = f"no answer within {timeout:g} s" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__)
        return f"{why}; is `ray start --head` running there and the port open?"
    if os.environ.get("RAY_USE_TLS", "0").lower() in ("1", "true"):
        return None  # a plain channel cannot judge a TLS server: let Ray try
    channel = grpc.insecure_channel(f"{host}:{port}")
    try:
        _ping(channel, client, max(timeout - (time.monotonic() - start), 0.5))
    except grpc.RpcError as exc:
        code = exc.code()
        if code == grpc.StatusCode.UNAUTHENTICATED and not _auth_metadata():
            return ("the cluster uses token authentication and this machine has no token: set "
                    "RAY_AUTH_MODE=token and the cluster's token in RAY_AUTH_TOKEN (see the README)")
        if code == grpc.StatusCode.UNAUTHENTICATED and not client:
            return ("the cluster uses token authentication and refused this machine's token "
                    "(RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token; see the README)")
        if code == grpc.StatusCode.UNAUTHENTICATED:
            return None  # the client server may check the token differently: Ray's own connection judges
        if code in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE):
            return f"no Ray {'client server' if client else 'head (GCS)'} answered within {timeout:g} s"
        return f"the server there is no Ray {'client server' if client else 'head (GCS)'}: {code.name}"
    finally:
        channel.close()
    return None


class RayFarm:
    """Context manager: connects to Ray (starting a local instance when no address is given and
    none is running) and disconnects, stopping what it started."""

    def __init__(self, farm: FarmConfig, local_cpus: int) -> None:
        self.farm = farm
        self.local_cpus = local_cpus
        self._owned = False  # a local instance started here
        self._connected = False

    def __enter__(self) -> RayFarm:
        import ray

        if ray.is_initialized():  # a caller's Ray session: used as it is, left running
            return self
        if self.farm.address:
            connect(self.farm.address)
        else:
            # "local": a fresh instance of this run's own, whatever Ray's temp folder or
            # $RAY_ADDRESS say (a ray_current_cluster file left by a killed cluster made Ray
            # connect there and refuse num_cpus); a cluster is used only by farm.address
            ray.init(address="local", num_cpus=self.local_cpus, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.ERROR, object_store_memory=LOCAL_OBJECT_STORE_BYTES)
            self._owned = True
        self._connected = True
        return self

    def __exit__(self, *exc) -> None:
        import ray

        if self._connected:  # stops the local instance; only disconnects from a cluster
            ray.shutdown()

    def capacity(self) -> int:
        """Workers the cluster holds: ``farm.workers``, or (0) as many as CPUs or GPU shares.
        ConfigError naming ``farm.gpus_per_worker`` when not one worker's GPU share exists
        (Ray would keep such a worker pending forever, and the run would wait at 0 frames);
        a local instance, which cannot grow, gets no more workers than its GPUs hold."""
        import ray

        gpus = self.farm.gpus_per_worker
        fits = None
        if gpus > 0:
            total = float(ray.cluster_resources().get("GPU", 0))
            fits = int(total / gpus + 1e-9)
            if fits == 0:
                where = "this machine's Ray instance" if self._owned else f"the Ray cluster at {self.farm.address}"
                raise ConfigError(f"farm.gpus_per_worker={gpus:g}: {where} has {total:g} GPUs, so no worker could "
                                  f"ever start; use farm.gpus_per_worker=0 to render on CPUs (EGL on Mesa), or a "
                                  f"machine with a GPU")
        if self.farm.workers > 0:
            return min(self.farm.workers, fits) if self._owned and fits else self.farm.workers
        if self._owned:
            return min(self.local_cpus, fits) if fits else self.local_cpus
        if fits:
            return fits
        return max(int(ray.cluster_resources().get("CPU", 1)), 1)

    def run(self, job: JobSpec, shards_dir: Path, config_hash: str, faults: FaultPlan, schedule: Schedule,
            workers: int) -> int:
        """Run every shard of ``schedule`` on ``workers`` actors; returns ``workers``."""
        import ray
        from ray.exceptions import RayActorError, RayError, RayTaskError

        farm = self.farm
        actor_cls = ray.remote(ShardActor).options(num_cpus=1, num_gpus=farm.gpus_per_worker)
        inbox = ray.remote(num_cpus=0)(Inbox).remote()
        actors = [[actor_cls.remote(job, farm.gpus_per_worker), 0] for _ in range(workers)]
        idle, running = list(range(workers)), {}

        def drain() -> None:
            for item in ray.get(inbox.take.remote()):
                schedule.progress.scene_done(*item)

        def replace_actor(slot: int) -> None:
            ray.kill(actors[slot][0])
            actors[slot] = [actor_cls.remote(job, farm.gpus_per_worker), 0]

        try:
            while True:
                while idle and (item := schedule.next()) is not None:
                    slot = idle.pop()
                    ref = actors[slot][0].render.remote(item[0], str(shards_dir), config_hash, item[1], faults, inbox)
                    running[ref] = (slot, *item)
                if not running:
                    break
                ready, _ = ray.wait(list(running), num_returns=1, timeout=0.25)
                drain()
                for ref in ready:
                    slot, shard, attempt = running.pop(ref)
                    try:
                        report = ray.get(ref)
                    except RayActorError as exc:
                        schedule.settle(shard, attempt, error=f"worker died: {_last_line(exc)}")
                        replace_actor(slot)
                    except RayTaskError as exc:
                        schedule.settle(shard, attempt, error=one_line(exc.cause or exc))
                    except RayError as exc:
                        schedule.settle(shard, attempt, error=_last_line(exc))
                        replace_actor(slot)
                    else:
                        schedule.settle(shard, attempt, report)
                        actors[slot][1] += len(shard.scenes)
                        if actors[slot][1] >= farm.scenes_per_worker:
                            replace_actor(slot)
                    idle.append(slot)
            drain()
        finally:
            for actor, _ in actors:
                ray.kill(actor)
            ray.kill(inbox)
        return workers


def local_cores() -> int:
    """CPU cores this process may use (the SLURM allocation, a container's share)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
