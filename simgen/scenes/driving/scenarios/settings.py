"""Settings of driving scenarios (``scene.scenarios`` and ``scene.scenario_ranges``): which rare
event a sequence stages, with what probability, and each event's distances, speeds and timing.

``scene.scenarios.NAME`` is the probability that a sequence stages NAME (together at most 1;
the other sequences keep ordinary traffic). Every draw of a scenario comes from the scene's
scenario stream (:func:`simgen.core.seeding.scenario_rng`), so with all probabilities 0 no
scene changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from simgen.config.ranges import SHARE, Range, add_ranges

SCENARIO_NAMES = ("occluded_pedestrian", "cut_in", "cyclist_overtake", "wrong_way", "stopped_obstacle", "jaywalkers",
                  "lead_brake", "animal")

# Categories a scenario labels beyond the recipe's classes (appended after them, in this order).
SCENARIO_CATEGORIES = {"stopped_obstacle": ("debris",), "animal": ("animal",)}


@dataclass
class ScenariosConfig:
    """Probability per sequence of each scenario (see the README's scenario table)."""

    occluded_pedestrian: float = 0.0
    cut_in: float = 0.0
    cyclist_overtake: float = 0.0
    wrong_way: float = 0.0
    stopped_obstacle: float = 0.0
    jaywalkers: float = 0.0
    lead_brake: float = 0.0
    animal: float = 0.0

    def chances(self) -> dict[str, float]:
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}

    def any(self) -> bool:
        return any(p > 0 for p in self.chances().values())

    def extra_categories(self) -> list[str]:
        """Categories the enabled scenarios label beyond the recipe's classes (animal, debris)."""
        out: list[str] = []
        for name, p in self.chances().items():
            if p > 0:
                out += [c for c in SCENARIO_CATEGORIES.get(name, ()) if c not in out]
        return out


@dataclass
class ScenarioRangeConfig:
    """One scenario's ranges: the event happens ``distance`` metres ahead of the ego camera
    (along the road), its actor moves at ``speed`` m/s (braking at ``decel`` m/s^2 where it
    brakes), the ego drives at ``ego_speed`` m/s, and the event's moment lies at ``onset``
    (a share of the sequence's duration). For cut_in, cyclist_overtake and lead_brake ``speed``
    is relative to the ego's speed (lead_brake: before the lead brakes)."""

    distance_min: float = 12.0
    distance_max: float = 25.0
    speed_min: float = 1.0
    speed_max: float = 2.0
    decel_min: float = 0.0
    decel_max: float = 0.0
    ego_speed_min: float = 5.0
    ego_speed_max: float = 10.0
    onset_min: float = 0.35
    onset_max: float = 0.6


def _r(**kw) -> ScenarioRangeConfig:
    return ScenarioRangeConfig(**kw)


@dataclass
class ScenarioRangesConfig:
    """Ranges per scenario (``scene.scenario_ranges.NAME.*``)."""

    occluded_pedestrian: ScenarioRangeConfig = field(default_factory=lambda: _r(distance_min=10.0, distance_max=20.0,
                                                                                speed_min=2.2, speed_max=3.2,
                                                                                onset_min=0.5, onset_max=0.7))
    cut_in: ScenarioRangeConfig = field(default_factory=lambda: _r(distance_min=8.0, distance_max=18.0, speed_min=0.5,
                                                                   speed_max=2.5))
    cyclist_overtake: ScenarioRangeConfig = field(default_factory=lambda: _r(distance_min=4.0, distance_max=10.0,
                                                                             speed_min=2.0, speed_max=4.0,
                                                                             ego_speed_min=2.0, ego_speed_max=5.0))
    wrong_way: ScenarioRangeConfig = field(default_factory=lambda: _r(distance_min=25.0, distance_max=45.0,
                                                                      speed_min=6.0, speed_max=12.0))
    stopped_obstacle: ScenarioRangeConfig = field(default_factory=lambda: _r(distance_min=15.0, distance_max=35.0,
                                                                             speed_min=0.0, speed_max=0.0))
    jaywalkers: ScenarioRangeConfig = field(default_factory=lambda: _r(distance_min=14.0, distance_max=28.0,
                                                                       speed_min=1.0, speed_max=1.8))
    lead_brake: ScenarioRangeConfig = field(default_factory=lambda: _r(distance_min=10.0, distance_max=20.0,
                                                                       speed_min=-1.0, speed_max=1.0, decel_min=4.0,
                                                                       decel_max=8.0))
    animal: ScenarioRangeConfig = field(default_factory=lambda: _r(distance_min=12.0, distance_max=28.0,
                                                                   speed_min=1.5, speed_max=5.0))


add_ranges({
    ScenariosConfig: {name: SHARE for name in SCENARIO_NAMES},
    ScenarioRangeConfig: {"distance_min": Range(0, 200, unit="metres"), "distance_max": Range(0, 200, unit="metres"),
                          "speed_min": Range(-20, 40, unit="m/s"), "speed_max": Range(-20, 40, unit="m/s"),
                          "decel_min": Range(0, 12, unit="m/s^2"), "decel_max": Range(0, 12, unit="m/s^2"),
                          "ego_speed_min": Range(0, 30, unit="m/s"), "ego_speed_max": Range(0, 30, unit="m/s"),
                          "onset_min": SHARE, "onset_max": SHARE},
})
