"""Randomizers ``ego`` and ``traffic``: the ego car's drive and the road users around it.

Everything moves kinematically along a path at constant speed: a vehicle along its lane, a
cyclist near the kerb, a pedestrian along a sidewalk or across a zebra. At time t a road user
is at arc length ``s0 + speed * t`` of its path, heading along it, standing on the surface
(z = 0 on roads, the kerb height on sidewalks). A candidate is kept only if, at every instant
of a grid fine enough that nothing jumps more than 25 cm, its box keeps ``scene.min_gap`` from
everything placed before (the ego car, poles, trees, signals, other road users) and its
footprint stays on its surface; otherwise it is drawn again (a few times, then dropped).
"""

from __future__ import annotations

import numpy as np

from simgen.config.schema import SequenceConfig
from simgen.core.seeding import weighted_index
from simgen.core.spec import AssetRef, BodySpec, FrameSpec, SceneSpec
from simgen.randomizers import RecipeContext, register
from simgen.randomizers.balance import driving_counts
from simgen.scenes.driving import footprints
from simgen.scenes.driving.bodies import ground_pose
from simgen.scenes.driving.context import EgoDrive, Track, driving_context, street_of
from simgen.scenes.driving.layout import Lane, Street
from simgen.scenes.driving.looks import dims, look, road_user_material
from simgen.scenes.driving.paths import RoadPath
from simgen.scenes.driving.scenarios import plan as scenarios
from simgen.scenes.driving.scenarios.stage import Stage

ATTEMPTS = 30
BEHIND = 15.0  # metres behind the ego car's start that road users may still be placed
KERB_CLEARANCE = 0.1  # metres a footprint keeps inside its surface's edges
BIKE_FROM_KERB = 0.8  # metres from the kerb-side lane edge to a cyclist's centre
ORDER = {"parked": 0, "lane": 1, "bike": 2, "sidewalk": 3}


def _times(spec: SceneSpec) -> np.ndarray:
    return np.array([f.time for f in spec.sequence()])


