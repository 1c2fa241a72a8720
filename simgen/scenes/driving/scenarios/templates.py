"""The scenario templates: one staging attempt each, in the main road's coordinates.

Each template draws its event's geometry and timing from its ranges
(:class:`~simgen.scenes.driving.scenarios.settings.ScenarioRangeConfig`): the event's moment
``t_on`` at a share of the sequence, its distance ahead of the camera at that moment, the
actors' speeds. It returns a :class:`~simgen.scenes.driving.scenarios.stage.Staging`, or None
where this draw does not fit the street (the caller draws again). Lanes: the ego drives along
the main road's path at a negative offset (right-hand traffic); lane j of n sits at
``-(j + 0.5) * lane_width``, j = n - 1 by the kerb.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simgen.scenes.driving.looks import dims
from simgen.scenes.driving.scenarios.stage import Actor, Stage, Staging

CHILD = ((0.3, 0.35, 1.0), (0.5, 0.45, 1.35))  # length (stride), width, height, metres
DEBRIS = ((0.4, 0.3, 0.15), (1.2, 1.0, 0.45))
CARGO = ((0.6, 0.5, 0.4), (1.6, 1.2, 1.0))
DOG = ((0.6, 0.2, 0.45), (1.1, 0.35, 0.8))
DEER = ((1.3, 0.35, 1.1), (1.9, 0.5, 1.6))
VISIBLE = 0.5  # planned visible share that puts an event in view
ONSET_HOLD = 0.5  # seconds an instantaneous event (a brake, a stop) stays in its onset phase


def _class_size(rng, scene, category: str) -> tuple[float, float, float]:
    cls = next(c for c in scene.classes if c.category == category)
    return dims(rng, cls.size_min, cls.size_max)


def _timing(rng, st: Stage, r) -> tuple[float, int]:
    t_on = float(rng.uniform(r.onset_min, r.onset_max)) * st.duration
    return t_on, st.at(t_on)


def _clear_of_junction(st: Stage, s_lo: float, s_hi: float) -> bool:
    js = st.street.junction_s
    return js is None or s_hi < js - st.street.junction_half - 6.0 or s_lo > js + st.street.junction_half + 6.0


def _corridor(st: Stage, d: float, s0: float, s1: float, width: float) -> list[np.ndarray]:
    """Footprint boxes (rows of 7) covering a lane at offset ``d`` from ``s0`` to ``s1``."""
    if s1 <= s0:
        return []
    edges = np.linspace(s0, s1, max(2, int(np.ceil((s1 - s0) / 4.0)) + 1))
    mid = (edges[:-1] + edges[1:]) / 2
    xy = st.road.path.point(mid, d)
    h = st.road.path.heading(mid)
    step = float(edges[1] - edges[0])
    return [np.array([[x, y, a, step + 0.2, width, 0.0, 4.0]]) for (x, y), a in zip(xy, h, strict=True)]


def _ego_front(st: Stage) -> np.ndarray:
    """Arc length (G,) of the ego car's front along the main road."""
    return st.cam_s - st.scene.rig.cameras[0].x + st.scene.ego.length / 2


def _in_view(vis: np.ndarray, st: Stage, onset: tuple[float, float]) -> bool:
    on = [k for k, p in enumerate(st.phases(onset)) if p == "onset"]
    return bool(max(vis[k] for k in on) >= VISIBLE)


def occluded_pedestrian(rng, st: Stage, r) -> Staging | None:
    """An adult or child waits on the sidewalk in front of a parked van, bus or car and steps
    out into the road past its side; the ego drives in the kerb-side lane towards it."""
    road, scene = st.road, st.scene
    if road.parking[0] <= 0:
        return None
    t_on, g_on = _timing(rng, st, r)
    kind = ("van", "bus", "car")[int(rng.choice(3, p=[0.5, 0.2, 0.3]))]
    child = kind == "car" or rng.random() < 0.4
    occ = _class_size(rng, scene, kind)
    ped = dims(rng, *CHILD) if child else _class_size(rng, scene, "pedestrian")
    v = float(rng.uniform(r.speed_min, r.speed_max))
    n_w = road.lanes * road.lane_width
    d_occ = -(n_w + road.parking[0]) + 0.1 + occ[1] / 2
    d_edge = d_occ + occ[1] / 2
    s_front = float(st.cam_s[g_on] + rng.uniform(r.distance_min, r.distance_max))
    s_p = s_front + float(rng.uniform(0.3, 0.8)) + ped[1] / 2
    if not _clear_of_junction(st, s_front - occ[0], s_p + 2.0):
        return None
    d_wait = -(road.half(-1) + float(rng.uniform(0.3, 0.6)))  # on the sidewalk by the kerb
    d_stop = d_edge + ped[0] / 2 + float(rng.uniform(0.4, 1.2))  # stops a step into the lane (the ego is still away)
    t_go = t_on - (d_edge - d_wait) / v
    d = np.minimum(d_wait + v * np.maximum(0.0, st.grid - t_go), d_stop)
    occ_track = st.track(np.array([s_front - occ[0] / 2]), np.array([d_occ]), occ)
    ped_track = st.track(np.full(len(st.grid), s_p), d, ped, rest_turn=np.pi / 2)
    if occ_track is None or ped_track is None or not st.fits([occ_track, ped_track]):
        return None
    vis = st.visibility(ped_track, [occ_track])
    half = ped[0] / 2 / v
    onset = (t_on - half, t_on + half)
    in_view = bool(vis[0] < 0.3 and vis[-1] > 0.8) if len(vis) > 1 else _in_view(vis, st, onset)
    reserve = _corridor(st, st.ego_d, float(st.cam_s[0]), s_p, road.lane_width - 0.2)
    return Staging([Actor("pedestrian", "pedestrian", ped, "pedestrian", ped_track, v),
                    Actor(kind, kind, occ, "occluder", occ_track, 0.0)], onset, vis, in_view,
                   f"{'child' if child else 'adult'} behind {kind}", reserve)


