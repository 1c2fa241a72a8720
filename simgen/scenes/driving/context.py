"""What the driving randomizers share while they build one scene, typed: the street layout,
its surfaces, the roadside's footprints and lamps, the ego car's drive, the road users' tracks
and the conditions drawn.

Each randomizer fills its part once (``street`` the layout and surfaces, ``roadside`` and
``signals`` the footprints, ``ego`` the drive, ``traffic`` and ``signals`` the tracks,
``conditions`` the conditions) and the later ones read the objects themselves. The spec
records it with :meth:`DrivingContext.to_dict` (plain lists and numbers, paths as
``RoadPath.to_params``) and :meth:`DrivingContext.from_dict` rebuilds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from simgen.core.spec import ScenarioTag, SceneContext, SceneSpec
from simgen.scenes.driving.layout import Street
from simgen.scenes.driving.paths import RoadPath
from simgen.scenes.driving.scenarios.record import StagedScenario


def _path(params) -> RoadPath:
    return RoadPath.from_params(params)[0]


@dataclass
class Surfaces:
    """Instance ids of the two scenery bodies the street is made of (rain wets them)."""

    road: int
    sidewalk: int


@dataclass
class EgoDrive:
    """The ego car: at time t it is ``s0 + speed * t`` metres (speed in m/s) along ``path``,
    a box ``length`` x ``width`` metres."""

    path: RoadPath
    s0: float
    speed: float
    length: float
    width: float

    def to_dict(self) -> dict:
        return {"path": list(self.path.to_params()), "s0": self.s0, "speed": self.speed, "length": self.length,
                "width": self.width}

    @classmethod
    def from_dict(cls, d: dict) -> EgoDrive:
        return cls(_path(d["path"]), d["s0"], d["speed"], d["length"], d["width"])


@dataclass
class Track:
    """How a labeled road user or signal stays or moves: its ``placement`` (a recipe class's,
    or ``parked``), and its ``speed`` (m/s) from ``s0`` metres along ``path``; signals stand
    on no path (both None)."""

    placement: str
    speed: float
    path: RoadPath | None = None
    s0: float | None = None

    def to_dict(self) -> dict:
        if self.path is None:
            return {"placement": self.placement, "speed": self.speed}
        return {"placement": self.placement, "path": list(self.path.to_params()), "s0": self.s0, "speed": self.speed}

    @classmethod
    def from_dict(cls, d: dict) -> Track:
        return cls(d["placement"], d["speed"], None if "path" not in d else _path(d["path"]), d.get("s0"))


@dataclass
class Conditions:
    """The time of day (``simgen.config.looks.TIMES_OF_DAY``), sky (clear or overcast), rain
    and fog a sequence was drawn with: the report's facts."""

    time_of_day: str
    sky: str
    rain: bool
    fog: bool

    def to_dict(self) -> dict:
        return {"time_of_day": self.time_of_day, "sky": self.sky, "rain": self.rain, "fog": self.fog}


@dataclass
class DrivingContext(SceneContext):
    """A driving scene's shared data; None or empty until its randomizer ran.

    ``static``: footprint tracks (rows of 7: x, y, yaw, length, width, z0, z1, metres and
    radians; see :mod:`simgen.scenes.driving.footprints`) of poles, trunks, crowns and signal
    posts, which road users keep clear of. ``lamps``: street lamp heads (x, y, z) metres, lit at
    night. ``tracks``: by instance id.
    """

    kind: ClassVar[str] = "driving"

    street: Street | None = None
    surfaces: Surfaces | None = None
    static: list[list[float]] = field(default_factory=list)
    lamps: list[list[float]] = field(default_factory=list)
    ego: EgoDrive | None = None
    tracks: dict[int, Track] = field(default_factory=dict)
    conditions: Conditions | None = None
    scenario: StagedScenario | None = None  # the rare event this sequence stages, if any

    def drawn_conditions(self) -> dict:
        return {} if self.conditions is None else self.conditions.to_dict()

    def scenario_at(self, frame_index: int) -> ScenarioTag | None:
        return None if self.scenario is None else self.scenario.tag(frame_index)

    def to_dict(self) -> dict:
        return {"kind": self.kind,
                "street": None if self.street is None else self.street.to_dict(),
                "surfaces": None if self.surfaces is None else {"road": self.surfaces.road,
                                                                 "sidewalk": self.surfaces.sidewalk},
                "static": [list(row) for row in self.static],
                "lamps": [list(p) for p in self.lamps],
                "ego": None if self.ego is None else self.ego.to_dict(),
                "tracks": {iid: t.to_dict() for iid, t in self.tracks.items()},
                "conditions": None if self.conditions is None else self.conditions.to_dict()} | (
                {} if self.scenario is None else {"scenario": self.scenario.to_dict()})

    @classmethod
    def from_dict(cls, d: dict) -> DrivingContext:
        """Instance-id keys that JSON turned into str become int again."""
        return cls(street=None if d["street"] is None else Street.from_dict(d["street"]),
                   surfaces=None if d["surfaces"] is None else Surfaces(**d["surfaces"]),
                   static=[list(row) for row in d["static"]], lamps=[list(p) for p in d["lamps"]],
                   ego=None if d["ego"] is None else EgoDrive.from_dict(d["ego"]),
                   tracks={int(k): Track.from_dict(t) for k, t in d["tracks"].items()},
                   conditions=None if d["conditions"] is None else Conditions(**d["conditions"]),
                   scenario=None if d.get("scenario") is None else StagedScenario.from_dict(d["scenario"]))


def driving_context(spec: SceneSpec) -> DrivingContext:
    """The driving context of ``spec``, made empty by the first randomizer that asks."""
    if spec.context is None:
        spec.context = DrivingContext()
    if not isinstance(spec.context, DrivingContext):
        raise TypeError(f"a driving randomizer got a spec whose context is {type(spec.context).__name__}")
    return spec.context


def street_of(spec: SceneSpec) -> Street:
    """The street the ``street`` randomizer laid out (the recipe checks put it first)."""
    street = driving_context(spec).street
    if street is None:
        raise ValueError("no street in this scene: the recipe's 'street' randomizer must run first")
    return street
