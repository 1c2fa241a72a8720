"""Cost of the LiDAR: rays per second of the two ray casters, and the time it adds per frame.

    python benchmarks/lidar_cost.py                  # driving, 2 scenes x 3 frames, lidar=hdl64
    python benchmarks/lidar_cost.py --scenes 3 --frames 5 --lidar os128

1. Ray casters, on the meshes the raster draws (driving scenes, first frame, one LiDAR turn):
   Embree (embreex, what simgen uses: :class:`simgen.render.lidar.caster.RayCaster`) and
   pybullet's ``rayTestBatch`` on the same triangles loaded as static concave meshes. Prints the
   build time per scene, rays per second, and how many ranges and bodies the two agree on.
2. pybullet's physics bodies are not the visual meshes: on settled tabletop scenes, rays from
   the camera cast with ``rayTestBatch`` into the physics world (convex hulls) against Embree on
   the visual meshes; prints the share of rays whose range differs by more than 2 cm.
3. The pipeline: :class:`simgen.pipeline.SceneWorker` runs the same driving scenes with and
   without the LiDAR; prints the ``lidar`` stage per frame (the turn, rolling as the preset says,
   and its labels) and the added seconds per frame overall (encoding velodyne/, labels/, .npy).

Times are time.perf_counter wall-clock on this machine, single process; say the load beside them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _job(*overrides: str):
    from simgen.job import register_configs
    from simgen.tools.cli import load_job

    register_configs()
    return load_job(list(overrides))[1]


def _states(job, scenes: int):
    """(spec, state, physics world) of ``scenes`` scenes, settled (or posed) as the pipeline does,
    one at a time: the world holds the scene just yielded."""
    from simgen.physics.state import posed_state
    from simgen.physics.world import PhysicsWorld
    from simgen.randomizers import RecipeContext, build_scene

    ctx = RecipeContext(scene=job.scene, width=job.renderer.width, height=job.renderer.height, sequence=job.sequence,
                        balance=job.balance)
    world = PhysicsWorld()
    for i in range(scenes):
        spec = build_scene(i, job.seed, ctx)
        yield spec, posed_state(spec) if job.kind.kinematic else world.simulate(spec, job.scene.physics), world


def _pybullet_scene(state):
    """A pybullet client holding ``state``'s visual triangles as static concave meshes:
    (client, body id -> instance id, build seconds)."""
    import pybullet as pb

    t0 = time.perf_counter()
    client = pb.connect(pb.DIRECT)
    owner = {}
    for body in state.bodies:
        asset, pose = state.assets[body.instance_id], state.poses[body.instance_id]
        world = asset.vertices @ pose[:3, :3].T + pose[:3, 3]
        shape = pb.createCollisionShape(pb.GEOM_MESH, vertices=world.tolist(), indices=np.asarray(asset.mesh.faces).ravel().tolist(),
                                        flags=pb.GEOM_FORCE_CONCAVE_TRIMESH, physicsClientId=client)
        owner[pb.createMultiBody(0, shape, physicsClientId=client)] = body.instance_id
    return client, owner, time.perf_counter() - t0


def _ray_test(client, origin, directions, far, owner=None):
    """pybullet rayTestBatch in batches: (range (n,) inf on a miss, instance id (n,) or body id)."""
    import pybullet as pb

    batch = pb.MAX_RAY_INTERSECTION_BATCH_SIZE
    ranges, ids = np.full(len(directions), np.inf), np.zeros(len(directions), int)
    for s in range(0, len(directions), batch):
        d = directions[s:s + batch]
        to = origin + far * d
        res = pb.rayTestBatch([list(origin)] * len(d), to.tolist(), numThreads=0, physicsClientId=client)
        for k, r in enumerate(res):
            if r[0] >= 0:
                ranges[s + k] = r[2] * far
                ids[s + k] = owner.get(r[0], 0) if owner is not None else r[0]
    return ranges, ids


def casters(job, states, repeat: int) -> None:
    import pybullet as pb

    from simgen.render.lidar.caster import RayCaster
    from simgen.render.lidar.pattern import scan_pattern
    from simgen.sensor.lidar import mount_pose

    pattern = scan_pattern(job.lidar)
    print(f"1. ray casters, lidar={job.lidar.name}: {len(pattern)} rays a turn, driving scenes")
    for spec, state, _ in states:
        triangles = sum(len(state.assets[b.instance_id].mesh.faces) for b in state.bodies)
        t0 = time.perf_counter()
        caster = RayCaster(state)
        build = time.perf_counter() - t0
        L = mount_pose(spec.sequence()[0].cameras[0].cam_to_world, job.lidar.mount)
        d = pattern.directions @ L[:3, :3].T
        times, cpu = [], []
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            hits = caster.cast(L[:3, 3], d)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        embree = statistics.median(times)
        client, owner, pb_build = _pybullet_scene(state)
        t0 = time.perf_counter()
        far = job.lidar.range_max * 2
        pb_range, pb_ids = _ray_test(client, L[:3, 3], d, far, owner)
        bullet = time.perf_counter() - t0
        pb.disconnect(client)
        both = np.isfinite(hits.range) & np.isfinite(pb_range)
        same_range = (np.abs(hits.range[both] - pb_range[both]) <= 0.001).mean()
        same_body = (hits.instance_id[both] == pb_ids[both]).mean()
        print(f"   scene {spec.index}: {len(state.bodies)} bodies, {triangles} triangles | embree: build {build * 1e3:.0f} ms, "
              f"cast {embree * 1e3:.0f} ms (CPU {statistics.median(cpu) * 1e3:.0f} ms) = {len(d) / embree / 1e6:.2f} M rays/s | pybullet rayTestBatch: build "
              f"{pb_build * 1e3:.0f} ms, cast {bullet * 1e3:.0f} ms = {len(d) / bullet / 1e6:.2f} M rays/s | hits "
              f"{np.isfinite(hits.range).sum()} vs {np.isfinite(pb_range).sum()}, same range (1 mm) {same_range:.2%}, "
              f"same body {same_body:.2%}")


def turns(job, states, frames: int) -> None:
    """A whole turn as the pipeline makes it (casts, sensor model), still and rolling."""
    from dataclasses import replace

    from simgen.sensor.lidar import LidarSensor

    print(f"1b. one turn per frame (LidarScene.scan), lidar={job.lidar.name}, driving sequences of {frames} frames")
    for spec, state, _ in states:
        for sweep in (0.0, job.lidar.sweep_time):
            t0 = time.perf_counter()
            scene = LidarSensor(replace(job.lidar, sweep_time=sweep), job.seed).scene(state, spec.sequence())
            build = time.perf_counter() - t0
            wall, cpu = [], []
            for f in range(len(spec.sequence())):
                t0, c0 = time.perf_counter(), time.process_time()
                returns = scene.scan(f)
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            print(f"   scene {spec.index}, sweep_time {sweep}: caster {build * 1e3:.0f} ms once per scene; a turn "
                  f"{statistics.median(wall) * 1e3:.0f} ms (CPU {statistics.median(cpu) * 1e3:.0f} ms), "
                  f"{len(returns.points)} of {returns.rays} rays return, {len(scene.timeline.moving)} moving bodies")


def physics_shapes(scenes: int) -> None:
    """Rays into pybullet's physics world (the collision shapes) against Embree on the visual meshes."""
    from simgen.render.lidar.caster import RayCaster

    job = _job("scene=tabletop", "renderer.width=160", "renderer.height=120")
    print("2. pybullet's physics bodies (convex hulls) against the visual meshes, tabletop, rays from the camera")
    for spec, state, world in _states(job, scenes):
        cam = spec.sequence()[0].cameras[0]
        K, T = cam.K, cam.cam_to_world
        v, u = np.mgrid[0:cam.height:2, 0:cam.width:2] + 0.5
        rays = np.stack([(u.ravel() - K[0, 2]) / K[0, 0], (v.ravel() - K[1, 2]) / K[1, 1], np.ones(u.size)], 1)
        d = rays @ T[:3, :3].T
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        hits = RayCaster(state).cast(T[:3, 3], d)
        owner = {bid: iid for iid, bid in world._ids.items()}
        pb_range, pb_ids = _ray_test(world.client, T[:3, 3], d, 20.0, owner)
        objects = {b.instance_id for b in state.objects()}
        on_object = np.isin(hits.instance_id, list(objects)) & np.isfinite(pb_range)
        off = np.abs(hits.range - pb_range)[on_object] > 0.02
        print(f"   scene {spec.index}: {on_object.sum()} rays on objects; {off.mean():.1%} of them differ by more than 2 cm "
              f"(median {np.median(np.abs(hits.range - pb_range)[on_object]) * 1e3:.1f} mm)")


