"""Driving scenes: road users stand on the street, keep apart, follow their lanes and move at
their speed; procedural meshes have the dimensions asked for; the rig makes frames x cameras."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import config_error, run_simgen
from omegaconf import OmegaConf
from scipy.spatial.transform import Rotation

from simgen.assets import procedural
from simgen.config.paths import RECIPE_DIR
from simgen.config.schema import SequenceConfig
from simgen.physics.state import posed_state
from simgen.physics.world import pb
from simgen.randomizers import RecipeContext, build_scene
from simgen.recipes import load_recipe
from simgen.scenes.driving.paths import RoadPath

SEQUENCE = 6
TIME_STEP = 0.1
SEEDS = (0, 1, 2, 3)
ON_STREET = ("lane", "bike", "parked", "sidewalk")


def driving_scene(**overrides):
    node = load_recipe(RECIPE_DIR / "driving.yaml")
    for key, value in overrides.items():
        OmegaConf.update(node, key, value)
    return OmegaConf.to_object(node)


@pytest.fixture(scope="module")
def scenes():
    """Specs and their states of a few sequences (no rendering)."""
    scene = driving_scene()
    ctx = RecipeContext(scene=scene, width=320, height=240, sequence=SequenceConfig(length=SEQUENCE, time_step=TIME_STEP))
    out = []
    for seed in SEEDS:
        spec = build_scene(0, seed, ctx)
        out.append((spec, posed_state(spec)))
    return out


def _poses(spec, k: int) -> dict[int, np.ndarray]:
    """World pose of every body at frame ``k``."""
    poses = {b.instance_id: b.pose for b in spec.bodies}
    poses.update(spec.frames[k].poses)
    return poses


def _top_triangles(state, support_tops) -> np.ndarray:
    """(m, 3, 3) upward-facing triangles of the scenery bodies whose support_top is listed."""
    tris = []
    for body in state.bodies:
        if body.category is None and body.support_top is not None:
            mesh = state.assets[body.instance_id].mesh
            up = mesh.face_normals[:, 2] > 0.99
            tris.append(mesh.triangles[up])
    return np.concatenate(tris)


def _surface_heights(tris: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Height of the highest triangle straight below-or-above each point (n, 2); NaN if none."""
    lo, hi = tris[:, :, :2].min(axis=1), tris[:, :, :2].max(axis=1)
    out = np.full(len(points), np.nan)
    for i, p in enumerate(points):
        cand = tris[np.all((lo <= p) & (p <= hi), axis=1)]
        if len(cand) == 0:
            continue
        a, b, c = cand[:, 0], cand[:, 1], cand[:, 2]
        v0, v1, v2 = (b - a)[:, :2], (c - a)[:, :2], p - a[:, :2]
        den = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
        u = (v2[:, 0] * v1[:, 1] - v1[:, 0] * v2[:, 1]) / den
        v = (v0[:, 0] * v2[:, 1] - v2[:, 0] * v0[:, 1]) / den
        inside = (u >= -1e-9) & (v >= -1e-9) & (u + v <= 1 + 1e-9)
        if inside.any():
            z = a[:, 2] + u * (b - a)[:, 2] + v * (c - a)[:, 2]
            out[i] = z[inside].max()
    return out


def _footprint(asset, pose, inset: float = 0.05) -> np.ndarray:
    """World xy (5, 2) of a body's bottom-face corners (``inset`` inside) and centre."""
    (x0, y0, _), (x1, y1, _) = asset.bounds
    local = np.array([[x0 + inset, y0 + inset], [x1 - inset, y0 + inset], [x1 - inset, y1 - inset], [x0 + inset, y1 - inset],
                      [(x0 + x1) / 2, (y0 + y1) / 2]])
    return local @ pose[:2, :2].T + pose[:2, 3]


