"""The road network of a driving scene: a main road of straight and curved pieces, maybe a
junction with side roads, lanes, parking strips, sidewalks with kerbs.

Right-hand traffic: on a road's path, lanes at negative offsets run along it, lanes at positive
offsets against it. The ``street`` randomizer keeps the layout in the scene's
:class:`~simgen.scenes.driving.context.DrivingContext`, where later randomizers (and tests) read
it; ``to_dict`` and ``from_dict`` record and rebuild it with the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simgen.scenes.driving.paths import RoadPath

GROUND_TOP = -0.05  # metres: the ground beyond the street lies this far below the road


@dataclass
class Road:
    """A road along ``path``: ``lanes`` per direction of ``lane_width``; a parking strip of
    ``parking`` metres on the (right, left) side or 0; sidewalks ``sidewalk`` wide, kerbs
    ``kerb`` high."""

    path: RoadPath
    lanes: int
    lane_width: float
    parking: tuple[float, float]
    sidewalk: float
    kerb: float

    def half(self, side: int) -> float:
        """Width from the centre line to the kerb on ``side`` (-1 right, +1 left), metres."""
        return self.lanes * self.lane_width + self.parking[0 if side < 0 else 1]

    def to_dict(self) -> dict:
        return {"path": list(self.path.to_params()), "lanes": self.lanes, "lane_width": self.lane_width,
                "parking": list(self.parking), "sidewalk": self.sidewalk, "kerb": self.kerb}

    @classmethod
    def from_dict(cls, d: dict) -> Road:
        return cls(RoadPath.from_params(d["path"])[0], int(d["lanes"]), float(d["lane_width"]),
                   (float(d["parking"][0]), float(d["parking"][1])), float(d["sidewalk"]), float(d["kerb"]))


@dataclass
class Lane:
    """A way to travel: ``path`` runs in the direction of travel from s = 0 to its length.
    ``road`` indexes Street.roads; ``kind`` is main, side_out, side_in (towards the junction)
    or parking; ``outer`` marks the lane next to the kerb (or parking strip)."""

    path: RoadPath
    road: int
    kind: str
    outer: bool
    offset: float  # left offset from the road's path, metres


@dataclass
class Sidewalk:
    """A sidewalk piece along road ``road`` on ``side`` between arc lengths s0 and s1."""

    road: int
    side: int
    s0: float
    s1: float


@dataclass
class Street:
    """roads[0] is the main road; side roads leave it at ``junction_s`` and start at its kerb."""

    roads: list[Road]
    sidewalks: list[Sidewalk] = field(default_factory=list)
    junction_s: float | None = None
    zebra: tuple[float, float] = (0.0, 0.0)  # arc lengths on side roads painted as a crossing
    stop_line: float = 0.0  # arc length on side roads where incoming traffic waits

    @property
    def main(self) -> Road:
        return self.roads[0]

    @property
    def junction_half(self) -> float:
        """Half the width of the side roads: the main road's junction box spans s +- this."""
        return max((r.half(1) for r in self.roads[1:]), default=0.0)

    def to_dict(self) -> dict:
        return {"roads": [r.to_dict() for r in self.roads],
                "sidewalks": [[w.road, w.side, w.s0, w.s1] for w in self.sidewalks],
                "junction_s": self.junction_s, "zebra": list(self.zebra), "stop_line": self.stop_line}

    @classmethod
    def from_dict(cls, d: dict) -> Street:
        return cls(roads=[Road.from_dict(r) for r in d["roads"]],
                   sidewalks=[Sidewalk(int(a), int(b), float(c), float(e)) for a, b, c, e in d["sidewalks"]],
                   junction_s=d["junction_s"], zebra=tuple(d["zebra"]), stop_line=float(d["stop_line"]))

    def lanes(self) -> list[Lane]:
        """Every traffic lane (and parking strip) with its path in the direction of travel."""
        out = []
        for k, road in enumerate(self.roads):
            side_road = k > 0
            for j in range(road.lanes):
                d = (j + 0.5) * road.lane_width
                outer = j == road.lanes - 1
                out.append(Lane(road.path.offset(-d), k, "side_out" if side_road else "main", outer, -d))
                out.append(Lane(road.path.offset(d).reversed(), k, "side_in" if side_road else "main", outer, d))
            for side, width in ((-1, road.parking[0]), (1, road.parking[1])):
                if width > 0:
                    d = side * (road.lanes * road.lane_width + width / 2)
                    path = road.path.offset(d)
                    out.append(Lane(path if side < 0 else path.reversed(), k, "parking", True, d))
        return out

    def surface(self, points) -> np.ndarray:
        """Height (n,) of the street surface under ``points`` (n, 2): 0 on a road, the kerb
        height on a sidewalk, NaN elsewhere (ground, buildings)."""
        p = np.atleast_2d(np.asarray(points, float))
        z = np.full(len(p), np.nan)
        for k, road in enumerate(self.roads):
            s, d, dist = road.path.project(p)
            inside = (np.abs(dist - np.abs(d)) < 1e-6) & (s > 0.0) & (s < road.path.length)
            on_road = inside & (d >= -road.half(-1)) & (d <= road.half(1))
            z[on_road & np.isnan(z)] = 0.0
            for w in self.sidewalks:
                if w.road != k:
                    continue
                lo = road.half(w.side)
                band = (w.side * d >= lo) & (w.side * d <= lo + road.sidewalk) & (s >= w.s0) & (s <= w.s1)
                z[inside & band & np.isnan(z)] = road.kerb
        return z