def pipeline(lidar: str, scenes: int, frames: int, size: str) -> None:
    from simgen.pipeline import SceneWorker

    w, h = size.split("x")
    common = ["scene=driving", "export=kitti", f"sequence.length={frames}", f"frames={scenes * frames}",
              f"renderer.width={w}", f"renderer.height={h}"]
    print(f"3. pipeline, driving {size}, {scenes} scenes x {frames} frames, export=kitti")
    totals = {}
    for name in ("none", lidar):
        worker = SceneWorker(_job(*common, f"lidar={name}"))
        seconds, laps = 0.0, []
        try:
            worker.run(0)  # warm: first-use costs (GL programs, imports) are not per frame
            for i in range(scenes):
                t0 = time.perf_counter()
                result = worker.run(i)
                seconds += time.perf_counter() - t0
                laps.append(result.timings)
        finally:
            worker.close()
        n = scenes * frames
        totals[name] = seconds / n
        stages = {k: sum(lap.get(k, 0.0) for lap in laps) / n * 1e3 for k in sorted({k for lap in laps for k in lap})}
        print(f"   lidar={name}: {seconds / n * 1e3:.0f} ms per frame; per stage (ms): "
              + ", ".join(f"{k} {v:.0f}" for k, v in stages.items()))
    print(f"   added by lidar={lidar}: {(totals[lidar] - totals['none']) * 1e3:.0f} ms per frame")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lidar", default="hdl64")
    ap.add_argument("--scenes", type=int, default=2)
    ap.add_argument("--frames", type=int, default=3)
    ap.add_argument("--size", default="640x192")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip", default="", help="comma-separated parts to leave out: casters, physics, pipeline")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if "casters" not in skip:
        job = _job("scene=driving", f"lidar={args.lidar}", f"sequence.length={args.frames}")
        casters(job, _states(job, args.scenes), args.repeat)
        turns(job, _states(job, args.scenes), args.frames)
    if "physics" not in skip:
        physics_shapes(args.scenes)
    if "pipeline" not in skip:
        pipeline(args.lidar, args.scenes, args.frames, args.size)


if __name__ == "__main__":
    main()
