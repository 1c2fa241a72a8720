"""Settings of driving conditions (``scene.conditions``): time of day and weather per sequence.

Also the tabletop room's walls (``scene.walls``), which are geometry. Every condition is drawn from the scene's looks stream (:func:`simgen.core.seeding.looks_rng`), so
boosting a rare condition (``scene.conditions.fog=0.2``) never moves a body or a camera.
"""

from __future__ import annotations

from dataclasses import dataclass

TIMES_OF_DAY = ("day", "dawn", "dusk", "night")


@dataclass
class ConditionsConfig:
    """Probabilities per sequence. Time of day: ``night``, ``dawn``, ``dusk`` (summing to at
    most 1), day the rest. Weather, each on its own: ``overcast``, ``rain`` (rain is overcast
    too, with a darker, glossier road), ``fog``. Strengths: fog density (1/m; visibility is
    about 3 / density metres) and rain (0..1) in range. At night the ``lamps_max`` street lamps
    nearest the first camera and the head and tail lights of ``vehicle_lights_max`` vehicles
    nearest it are lit (vehicles that move in a sequence of several frames only where the
    sequence stages a scenario: there their lights ride on them)."""

    night: float = 0.1
    dawn: float = 0.05
    dusk: float = 0.05
    overcast: float = 0.2
    rain: float = 0.1
    fog: float = 0.05
    fog_density_min: float = 0.01
    fog_density_max: float = 0.05
    rain_min: float = 0.3
    rain_max: float = 1.0
    lamps_max: int = 8
    vehicle_lights_max: int = 6


@dataclass
class WallsConfig:
    """A room around the tabletop scene (the ``walls`` randomizer): with ``probability`` per
    scene, four walls ``distance_min``..``distance_max`` metres from the table centre and
    ``height_min``..``height_max`` high. Geometry: walls appear in depth and id maps."""

    probability: float = 0.0
    distance_min: float = 2.0
    distance_max: float = 4.0
    height_min: float = 2.4
    height_max: float = 3.2