def _smooth(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def cut_in(rng, st: Stage, r) -> Staging | None:
    """A car or van in the next lane of the ego's direction moves into the ego's lane ahead,
    its centre crossing the lane line at the event's moment."""
    road, scene = st.road, st.scene
    j = int(round(-st.ego_d / road.lane_width - 0.5))
    sides = [i for i in (j - 1, j + 1) if 0 <= i < road.lanes]
    if not sides:
        return None
    i = sides[int(rng.integers(len(sides)))]
    d_from, d_to = -(i + 0.5) * road.lane_width, st.ego_d
    t_on, g_on = _timing(rng, st, r)
    kind = "car" if rng.random() < 0.75 else "van"
    size = _class_size(rng, scene, kind)
    v = st.ego_speed + float(rng.uniform(r.speed_min, r.speed_max))
    tau = float(rng.uniform(1.6, 3.0))  # seconds the lane change takes
    s = st.cam_s[g_on] + float(rng.uniform(r.distance_min, r.distance_max)) + v * (st.grid - t_on)
    d = d_from + (d_to - d_from) * _smooth((st.grid - t_on) / tau + 0.5)
    if v <= 0 or not _clear_of_junction(st, float(s.min()) - size[0], float(s.max()) + size[0]):
        return None
    t = st.track(s, d, size)
    if t is None or not st.fits([t]):
        return None
    vis = st.visibility(t)
    line = (d_from + d_to) / 2
    across = np.abs(d - line) < size[1] / 2
    onset = (float(st.grid[across].min()), float(st.grid[across].max())) if across.any() else (t_on, t_on)
    reserve = _corridor(st, st.ego_d, float(st.cam_s[0]), float(s.min()) - size[0] / 2 - 1.0, road.lane_width - 0.2)
    return Staging([Actor(kind, kind, size, "cut_in", t, v)], onset, vis, _in_view(vis, st, onset), f"{kind} from lane {i}",
                   reserve)


def lead_brake(rng, st: Stage, r) -> Staging | None:
    """The vehicle ahead in the ego's lane brakes hard to a stop at the event's moment."""
    road, scene = st.road, st.scene
    t_on, g_on = _timing(rng, st, r)
    kind = "car" if rng.random() < 0.8 else "van"
    size = _class_size(rng, scene, kind)
    v = st.ego_speed + float(rng.uniform(r.speed_min, r.speed_max))
    a = float(rng.uniform(r.decel_min, r.decel_max))
    if v < 2.0 or a <= 0:
        return None
    tb = np.maximum(0.0, st.grid - t_on)
    moved = np.where(st.grid < t_on, v * (st.grid - t_on), v * np.minimum(tb, v / a) - 0.5 * a * np.minimum(tb, v / a) ** 2)
    s = st.cam_s[g_on] + float(rng.uniform(r.distance_min, r.distance_max)) + moved
    rear = s - size[0] / 2
    if np.any(rear - _ego_front(st) < scene.min_gap + 1.0) or not _clear_of_junction(st, float(s.min()), float(s.max()) + size[0]):
        return None
    t = st.track(s, np.full(len(st.grid), st.ego_d), size)
    if t is None or not st.fits([t]):
        return None
    vis = st.visibility(t)
    onset = (t_on, t_on + ONSET_HOLD)
    reserve = _corridor(st, st.ego_d, float(st.cam_s[0]), float(rear.min()) - 1.0, road.lane_width - 0.2)
    return Staging([Actor(kind, kind, size, "lead", t, v)], onset, vis, _in_view(vis, st, onset), f"{kind}, {a:.1f} m/s2", reserve)


def wrong_way(rng, st: Stage, r) -> Staging | None:
    """A vehicle drives towards the ego in the ego's own lane."""
    road, scene = st.road, st.scene
    t_on, g_on = _timing(rng, st, r)
    kind = "car" if rng.random() < 0.8 else "van"
    size = _class_size(rng, scene, kind)
    v = float(rng.uniform(r.speed_min, r.speed_max))
    s = st.cam_s[g_on] + float(rng.uniform(r.distance_min, r.distance_max)) - v * (st.grid - t_on)
    if np.any(s - size[0] / 2 - _ego_front(st) < scene.min_gap + 2.0) or not _clear_of_junction(st, float(s.min()), float(s.max())):
        return None
    t = st.track(s, np.full(len(st.grid), st.ego_d), size)
    if t is None or not st.fits([t]):
        return None
    vis = st.visibility(t)
    onset = (t_on, t_on + ONSET_HOLD)
    reserve = _corridor(st, st.ego_d, float(st.cam_s[0]), float(s.min()) - size[0] / 2 - 1.0, road.lane_width - 0.2)
    return Staging([Actor(kind, kind, size, "wrong_way", t, v)], onset, vis, _in_view(vis, st, onset), kind, reserve)


def stopped_obstacle(rng, st: Stage, r) -> Staging | None:
    """A stopped vehicle, debris or fallen cargo on the ego's lane ahead."""
    road, scene = st.road, st.scene
    t_on, g_on = _timing(rng, st, r)
    u = rng.random()
    if u < 0.5:
        shape = category = ("car", "van", "truck")[int(rng.choice(3, p=[0.6, 0.3, 0.1]))]
        size, d = _class_size(rng, scene, category), st.ego_d + float(rng.uniform(-0.3, 0.3))
        turn = 0.0
    else:
        shape, category = ("debris", "debris") if u < 0.75 else ("cargo", "debris")
        size = dims(rng, *(DEBRIS if shape == "debris" else CARGO))
        d = st.ego_d + float(rng.uniform(-0.25, 0.25)) * road.lane_width
        turn = float(rng.uniform(-np.pi, np.pi))
    s_c = float(st.cam_s[g_on] + rng.uniform(r.distance_min, r.distance_max))
    if s_c - size[0] / 2 - float(_ego_front(st).max()) < scene.min_gap + 2.0 or not _clear_of_junction(st, s_c - 5, s_c + 5):
        return None
    t = st.track(np.array([s_c]), np.array([d]), size, rest_turn=turn)
    if t is None or not st.fits([t]):
        return None
    vis = st.visibility(t)
    onset = (t_on, t_on + ONSET_HOLD)
    reserve = _corridor(st, st.ego_d, float(st.cam_s[0]), s_c - max(size[:2]) - 1.0, road.lane_width - 0.2)
    return Staging([Actor(shape, category, size, "obstacle", t, 0.0)], onset, vis, _in_view(vis, st, onset), shape, reserve)


def _crossing(rng, st: Stage, r, sizes: list, t_on: float, s_at: float, gaps: list[float]) -> tuple | None:
    """Tracks of walkers crossing the main road from one sidewalk to the other, the first
    stepping off the kerb at ``t_on``; the others ``gaps`` metres along the road from it and a
    little behind. Each waits on its sidewalk before and stops on the far one."""
    road = st.road
    side = -1 if rng.random() < 0.5 else 1  # the side they start on
    v = float(rng.uniform(r.speed_min, r.speed_max))
    tracks = []
    for k, (size, gap) in enumerate(zip(sizes, gaps, strict=True)):
        lag = 0.0 if k == 0 else float(rng.uniform(0.2, 0.9))
        d_kerb = side * road.half(side)
        d_wait = side * (road.half(side) + float(rng.uniform(0.6, 1.2)))
        d_far = -side * (road.half(-side) + float(rng.uniform(0.6, 1.2)))
        t_go = t_on + lag - abs(d_wait - d_kerb) / v
        d = d_wait - side * v * np.maximum(0.0, st.grid - t_go)
        d = np.maximum(d, d_far) if side > 0 else np.minimum(d, d_far)
        t = st.track(np.full(len(st.grid), s_at + gap), d, size, rest_turn=-side * np.pi / 2)
        if t is None:
            return None
        tracks.append(t)
    return tracks, v


def _crossers(rng, st: Stage, r, sizes, shapes, category: str, role: str, variant: str) -> Staging | None:
    t_on, g_on = _timing(rng, st, r)
    gaps = [0.0] + [float(k * 0.9 + rng.uniform(-0.2, 0.3)) for k in range(1, len(sizes))]
    s_at = float(st.cam_s[g_on] + rng.uniform(r.distance_min, r.distance_max))
    if s_at - 1.0 - float(_ego_front(st).max()) < st.scene.min_gap + 3.0 or not _clear_of_junction(st, s_at - 3, s_at + gaps[-1] + 3):
        return None
    found = _crossing(rng, st, r, sizes, t_on, s_at, gaps)
    if found is None:
        return None
    tracks, v = found
    if not st.fits(tracks):
        return None
    vis = st.visibility(tracks[0], tracks[1:])
    onset = (t_on, t_on + ONSET_HOLD)
    road = st.road  # they cross where the road is clear: nothing drives or parks between the camera and them
    reserve = _corridor(st, (road.half(1) - road.half(-1)) / 2, float(st.cam_s[0]), s_at + gaps[-1] + 3.0,
                        road.half(1) + road.half(-1) - 0.2)
    actors = [Actor(shape, category, size, role, t, v) for shape, size, t in zip(shapes, sizes, tracks, strict=True)]
    return Staging(actors, onset, vis, _in_view(vis, st, onset), variant, reserve)


def jaywalkers(rng, st: Stage, r) -> Staging | None:
    """A group of two to four pedestrians crosses the road away from any crossing."""
    n = int(rng.integers(2, 5))
    sizes = [dims(rng, *CHILD) if rng.random() < 0.15 else _class_size(rng, st.scene, "pedestrian") for _ in range(n)]
    return _crossers(rng, st, r, sizes, ["pedestrian"] * n, "pedestrian", "jaywalker", f"group of {n}")


def animal(rng, st: Stage, r) -> Staging | None:
    """A procedural quadruped (dog- or deer-sized) crosses the road."""
    kind = "dog" if rng.random() < 0.5 else "deer"
    size = dims(rng, *(DOG if kind == "dog" else DEER))
    return _crossers(rng, st, r, [size], ["animal"], "animal", "animal", kind)


def cyclist_overtake(rng, st: Stage, r) -> Staging | None:
    """A cyclist passes the ego on the near (kerb) side in the kerb-side lane, or (on one lane,
    or three times in ten) rides in the ego's lane ahead, slower than the ego."""
    road, scene = st.road, st.scene
    t_on, g_on = _timing(rng, st, r)
    size = _class_size(rng, scene, "cyclist")
    outer = -(road.lanes - 0.5) * road.lane_width
    near_side = st.ego_d > outer + 1e-6 and rng.random() < 0.7  # the ego leaves the kerb-side lane free
    if near_side:
        d = -(road.lanes * road.lane_width - 0.8)
        v = st.ego_speed + float(rng.uniform(r.speed_min, r.speed_max))
    else:
        d = st.ego_d + float(rng.uniform(-0.3, 0.3))
        v = max(2.0, st.ego_speed - float(rng.uniform(r.speed_min, r.speed_max)))
    s = st.cam_s[g_on] + float(rng.uniform(r.distance_min, r.distance_max)) * (1.0 if near_side else 2.0) + v * (st.grid - t_on)
    if not near_side and np.any(s - size[0] / 2 - _ego_front(st) < scene.min_gap + 2.0):
        return None
    if not _clear_of_junction(st, float(s.min()) - 2, float(s.max()) + 2):
        return None
    t = st.track(s, np.full(len(st.grid), d), size)
    if t is None or not st.fits([t]):
        return None
    vis = st.visibility(t)
    onset = (t_on, t_on + ONSET_HOLD)
    reserve = [] if near_side else _corridor(st, st.ego_d, float(st.cam_s[0]), float(s.min()) - size[0] / 2 - 1.0,
                                             road.lane_width - 0.2)
    return Staging([Actor("cyclist", "cyclist", size, "cyclist", t, v)], onset, vis, _in_view(vis, st, onset),
                   "near side" if near_side else "in lane", reserve)


@dataclass(frozen=True)
class Template:
    """A scenario: its staging attempt, the ego lane it needs (outer: by the kerb, inner: not
    by the kerb where there is one, any) and the lanes per direction and right parking strip
    the street must have."""

    stage: Callable[..., Staging | None]
    ego_lane: str = "any"
    lanes: int = 1
    parking: bool = False


TEMPLATES: dict[str, Template] = {
    "occluded_pedestrian": Template(occluded_pedestrian, ego_lane="outer", parking=True),
    "cut_in": Template(cut_in, lanes=2),
    "cyclist_overtake": Template(cyclist_overtake, ego_lane="inner"),
    "wrong_way": Template(wrong_way),
    "stopped_obstacle": Template(stopped_obstacle),
    "jaywalkers": Template(jaywalkers),
    "lead_brake": Template(lead_brake),
    "animal": Template(animal),
}