def _pieces(rng: np.random.Generator, cfg) -> tuple[tuple[float, float], ...]:
    """Straight and curved pieces until the road is ``cfg.length`` long; turns stay within
    +-90 degrees of the start so the road never folds back on itself."""
    pieces: list[tuple[float, float]] = []
    total, heading = 0.0, 0.0
    while total < cfg.length:
        if pieces and pieces[-1][1] == 0.0 and rng.random() < cfg.curve_probability:
            radius = rng.uniform(cfg.radius_min, cfg.radius_max)
            turn = np.deg2rad(rng.uniform(min(10.0, cfg.turn_max_deg), cfg.turn_max_deg)) * rng.choice([-1.0, 1.0])
            if abs(heading + turn) > np.pi / 2:
                turn = -turn
            heading += turn
            pieces.append((abs(turn) * radius, float(np.sign(turn) / radius)))
        else:
            pieces.append((rng.uniform(cfg.straight_min, cfg.straight_max), 0.0))
        total += pieces[-1][0]
    return tuple((float(length), k) for length, k in pieces)


def _junction(rng: np.random.Generator, path: RoadPath, half: float, keep_clear: tuple[float, float]) -> float | None:
    """Arc length of a junction on a straight piece, ``half`` metres of road either side of
    it clear of curves and inside ``keep_clear`` (s range allowed), or None if none fits."""
    s0 = np.cumsum([0.0] + [p[0] for p in path.pieces])
    spans = []
    for (length, k), start in zip(path.pieces, s0[:-1], strict=True):
        lo, hi = max(start + half + 5.0, keep_clear[0]), min(start + length - half - 5.0, keep_clear[1])
        if k == 0.0 and hi > lo:
            spans.append((lo, hi))
    if not spans:
        return None
    lo, hi = spans[int(rng.integers(len(spans)))]
    return float(rng.uniform(lo, hi))


def make_street(rng: np.random.Generator, cfg, ego_start: float) -> Street:
    """A random street from the ``road`` recipe settings; the ego starts ``ego_start`` metres
    along the main road, so a junction is placed ahead of it."""
    lanes = int(rng.integers(cfg.lanes_min, cfg.lanes_max + 1))
    width = float(rng.uniform(cfg.lane_width_min, cfg.lane_width_max))
    parking = tuple(float(cfg.parking_width) if rng.random() < cfg.parking_probability else 0.0 for _ in range(2))
    sidewalk = float(rng.uniform(cfg.sidewalk_width_min, cfg.sidewalk_width_max))
    kerb = float(rng.uniform(cfg.kerb_height_min, cfg.kerb_height_max))
    main = Road(RoadPath(0.0, 0.0, 0.0, _pieces(rng, cfg)), lanes, width, parking, sidewalk, kerb)
    street = Street(roads=[main])
    L = main.path.length
    side_half = cfg.side_lanes * width
    js = None
    if rng.random() < cfg.junction_probability:
        js = _junction(rng, main.path, side_half + sidewalk, (ego_start + 15.0, L - cfg.side_length * 0.25 - 30.0))
    sides = ()
    if js is not None:
        sides = (1, -1) if rng.random() >= cfg.t_junction_probability else (int(rng.choice([-1, 1])),)
        (p,), (h,) = main.path.point([js], 0.0), main.path.heading([js])
        for side in sides:
            start = p + side * main.half(side) * np.array([-np.sin(h), np.cos(h)])
            arm = RoadPath(float(start[0]), float(start[1]), float(h + side * np.pi / 2), ((float(cfg.side_length), 0.0),))
            street.roads.append(Road(arm, int(cfg.side_lanes), width, (0.0, 0.0), sidewalk, kerb))
        street.junction_s = js
        street.zebra = (0.6, max(sidewalk - 0.6, 1.2))
        street.stop_line = sidewalk + 0.5
    for side in (-1, 1):
        if side in sides:
            street.sidewalks += [Sidewalk(0, side, 0.0, js - side_half), Sidewalk(0, side, js + side_half, L)]
        else:
            street.sidewalks.append(Sidewalk(0, side, 0.0, L))
    for k in range(1, len(street.roads)):
        for side in (-1, 1):
            street.sidewalks.append(Sidewalk(k, side, sidewalk, street.roads[k].path.length))
    return street