def test_procedural_bodies_have_the_dimensions_asked_for():
    looks = {"car": (0.5, 0.1, 0.1), "van": (0.8, 0.8, 0.8), "truck": (0.1, 0.2, 0.6), "bus": (0.9, 0.7, 0.1),
             "pedestrian": (0.2, 0.3, 0.6, 0.1, 0.1, 0.15, 0.5), "cyclist": (0.2, 0.2, 0.2, 0.8, 0.1, 0.1),
             "traffic_sign": (3,), "traffic_light": (1,)}
    sizes = {"car": (4.3, 1.8, 1.5), "van": (5.2, 2.0, 2.2), "truck": (8.5, 2.5, 3.4), "bus": (12.0, 2.5, 3.2),
             "pedestrian": (0.7, 0.6, 1.75), "cyclist": (1.75, 0.6, 1.75), "traffic_sign": (0.04, 0.7, 0.7),
             "traffic_light": (0.3, 0.35, 0.95)}
    for shape, (length, width, height) in sizes.items():
        mesh = procedural.build(shape, (length, width, height, *looks[shape]))
        assert np.allclose(mesh.bounds, [[-length / 2, -width / 2, 0.0], [length / 2, width / 2, height]], atol=1e-9), shape
        assert mesh.visual.kind == "face"
        tri = mesh.triangles
        assert np.sum(np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2]))) > 0, f"{shape} is inside out"


def test_road_paths_offset_and_reverse_exactly():
    path = RoadPath(0.0, 0.0, 0.3, ((30.0, 0.0), (40.0, 1 / 50), (20.0, 0.0), (30.0, -1 / 80)))
    s = np.linspace(0, path.length, 101)
    lane = path.offset(-1.75)
    s_back, d, _ = path.project(lane.point(np.linspace(0, lane.length, 101)))
    assert np.allclose(d, -1.75, atol=1e-9) and np.all(np.diff(s_back) > 0)
    back = lane.reversed()
    assert np.allclose(back.point([0.0]), lane.point([lane.length]), atol=1e-9)
    assert np.allclose(path.project(path.point(s, 2.0))[1], 2.0, atol=1e-9)
    steps = np.linalg.norm(np.diff(lane.point(np.arange(0, lane.length, 0.5)), axis=0), axis=1)
    assert np.allclose(steps, 0.5, atol=1e-5)  # arc length along the lane is distance travelled


def test_road_users_stand_on_road_or_sidewalk(scenes):
    checked = 0
    for spec, state in scenes:
        tris = _top_triangles(state, None)
        street = spec.context.street
        kerb = street.main.kerb
        for body in state.objects():
            track = spec.context.tracks[body.instance_id]
            if track.placement not in ON_STREET:
                continue
            asset = state.assets[body.instance_id]
            for k in range(SEQUENCE):
                pose = _poses(spec, k)[body.instance_id]
                bottom = float((asset.vertices @ pose[2, :3] + pose[2, 3]).min())
                under = _surface_heights(tris, _footprint(asset, pose))
                assert np.allclose(under, bottom, atol=1e-6), (body.category, track.placement, k, under, bottom)
                expected = kerb if track.placement == "sidewalk" and bottom > 0 else 0.0
                assert bottom == pytest.approx(expected, abs=1e-9)
                checked += 1
    assert checked > 200


def _track_pose(spec, state, iid: int, t: float) -> np.ndarray:
    """World pose of body ``iid`` at time ``t`` from its track in spec.context (kinematic)."""
    pose = next(b.pose for b in state.bodies if b.instance_id == iid).copy()
    track = spec.context.tracks[iid]
    if track.speed > 0:
        s = track.s0 + track.speed * t
        (pose[0, 3], pose[1, 3]), = track.path.point([s])
        (h,) = track.path.heading([s])
        pose[:2, :2] = [[np.cos(h), -np.sin(h)], [np.sin(h), np.cos(h)]]
    return pose


