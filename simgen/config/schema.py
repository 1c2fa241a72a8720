"""Dataclass schemas for every setting. Hydra checks types against them at start-up.

Each stage receives the small dataclass it needs (``RendererConfig``, ``LabelsConfig``...),
never the whole job config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING


@dataclass
class RendererConfig:
    """Image size in pixels; ``msaa`` samples of the colour pass (0 = no anti-aliasing; label
    passes always use one sample); ``shading`` fast (Lambert + Blinn-Phong) or pbr (pyrender's
    metallic-roughness BRDF); ``egl_device`` picks the GPU on multi-GPU nodes."""

    width: int = 640
    height: int = 480
    msaa: int = 4
    shading: str = "fast"
    egl_device: int | None = None


@dataclass
class LabelsConfig:
    """Which objects get an annotation. Filtered objects still occlude others."""

    min_visible_pixels: int = 1
    min_visibility: float = 0.0
    max_truncation: float = 1.0
    keep_hidden: bool = False  # fully hidden but in-frame objects kept with ignore=1
    amodal_masks: bool = False  # write segmentation_amodal RLE per annotation


@dataclass
class ExportConfig:
    """Formats to write; the image encoding of RGB frames."""

    formats: list[str] = field(default_factory=lambda: ["coco"])
    image_format: str = "png"  # png (lossless) or jpg
    jpeg_quality: int = 95
    png_compression: int = 1  # 0-9, zlib level: 1 is fast and still lossless


@dataclass
class FarmConfig:
    """How work is spread; none of it changes the dataset (configs/farm/local.yaml says more)."""

    workers: int = 0  # 0 = all local cores (or the whole cluster); 1 = in-process, no Ray
    address: str | None = None  # None: local Ray; "auto" or "ray://HOST:PORT": a cluster
    gpus_per_worker: float = 0.0  # fractional shares allowed; each worker renders on its GPU
    scenes_per_shard: int = 16  # unit of work, retry and loss; recorded on the first run
    scenes_per_worker: int = 200  # a Ray worker process is replaced after this many scenes
    max_retries: int = 2  # a failed shard is tried 1 + max_retries times
    num_slices: int = 1  # SLURM: the job is cut into this many slices ...
    slice: int = 0  # ... and this run renders slice number `slice` (0-based)


@dataclass
class AssetEntryConfig:
    """One asset source of a recipe: a category and where its geometry comes from."""

    category: str = MISSING
    source: str = MISSING
    weight: float = 1.0
    size_min: list[float] = field(default_factory=list)
    size_max: list[float] = field(default_factory=list)
    scale: float = 1.0
    mass: float | None = None  # kg; None: the file's mass, else volume x 400 kg/m^3
    friction: float | None = None  # lateral friction; None: the physics default
    collision: str = ""  # convex decomposition OBJ (set by assets.dirs); "": convex hull


@dataclass
class CameraShellConfig:
    """Cameras on a hemisphere shell around the workspace, looking at its centre."""

    radius_min: float = 0.7
    radius_max: float = 1.3
    elevation_min_deg: float = 25.0
    elevation_max_deg: float = 75.0
    fov_y_min_deg: float = 45.0
    fov_y_max_deg: float = 60.0
    target_jitter: float = 0.05
    znear: float = 0.05
    zfar: float = 6.0


@dataclass
class LightsConfig:
    min_lights: int = 1
    max_lights: int = 3
    intensity_min: float = 0.8
    intensity_max: float = 2.5
    ambient_min: float = 0.1
    ambient_max: float = 0.35


@dataclass
class MaterialsConfig:
    metallic_min: float = 0.0
    metallic_max: float = 0.6
    roughness_min: float = 0.2
    roughness_max: float = 0.9


@dataclass
class PhysicsConfig:
    """Settling: step at ``time_step`` until every body is slower than the rest speeds."""

    time_step: float = 1.0 / 240.0
    min_steps: int = 60
    max_steps: int = 1500
    rest_linear_speed: float = 0.005  # m/s
    rest_angular_speed: float = 0.05  # rad/s


@dataclass
class TabletopSceneConfig:
    """A table with objects dropped on it, seen from a hemisphere of cameras."""

    name: str = "tabletop"
    kind: str = "tabletop"
    randomizers: list[str] = field(default_factory=lambda: ["room", "table", "objects", "materials", "lights", "cameras"])
    min_objects: int = 3
    max_objects: int = 10
    views_per_scene: int = 4
    table_size: list[float] = field(default_factory=lambda: [1.2, 0.8])
    table_height: float = 0.72
    spawn_fraction: float = 0.6  # objects start over this central fraction of the table
    drop_height_min: float = 0.02
    drop_height_max: float = 0.2
    depth_scale: float = 0.0001  # metres per unit of the uint16 depth PNG (0.1 mm, 6.5 m range)
    assets: list[AssetEntryConfig] = field(default_factory=list)
    camera: CameraShellConfig = field(default_factory=CameraShellConfig)
    lights: LightsConfig = field(default_factory=LightsConfig)
    materials: MaterialsConfig = field(default_factory=MaterialsConfig)
    physics: PhysicsConfig = field(default_factory=PhysicsConfig)


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
class TexturesConfig:
    """Relative weights of the looks an object (and the bin) may get, and their sources.

    own: the mesh file's texture where it has one; plain: a random colour; checker, stripes,
    noise: procedural; image: a random picture from ``image_dir`` (png/jpg). Tiles span
    ``tile_min``..``tile_max`` metres where a mesh has no UVs.
    """

    own: float = 2.0
    plain: float = 2.0
    checker: float = 1.0
    stripes: float = 1.0
    noise: float = 1.0
    image: float = 1.0
    image_dir: str | None = None
    tile_min: float = 0.01
    tile_max: float = 0.05


@dataclass
class BackgroundConfig:
    """What lies around the bin: the floor shows a random picture from ``image_dir`` with
    probability ``image_probability`` (when given), else a procedural texture or a colour."""

    image_dir: str | None = None
    image_probability: float = 0.7
    tile_min: float = 0.2
    tile_max: float = 1.0


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
    background: BackgroundConfig = field(default_factory=BackgroundConfig)
    physics: PhysicsConfig = field(default_factory=PhysicsConfig)


# Scene kinds: a recipe's ``kind`` picks the schema its file is checked against.
SCENE_SCHEMAS: dict[str, type] = {"tabletop": TabletopSceneConfig, "bin_picking": BinPickingSceneConfig}


@dataclass
class AssetsConfig:
    """Your own meshes: every folder in ``dirs`` becomes the scene's object categories (see
    :mod:`simgen.assets.user` for the folder rule and ``assets.yaml``).

    units: ``m``, ``mm`` or ``auto`` (mm when a mesh spans more than 2 units), unless its
    assets.yaml says otherwise. Collision decompositions are cached in ``cache_dir``
    (default ``$SIMGEN_CACHE_DIR`` or ``~/.cache/simgen``). A mesh whose volume is below
    ``1 - convex_tolerance`` of its convex hull's is concave and gets a decomposition.
    """

    dirs: list[str] = field(default_factory=list)
    units: str = "auto"
    skip_invalid: bool = False
    cache_dir: str | None = None
    convex_tolerance: float = 0.03


@dataclass
class SimgenConfig:
    """The job: which scene, how many frames, with which seed, written where."""

    scene: Any = MISSING
    frames: int = 50
    seed: int = 0
    output_dir: str | None = None
    validate: bool = True
    renderer: RendererConfig = field(default_factory=RendererConfig)
    labels: LabelsConfig = field(default_factory=LabelsConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    farm: FarmConfig = field(default_factory=FarmConfig)
    assets: AssetsConfig = field(default_factory=AssetsConfig)