def ego_track(spec: SceneSpec, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ego positions (T, 2) and headings (T,) at ``times``."""
    e = driving_context(spec).ego
    if e is None:
        raise ValueError("no ego car in this scene: the recipe's 'ego' randomizer must run first")
    return e.path.pose(e.s0 + e.speed * np.asarray(times))


@register("ego")
def ego(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """The ego car: a lane along the main road, a start and a speed; one frame per time step
    of the job's ``sequence``."""
    scene, seq = ctx.scene, ctx.sequence or SequenceConfig()
    street = street_of(spec)
    lanes = [lane for lane in street.lanes() if lane.road == 0 and lane.kind == "main" and lane.offset < 0]
    lane = lanes[int(rng.integers(len(lanes)))]
    duration = (seq.length - 1) * seq.time_step
    speed = float(rng.uniform(scene.ego.speed_min, scene.ego.speed_max))
    speed = min(speed, max(0.0, (lane.path.length - scene.ego.start - 60.0) / max(duration, 1e-9)))
    driving_context(spec).ego = EgoDrive(path=lane.path, s0=float(scene.ego.start), speed=speed, length=scene.ego.length,
                                         width=scene.ego.width)
    spec.frames = [FrameSpec(time=float(k * seq.time_step)) for k in range(seq.length)]
    return spec


class _Placer:
    """Proposes paths for road users and keeps those that fit."""

    def __init__(self, rng, spec: SceneSpec, scene, street: Street, extra_speed: float = 0.0) -> None:
        self.rng, self.spec, self.scene, self.street = rng, spec, scene, street
        self.times = _times(spec)
        speeds = [c.speed_max for c in scene.classes] + [scene.ego.speed_max, extra_speed]
        step = float(self.times[1] - self.times[0]) if len(self.times) > 1 else 0.0
        self.grid = footprints.time_grid(len(self.times), step, max(speeds))
        self.frame_at = np.searchsorted(self.grid, self.times - 1e-9)
        self.occupancy = footprints.Occupancy(scene.min_gap)
        for row in driving_context(spec).static:
            self.occupancy.add(np.array([row], float))
        xy, yaw = ego_track(spec, self.grid)
        self.occupancy.add(footprints.track(xy, yaw, scene.ego.length, scene.ego.width, 0.0, 2.0))
        self.ego_s = float(street.main.path.project(xy[:1])[0][0])
        self.duration = float(self.grid[-1])
        self.lanes = street.lanes()

    def _ahead(self, xy: np.ndarray) -> bool:
        """Near or ahead of the ego car along the main road (else nobody would see it)."""
        s = self.street.main.path.project(xy[:1])[0][0]
        return bool(s >= self.ego_s - BEHIND)

    def _range(self, path_length: float, length: float, speed: float) -> tuple[float, float]:
        """Start arc lengths that keep a road user ``length`` long on its path all along."""
        return length / 2 + 1.0, path_length - length / 2 - 1.0 - speed * self.duration

    def propose(self, cls, placement: str, length: float) -> tuple[RoadPath, float, float, float] | None:
        """(path, s0, speed, surface height) for one road user of ``cls`` placed as
        ``placement`` (its own, or parked), or None."""
        rng, street = self.rng, self.street
        speed = float(rng.uniform(cls.speed_min, cls.speed_max))
        if placement == "parked":
            lanes = [lane for lane in self.lanes if lane.kind == "parking"]
            if not lanes:
                return None
            lane = lanes[int(rng.integers(len(lanes)))]
            lo, hi = self._range(lane.path.length, length, 0.0)
            s0 = rng.uniform(lo, hi)
            if street.junction_s is not None:  # keep the side road's mouth free
                s_main = street.main.path.project(lane.path.point([s0]))[0][0]
                if abs(s_main - street.junction_s) < street.junction_half + length / 2 + 4.0:
                    return None
            return lane.path, s0, 0.0, 0.0
        if placement in ("lane", "bike"):
            lanes = [lane for lane in self.lanes if lane.kind != "parking" and (placement == "lane" or lane.outer)]
            lane = lanes[int(rng.integers(len(lanes)))]
            path = self._bike_path(lane) if placement == "bike" else lane.path
            if lane.kind == "side_in":  # waits at the stop line for the junction to clear
                end = path.length - street.stop_line - 0.3 - length / 2
                return path, rng.uniform(max(end - 30.0, length / 2 + 1.0), end), 0.0, 0.0
            lo, hi = self._range(path.length, length, speed)
            if hi <= lo:
                return None
            return path, rng.uniform(lo, hi), speed, 0.0
        if placement == "sidewalk":
            if street.junction_s is not None and rng.random() < self.scene.crossing_probability:
                return self._zebra(speed, length)
            return self._sidewalk(speed, length)
        return None

    def _bike_path(self, lane: Lane) -> RoadPath:
        road = self.street.roads[lane.road]
        side = -1 if lane.offset < 0 else 1
        d = side * (road.lanes * road.lane_width - BIKE_FROM_KERB)
        path = road.path.offset(d)
        return path if side < 0 else path.reversed()

    def _sidewalk(self, speed: float, length: float):
        rng, street = self.rng, self.street
        pieces = street.sidewalks
        w = pieces[weighted_index(rng, [w.s1 - w.s0 for w in pieces])]
        road = street.roads[w.road]
        inner = road.half(w.side)
        lo, hi = inner + 1.1, inner + road.sidewalk - 0.4
        d = w.side * rng.uniform(lo, max(lo, hi))
        path = road.path.offset(d)
        if rng.random() < 0.5:
            path = path.reversed()
        lo, hi = self._range(path.length, length, speed)
        return (path, rng.uniform(lo, hi), speed, road.kerb) if hi > lo else None

    def _zebra(self, speed: float, length: float):
        """A walk across a side road's zebra, the length of the road's width."""
        rng, street = self.rng, self.street
        road = street.roads[int(rng.integers(1, len(street.roads)))]
        z0, z1 = street.zebra
        t = rng.uniform(z0 + 0.4, z1 - 0.4) if z1 - z0 > 0.8 else (z0 + z1) / 2
        width = road.half(-1) + road.half(1)
        (x, y), = road.path.point([t], -road.half(-1))
        h = float(road.path.heading([t])[0]) + np.pi / 2
        path = RoadPath(float(x), float(y), h, ((width, 0.0),))
        if rng.random() < 0.5:
            path = path.reversed()
        speed = min(speed, max(0.0, (width - length - 0.8) / max(self.duration, 1e-9)))
        lo, hi = self._range(width, length, speed)
        return (path, rng.uniform(lo, hi), speed, 0.0) if hi > lo else None

    def fits(self, path: RoadPath, s0: float, speed: float, z: float, size) -> np.ndarray | None:
        """The track of this road user if it fits (surface and clearance), else None."""
        xy, yaw = path.pose(s0 + speed * self.grid)
        if not self._ahead(xy):
            return None
        t = footprints.track(xy, yaw, size[0], size[1], z, z + size[2])
        if speed == 0:
            t = t[:1]
        if not self.occupancy.clear(t):
            return None
        frames = t[self.frame_at] if speed > 0 else t
        under = self.street.surface(footprints.corners(frames, KERB_CLEARANCE).reshape(-1, 2))
        return t if np.all(under == z) else None


def _stage(placer: _Placer, spec: SceneSpec, ctx: RecipeContext) -> Stage:
    """The planning world of a scenario: the placer's grid and occupancy, the ego along the grid."""
    xy, heading = ego_track(spec, placer.grid)
    ego = driving_context(spec).ego
    offset = float(placer.street.main.path.project(ego.path.point([0.0]))[1][0])
    return Stage(placer.street, placer.grid, placer.frame_at, placer.occupancy, xy, heading, offset, ego.speed, ctx.scene,
                 ctx.width, ctx.height)


def _pose(t: np.ndarray, k: int) -> np.ndarray:
    x, y, yaw, _, _, z0, _ = t[min(k, len(t) - 1)]
    return ground_pose(x, y, z0, yaw)


def _park_some(rng: np.random.Generator, scene, wishes: list) -> list:
    """Planned road users of parkable classes parked with the recipe's mean share of parked
    vehicles among them; parked ones first, as without a plan."""
    parked = (scene.parked_min + scene.parked_max) / 2
    moving = sum((c.count_min + c.count_max) / 2 for c in scene.classes if c.parked_weight > 0)
    p = parked / (parked + moving) if parked + moving > 0 else 0.0
    out = [(cls, "parked" if cls.parked_weight > 0 and rng.random() < p else placement) for cls, placement in wishes]
    return sorted(out, key=lambda w: w[1] != "parked")


@register("traffic")
def traffic(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """Parked vehicles, then moving vehicles (largest first), cyclists and pedestrians."""
    scene = ctx.scene
    street = street_of(spec)
    plan = scenarios.start(spec, scene, street, ctx.balance)  # a rare event to stage first (it may set the ego's drive)
    placer = _Placer(rng, spec, scene, street, scenarios.MAX_SPEED if plan is not None else 0.0)
    if plan is not None:
        plan.stage(spec, _stage(placer, spec, ctx))
    tracks = driving_context(spec).tracks
    movers = [c for c in scene.classes if c.placement in ("lane", "bike", "sidewalk")]
    wishes = []
    parkable = [c for c in scene.classes if c.parked_weight > 0]
    planned = driving_counts(spec, ctx)  # balance.classes: the plan's counts, parked ones included
    if parkable and planned is None:
        weights = [c.parked_weight for c in parkable]
        for _ in range(int(rng.integers(scene.parked_min, scene.parked_max + 1))):
            wishes.append((parkable[weighted_index(rng, weights)], "parked"))
    for cls in sorted(movers, key=lambda c: (ORDER[c.placement], -c.size_max[0])):
        count = planned[cls.category] if planned is not None else int(rng.integers(cls.count_min, cls.count_max + 1))
        wishes += [(cls, cls.placement)] * count
    if planned is not None:
        wishes = _park_some(rng, scene, wishes)
    for cls, placement in wishes:
        shape = cls.shape or cls.category
        for _ in range(ATTEMPTS):
            size = dims(rng, cls.size_min, cls.size_max)
            proposal = placer.propose(cls, placement, size[0])
            if proposal is None:
                continue
            path, s0, speed, z = proposal
            t = placer.fits(path, s0, speed, z, size)
            if t is None:
                continue
            placer.occupancy.add(t)
            body = BodySpec(instance_id=spec.next_instance_id(),
                            asset=AssetRef(kind="procedural", shape=shape, size=(*size, *look(rng, shape))),
                            pose=_pose(t, 0), category=cls.category, material=road_user_material(rng, shape),
                            static=speed == 0)
            spec.bodies.append(body)
            tracks[body.instance_id] = Track(placement=placement, speed=float(speed), path=path, s0=float(s0))
            if speed > 0:
                for k, frame in enumerate(spec.frames):
                    frame.poses[body.instance_id] = _pose(t, int(placer.frame_at[k]))
            break
    return spec