def test_road_users_never_overlap_even_between_frames(scenes):
    """Convex hulls of every labeled body, checked by pybullet at each frame and half-way
    between frames (the paths in spec.context give the in-between poses)."""
    client = pb.connect(pb.DIRECT)
    try:
        for spec, state in scenes:
            pb.resetSimulation(physicsClientId=client)
            ids = {}
            for body in state.objects():
                verts = state.assets[body.instance_id].vertices
                shape = pb.createCollisionShape(pb.GEOM_MESH, vertices=verts.tolist(), physicsClientId=client)
                ids[body.instance_id] = pb.createMultiBody(0.0, shape, physicsClientId=client)
            for step in range(2 * SEQUENCE - 1):
                t = step * TIME_STEP / 2
                for iid, bid in ids.items():
                    pose = _track_pose(spec, state, iid, t)
                    if step % 2 == 0:  # a frame: the path gives the frame's pose
                        assert np.allclose(pose, _poses(spec, step // 2)[iid], atol=1e-9)
                    quat = Rotation.from_matrix(pose[:3, :3]).as_quat().tolist()
                    pb.resetBasePositionAndOrientation(bid, pose[:3, 3].tolist(), quat, physicsClientId=client)
                keys = list(ids)
                for i, a in enumerate(keys):
                    for b in keys[i + 1 :]:
                        close = pb.getClosestPoints(ids[a], ids[b], 0.0, physicsClientId=client)
                        assert not close, f"seed {spec.seed}: bodies {a} and {b} touch at t={t:.2f} s"
    finally:
        pb.disconnect(client)


def test_vehicles_head_along_their_lane(scenes):
    """Every vehicle and cyclist sits at a lane's (or parking strip's) offset from its road's
    centre line and heads along it: with the road on the right, against it on the left."""
    checked = 0
    for spec, state in scenes:
        street = spec.context.street
        for body in state.objects():
            placement = spec.context.tracks[body.instance_id].placement
            if placement not in ("lane", "parked", "bike"):
                continue
            for k in range(SEQUENCE):
                pose = _poses(spec, k)[body.instance_id]
                best = None
                for road in street.roads:
                    s, d, dist = road.path.project(pose[None, :2, 3])
                    if abs(dist[0] - abs(d[0])) < 1e-6 and -road.half(-1) <= d[0] <= road.half(1):
                        best = (road, s[0], d[0])
                        break
                assert best is not None, f"{body.category} off every road"
                road, s, d = best
                w, n = road.lane_width, road.lanes
                offsets = [(j + 0.5) * w for j in range(n)] + [n * w + p / 2 for p in road.parking if p > 0] + [n * w - 0.8]
                assert min(abs(abs(d) - o) for o in offsets) < 1e-6, (body.category, d, offsets)
                lane_heading = road.path.heading([s])[0] + (np.pi if d > 0 else 0.0)
                yaw = np.arctan2(pose[1, 0], pose[0, 0])
                assert abs((yaw - lane_heading + np.pi) % (2 * np.pi) - np.pi) < np.deg2rad(0.01)
                checked += 1
    assert checked > 100


def test_objects_move_at_their_speed_with_constant_ids(scenes):
    moved = 0
    for spec, _ in scenes:
        ids = {b.instance_id for b in spec.bodies}
        for k in range(1, SEQUENCE):
            assert set(spec.frames[k].poses) <= ids
            assert spec.frames[k].time == pytest.approx(k * TIME_STEP)
            for iid, pose in spec.frames[k].poses.items():
                before = _poses(spec, k - 1)[iid]
                step = np.linalg.norm(pose[:3, 3] - before[:3, 3])
                speed = spec.context.tracks[iid].speed
                assert step == pytest.approx(speed * TIME_STEP, abs=2e-4)  # chord of an arc: < 0.1 mm shorter
                moved += 1
        still = [b for b in spec.bodies if b.instance_id not in spec.frames[1].poses]
        tracks = spec.context.tracks
        assert all(tracks[b.instance_id].speed == 0 for b in still if b.instance_id in tracks)
    assert moved > 100


def test_pedestrians_walk_on_sidewalks_or_zebras(scenes):
    where = set()
    for spec, state in scenes:
        street = spec.context.street
        for body in state.objects():
            if body.category != "pedestrian":
                continue
            for k in range(SEQUENCE):
                pose = _poses(spec, k)[body.instance_id]
                height = street.surface(pose[None, :2, 3])[0]
                assert height == pytest.approx(pose[2, 3], abs=1e-9)
                if height == 0.0:  # on a road: only on a side road's zebra
                    road = next(r for r in street.roads[1:] if abs(r.path.project(pose[None, :2, 3])[1][0]) <= r.half(1))
                    t = road.path.project(pose[None, :2, 3])[0][0]
                    assert street.zebra[0] <= t <= street.zebra[1]
                    where.add("zebra")
                else:
                    where.add("sidewalk")
    assert "sidewalk" in where


def test_class_counts_boost_rare_classes():
    scene = driving_scene(parked_max=0, parked_min=0)
    for cls in scene.classes:
        cls.count_min = cls.count_max = 6 if cls.category in ("cyclist", "bus") else 0
    ctx = RecipeContext(scene=scene, width=320, height=240)
    for seed in range(3):
        spec = build_scene(0, seed, ctx)
        cats = [b.category for b in spec.bodies if b.category]
        assert set(cats) <= {"cyclist", "bus"} and cats.count("cyclist") >= 5 and cats.count("bus") >= 3, cats


def test_same_seed_same_scene():
    scene = driving_scene()
    ctx = RecipeContext(scene=scene, width=320, height=240, sequence=SequenceConfig(length=3))
    a, b = build_scene(4, 7, ctx).to_dict(), build_scene(4, 7, ctx).to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert json.dumps(a, sort_keys=True) != json.dumps(build_scene(5, 7, ctx).to_dict(), sort_keys=True)


@pytest.mark.e2e
def test_rig_of_two_cameras_gives_frames_times_cameras(tmp_path):
    """Two cameras (front, left) over 3 frames: 6 images per sequence in frame-major order,
    each camera riding with the ego car at its mounting height."""
    out = tmp_path / "ds"
    cams = "[{x: 0.5, y: 0.0, z: 1.5, yaw_deg: 0, pitch_deg: 0, fov_x_deg: 80},{x: 0.0, y: 0.8, z: 1.4, yaw_deg: 90, pitch_deg: 10, fov_x_deg: 90}]"
    run_simgen("scene=driving", "frames=6", "seed=1", f"output_dir={out}", "renderer.width=160", "renderer.height=96",
               "sequence.length=3", f"scene.rig.cameras={cams}", "scene.rig.height_jitter=0", "scene.rig.fov_jitter_deg=0",
               expect=0)
    images = json.loads((out / "annotations" / "instances_train.json").read_text())["images"]
    order = [(im["sequence_id"], im["frame_index"], im["camera_index"]) for im in images]
    assert order == [(0, f, c) for f in range(3) for c in range(2)]
    for im in images:
        pose = np.asarray(im["camera"]["cam_to_world"])
        assert pose[2, 3] == pytest.approx(1.5 if im["camera_index"] == 0 else 1.4, abs=1e-6)
        down = -np.degrees(np.arcsin(pose[2, 2]))  # pitch of the optical axis below the horizon
        assert down == pytest.approx(0.0 if im["camera_index"] == 0 else 10.0, abs=1e-4)
    front, left = (np.asarray(images[k]["camera"]["cam_to_world"]) for k in (0, 1))
    yaw = np.degrees(np.arctan2(left[1, 2], left[0, 2]) - np.arctan2(front[1, 2], front[0, 2]))
    assert (yaw + 180) % 360 - 180 == pytest.approx(90.0, abs=1e-4)


def test_sequences_only_where_things_move(tmp_path):
    assert "sequence.length" in config_error("scene=tabletop", "sequence.length=3", f"output_dir={tmp_path / 'x'}")
    assert not (tmp_path / "x").exists()
