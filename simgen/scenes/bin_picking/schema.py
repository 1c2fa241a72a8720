"""The bin-picking recipe's schema: a bin, the pile, the views of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from simgen.config.ranges import COUNT, NONNEG_M, POSITIVE_M, SHARE, SHELL, Range, add_ranges
from simgen.config.schema import (
    AssetEntryConfig,
    BackgroundConfig,
    CameraShellConfig,
    LightsConfig,
    MaterialsConfig,
    PhysicsConfig,
    TexturesConfig,
    scenery_textures,
)


@dataclass
class BinConfig:
    """The bin: ``procedural`` (floor and four walls, sizes below, metres) or ``tray``
    (pybullet_data's tray/traybox.urdf, about 0.5 m square with sloped walls)."""

    kind: str = "procedural"
    inner_size: list[float] = field(default_factory=lambda: [0.32, 0.24])
    wall_height: float = 0.12
    wall_thickness: float = 0.012
    floor_thickness: float = 0.015


@dataclass
class BinCamerasConfig(CameraShellConfig):
    """Views of the bin: a share straight overhead (with jitter), the rest on the hemisphere
    shell around the bin centre (the shell settings above; the recipe sets them for a bin).
    ``stereo_baseline`` > 0 (metres) renders views as left/right pairs."""

    overhead_fraction: float = 0.5
    overhead_height_min: float = 0.55
    overhead_height_max: float = 0.8
    overhead_jitter: float = 0.04  # metres of xy offset of the eye and the target
    overhead_tilt_max_deg: float = 8.0
    stereo_baseline: float = 0.0


@dataclass
class BinPickingSceneConfig:
    """Objects dropped into a bin in random order, piling up with heavy occlusion.

    ``assets`` are the labeled objects (replaced by ``assets.dirs`` when given);
    ``distractors`` are unlabeled clutter, ``distractor_fraction`` of the objects.
    """

    name: str = "bin_picking"
    kind: str = "bin_picking"
    randomizers: list[str] = field(default_factory=lambda: ["bin_room", "bin", "pile", "bin_materials", "lights", "bin_cameras"])
    min_objects: int = 12
    max_objects: int = 24
    distractor_fraction: float = 0.2
    spawn_fraction: float = 0.9  # objects start over this central fraction of the bin
    drop_gap: float = 0.01  # metres between spawned objects' bounding spheres
    views_per_scene: int = 4
    depth_scale: float = 0.0001  # metres per unit of the uint16 depth PNG (0.1 mm, 6.5 m range)
    assets: list[AssetEntryConfig] = field(default_factory=list)
    distractors: list[AssetEntryConfig] = field(default_factory=list)
    bin: BinConfig = field(default_factory=BinConfig)
    camera: BinCamerasConfig = field(default_factory=BinCamerasConfig)
    lights: LightsConfig = field(default_factory=LightsConfig)
    materials: MaterialsConfig = field(default_factory=MaterialsConfig)
    textures: TexturesConfig = field(default_factory=TexturesConfig)
    scenery_textures: TexturesConfig = field(default_factory=scenery_textures)  # the bin
    background: BackgroundConfig = field(default_factory=BackgroundConfig)
    physics: PhysicsConfig = field(default_factory=PhysicsConfig)


add_ranges({
    BinConfig: {"inner_size": POSITIVE_M, "wall_height": POSITIVE_M, "wall_thickness": POSITIVE_M,
                  "floor_thickness": POSITIVE_M},
    BinCamerasConfig: {**SHELL, "overhead_fraction": SHARE, "overhead_height_min": POSITIVE_M,
                         "overhead_height_max": POSITIVE_M, "overhead_jitter": NONNEG_M,
                         "overhead_tilt_max_deg": Range(0, 90, unit="degrees"), "stereo_baseline": NONNEG_M},
    BinPickingSceneConfig: {"min_objects": COUNT, "max_objects": COUNT, "distractor_fraction": SHARE,
                              "spawn_fraction": Range(0, 1, open_lo=True), "drop_gap": NONNEG_M,
                              "views_per_scene": Range(1, 10_000), "depth_scale": POSITIVE_M},
})
