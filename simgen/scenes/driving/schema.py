"""The driving recipe's schema: roads, roadside, road users, the ego car and its rig, the sun."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from omegaconf import MISSING

from simgen.config.looks import ConditionsConfig
from simgen.config.ranges import (
    COUNT,
    ELEVATION,
    FOV,
    NONNEG,
    NONNEG_M,
    POSITIVE_M,
    SHARE,
    Range,
    add_ranges,
)
from simgen.scenes.driving.scenarios.settings import ScenarioRangesConfig, ScenariosConfig


@dataclass
class RoadConfig:
    """Road layout ranges (metres, degrees). The main road is ``length`` long: straight pieces
    and, with ``curve_probability`` after a straight, arcs of radius and turn in range. A
    junction (``junction_probability``; a T with ``t_junction_probability``) adds side roads of
    ``side_lanes`` per direction and ``side_length``. Lanes per direction, lane and sidewalk
    widths and kerb height are drawn per scene; each side has a parking strip with
    ``parking_probability``."""

    length: float = 260.0
    lanes_min: int = 1
    lanes_max: int = 2
    lane_width_min: float = 3.0
    lane_width_max: float = 3.7
    parking_probability: float = 0.5
    parking_width: float = 2.3
    sidewalk_width_min: float = 2.5
    sidewalk_width_max: float = 4.5
    kerb_height_min: float = 0.1
    kerb_height_max: float = 0.16
    straight_min: float = 30.0
    straight_max: float = 110.0
    curve_probability: float = 0.5
    radius_min: float = 60.0
    radius_max: float = 250.0
    turn_max_deg: float = 45.0
    junction_probability: float = 0.6
    t_junction_probability: float = 0.3
    side_lanes: int = 1
    side_length: float = 70.0


@dataclass
class RoadsideConfig:
    """Buildings behind the sidewalks (metres; frontage along the road, depth away from it),
    some with a shop on the ground floor, street lamps and trees on the kerb line."""

    building_length_min: float = 8.0
    building_length_max: float = 28.0
    building_depth_min: float = 8.0
    building_depth_max: float = 18.0
    building_height_min: float = 6.0
    building_height_max: float = 28.0
    building_setback_max: float = 3.0
    building_gap_max: float = 5.0
    empty_lot_probability: float = 0.1
    shop_front_probability: float = 0.4  # ground-floor shop (glass front, awning) facing the road
    lamp_spacing_min: float = 18.0
    lamp_spacing_max: float = 32.0
    tree_spacing_min: float = 7.0
    tree_spacing_max: float = 16.0
    tree_probability: float = 0.6


@dataclass
class RoadClassConfig:
    """One labeled class: ``count_min``..``count_max`` per scene, built by the procedural
    ``shape`` ("" = the category's name) with dimensions (length, width, height, metres)
    between ``size_min`` and ``size_max``. ``placement``: lane (vehicles on lanes), bike (near
    the kerb), sidewalk (pedestrians, some on zebra crossings), roadside (signs), signal
    (traffic lights, junction corners first). Speeds in m/s; ``parked_weight`` > 0 lets
    parked vehicles be of this class; ``mount_*`` lift signs and lights above the sidewalk."""

    category: str = MISSING
    shape: str = ""
    placement: str = "lane"
    count_min: int = 0
    count_max: int = 0
    size_min: list[float] = field(default_factory=lambda: [1.0, 1.0, 1.0])
    size_max: list[float] = field(default_factory=lambda: [1.0, 1.0, 1.0])
    speed_min: float = 0.0
    speed_max: float = 0.0
    parked_weight: float = 0.0
    mount_min: float = 0.0
    mount_max: float = 0.0


@dataclass
class EgoConfig:
    """The ego car: starts ``start`` metres along the main road in a lane of its direction,
    drives at a speed in range (m/s); others keep clear of its ``length`` x ``width``."""

    start: float = 30.0
    speed_min: float = 0.0
    speed_max: float = 13.0
    length: float = 4.6
    width: float = 1.9


@dataclass
class RigCameraConfig:
    """A camera on the ego car: position (x forward, y left, z up, metres from the road point
    under the car's centre), yaw (left +) and pitch (down +) in degrees, horizontal FOV."""

    x: float = 0.5
    y: float = 0.0
    z: float = 1.5
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    fov_x_deg: float = 82.0


@dataclass
class RigConfig:
    """The ego car's cameras (all at the renderer's resolution) and per-sequence jitter."""

    cameras: list[RigCameraConfig] = field(default_factory=lambda: [RigCameraConfig()])
    height_jitter: float = 0.1
    pitch_jitter_deg: float = 0.0
    fov_jitter_deg: float = 4.0
    znear: float = 1.0
    zfar: float = 250.0


@dataclass
class SunConfig:
    elevation_min_deg: float = 12.0
    elevation_max_deg: float = 70.0
    intensity_min: float = 2.6
    intensity_max: float = 3.6
    ambient_min: float = 0.3
    ambient_max: float = 0.5
    ground_ratio: float = 0.45  # hemisphere ambient: light from the ground, a share of the sky's


@dataclass
class DrivingSceneConfig:
    """Street scenes seen from an ego car's camera rig, as sequences (the job's ``sequence``);
    see simgen/scenes/driving.yaml. Images per scene: ``sequence.length`` x the rig's cameras. Depth
    is stored in units of ``depth_scale`` metres (1/256 m: KITTI's depth encoding, 255.99 m
    range).
    """

    sequences: ClassVar[bool] = True  # things move: sequence.length may exceed 1

    name: str = "driving"
    kind: str = "driving"
    randomizers: list[str] = field(default_factory=lambda: ["street", "roadside", "signals", "ego", "traffic", "rig", "sun", "conditions"])
    depth_scale: float = 1.0 / 256.0
    classes: list[RoadClassConfig] = field(default_factory=list)
    parked_min: int = 2
    parked_max: int = 10
    crossing_probability: float = 0.3  # share of pedestrians on a zebra crossing, where there is one
    min_gap: float = 0.4  # metres kept between road users (and from poles, trees, the ego car)
    road: RoadConfig = field(default_factory=RoadConfig)
    roadside: RoadsideConfig = field(default_factory=RoadsideConfig)
    ego: EgoConfig = field(default_factory=EgoConfig)
    rig: RigConfig = field(default_factory=RigConfig)
    sun: SunConfig = field(default_factory=SunConfig)
    conditions: ConditionsConfig = field(default_factory=ConditionsConfig)  # simgen/config/looks.py
    scenarios: ScenariosConfig = field(default_factory=ScenariosConfig)  # probability per sequence of each rare event
    scenario_ranges: ScenarioRangesConfig = field(default_factory=ScenarioRangesConfig)  # their distances, speeds, timing

    @property
    def views_per_scene(self) -> int:
        """Views per frame: one per rig camera."""
        return len(self.rig.cameras)

    def categories(self) -> list[str]:
        """Category names in recipe order (id = position + 1), then those the enabled
        scenarios add (animal, debris)."""
        names = list(dict.fromkeys(c.category for c in self.classes))
        return names + [c for c in self.scenarios.extra_categories() if c not in names]


add_ranges({
    RoadConfig: {"length": POSITIVE_M, "lanes_min": Range(1, 8), "lanes_max": Range(1, 8),
                   "lane_width_min": POSITIVE_M, "lane_width_max": POSITIVE_M, "parking_probability": SHARE,
                   "parking_width": NONNEG_M, "sidewalk_width_min": POSITIVE_M, "sidewalk_width_max": POSITIVE_M,
                   "kerb_height_min": NONNEG_M, "kerb_height_max": NONNEG_M, "straight_min": POSITIVE_M,
                   "straight_max": POSITIVE_M, "curve_probability": SHARE, "radius_min": POSITIVE_M,
                   "radius_max": POSITIVE_M, "turn_max_deg": Range(0, 180, unit="degrees"),
                   "junction_probability": SHARE, "t_junction_probability": SHARE, "side_lanes": Range(1, 8),
                   "side_length": POSITIVE_M},
    RoadsideConfig: {"building_length_min": POSITIVE_M, "building_length_max": POSITIVE_M,
                       "building_depth_min": POSITIVE_M, "building_depth_max": POSITIVE_M,
                       "building_height_min": POSITIVE_M, "building_height_max": POSITIVE_M,
                       "building_setback_max": NONNEG_M, "building_gap_max": NONNEG_M,
                       "empty_lot_probability": SHARE, "shop_front_probability": SHARE, "lamp_spacing_min": POSITIVE_M, "lamp_spacing_max": POSITIVE_M,
                       "tree_spacing_min": POSITIVE_M, "tree_spacing_max": POSITIVE_M, "tree_probability": SHARE},
    RoadClassConfig: {"count_min": COUNT, "count_max": COUNT, "size_min": POSITIVE_M, "size_max": POSITIVE_M,
                        "speed_min": Range(0, unit="m/s"), "speed_max": Range(0, unit="m/s"), "parked_weight": NONNEG,
                        "mount_min": NONNEG_M, "mount_max": NONNEG_M},
    EgoConfig: {"start": NONNEG_M, "speed_min": Range(0, unit="m/s"), "speed_max": Range(0, unit="m/s"),
                  "length": POSITIVE_M, "width": POSITIVE_M},
    RigCameraConfig: {"x": Range(-100, 100, unit="metres"), "y": Range(-100, 100, unit="metres"),
                        "z": Range(0, 100, open_lo=True, unit="metres"), "yaw_deg": Range(-180, 180, unit="degrees"),
                        "pitch_deg": ELEVATION, "fov_x_deg": FOV},
    RigConfig: {"height_jitter": NONNEG_M, "pitch_jitter_deg": Range(0, 90, unit="degrees"),
                  "fov_jitter_deg": Range(0, 90, unit="degrees"), "znear": POSITIVE_M, "zfar": POSITIVE_M},
    SunConfig: {"elevation_min_deg": Range(0, 90, unit="degrees"), "elevation_max_deg": Range(0, 90, unit="degrees"),
                  "intensity_min": NONNEG, "intensity_max": NONNEG, "ambient_min": SHARE, "ambient_max": SHARE,
                  "ground_ratio": Range(0, 2)},
    ConditionsConfig: {"night": SHARE, "dawn": SHARE, "dusk": SHARE, "overcast": SHARE, "rain": SHARE, "fog": SHARE,
                       "fog_density_min": Range(0, 1, unit="1/m"), "fog_density_max": Range(0, 1, unit="1/m"),
                       "rain_min": SHARE, "rain_max": SHARE, "lamps_max": Range(0, 64), "vehicle_lights_max": Range(0, 32)},
    DrivingSceneConfig: {"depth_scale": POSITIVE_M, "parked_min": COUNT, "parked_max": COUNT,
                           "crossing_probability": SHARE, "min_gap": NONNEG_M},
})
