"""The tabletop recipe's schema: a table with objects placed or dropped on it."""

from __future__ import annotations

from dataclasses import dataclass, field

from simgen.config.looks import WallsConfig
from simgen.config.ranges import COUNT, NONNEG_M, POSITIVE_M, SHARE, Range, add_ranges
from simgen.config.schema import (
    AssetEntryConfig,
    BackgroundConfig,
    CameraShellConfig,
    LightsConfig,
    MaterialsConfig,
    PhysicsConfig,
    TexturesConfig,
    object_textures,
    scenery_textures,
)


@dataclass
class TabletopSceneConfig:
    """A table with objects dropped on it, seen from a hemisphere of cameras."""

    name: str = "tabletop"
    kind: str = "tabletop"
    randomizers: list[str] = field(default_factory=lambda: ["room", "table", "objects", "walls", "materials", "lights", "cameras"])
    min_objects: int = 3
    max_objects: int = 10
    # Unlabeled clutter placed among the objects (geometry: it changes the labels it occludes).
    distractors_min: int = 0
    distractors_max: int = 0
    distractors: list[AssetEntryConfig] = field(default_factory=list)
    views_per_scene: int = 4
    table_size: list[float] = field(default_factory=lambda: [1.2, 0.8])
    table_height: float = 0.72
    spawn_fraction: float = 0.85  # objects are placed (or dropped) over this central fraction of the table
    placement: str = "rest"  # rest: in a resting pose at contact height; drop: held above, dropped
    drop_height_min: float = 0.02
    drop_height_max: float = 0.2
    depth_scale: float = 0.0001  # metres per unit of the uint16 depth PNG (0.1 mm, 6.5 m range)
    assets: list[AssetEntryConfig] = field(default_factory=list)
    camera: CameraShellConfig = field(default_factory=CameraShellConfig)
    lights: LightsConfig = field(default_factory=LightsConfig)
    materials: MaterialsConfig = field(default_factory=MaterialsConfig)
    textures: TexturesConfig = field(default_factory=object_textures)  # objects and distractors
    scenery_textures: TexturesConfig = field(default_factory=scenery_textures)  # table top and legs, walls
    background: BackgroundConfig = field(default_factory=BackgroundConfig)  # the floor
    walls: WallsConfig = field(default_factory=WallsConfig)  # a room around the table (geometry)
    # Objects placed at rest need only a short settle to confirm it.
    physics: PhysicsConfig = field(default_factory=lambda: PhysicsConfig(min_steps=20))


add_ranges({
    TabletopSceneConfig: {"min_objects": COUNT, "max_objects": COUNT, "views_per_scene": Range(1, 10_000),
                            "table_size": POSITIVE_M, "table_height": POSITIVE_M,
                            "spawn_fraction": Range(0, 1, open_lo=True), "drop_height_min": NONNEG_M,
                            "drop_height_max": NONNEG_M, "depth_scale": POSITIVE_M,
                            "distractors_min": COUNT, "distractors_max": COUNT},
    WallsConfig: {"probability": SHARE, "distance_min": POSITIVE_M, "distance_max": POSITIVE_M,
                  "height_min": POSITIVE_M, "height_max": POSITIVE_M},
})
