"""Dataclass schemas for every setting. Hydra checks types against them at start-up.

Each stage receives the small dataclass it needs (``RendererConfig``, ``LabelsConfig``...),
never the whole job config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from simgen.config.lens import CameraConfig  # the camera's lens (simgen.core.lens)
from simgen.config.lidar import LidarConfig  # the LiDAR's settings (simgen.sensor.lidar)
from simgen.config.pathtrace import (
    PathTraceConfig,  # the path tracer's settings (simgen.render.pathtrace)
)
from simgen.config.sensor import SensorConfig  # the image stage's settings (simgen.sensor)


@dataclass
class RendererConfig:
    """Image size in pixels; ``msaa`` samples of the colour pass (0 = no anti-aliasing; label
    passes always use one sample); ``shading`` fast (Lambert + Blinn-Phong) or pbr (pyrender's
    metallic-roughness BRDF); ``egl_device`` picks the GPU on multi-GPU nodes. ``shadows``:
    every light casts shadows from depth maps of ``shadow_resolution`` texels a side
    (simgen.render.shadows; fast shading only), filtered with ``shadow_taps`` (1: edges one
    texel soft; 4: about three, dearer); they change the colour image only. ``engine``: who
    draws the colour image, ``raster`` (pyrender) or ``pathtrace`` (Mitsuba 3, the ``photoreal``
    extra, set up by ``pathtrace``); labels always come from the raster's exact passes."""

    width: int = 640
    height: int = 480
    msaa: int = 4
    shading: str = "fast"
    egl_device: int | None = None
    shadows: bool = True
    shadow_resolution: int = 1024
    shadow_taps: int = 1
    engine: str = "raster"
    pathtrace: PathTraceConfig = field(default_factory=PathTraceConfig)


@dataclass
class LabelsConfig:
    """Which objects get a training annotation. Visible objects below the policy (fewer than
    ``min_visible_pixels``, a box side under ``min_box_side`` px, visibility or truncation out
    of range) are kept as ignore regions (COCO ``iscrowd=1``, KITTI ``DontCare``): neither a
    target nor background. Filtered objects still occlude others."""

    min_visible_pixels: int = 16  # a 4x4 px patch: smaller objects carry no learnable appearance
    min_box_side: int = 2  # px: boxes one pixel wide or high become ignore regions
    min_visibility: float = 0.0
    max_truncation: float = 1.0
    keep_hidden: bool = False  # fully hidden but in-frame objects kept with ignore=1
    amodal_masks: bool = False  # write segmentation_amodal RLE per annotation


@dataclass
class ExportConfig:
    """Formats to write; the image encoding of RGB frames; the per-pixel layers written. Each
    format's own settings (``export.kitti``...) live beside its writer (``Writer.config``); the
    composition root adds them (:func:`simgen.job.export_schema`)."""

    formats: list[str] = field(default_factory=lambda: ["coco"])
    layers: list[str] = field(default_factory=lambda: ["depth", "object_ids", "semantic"])
    image_format: str = "png"  # png (lossless) or jpg
    jpeg_quality: int = 95
    png_compression: int = 1  # 0-9, zlib level: 1 is fast and still lossless


@dataclass
class FarmConfig:
    """How work is spread; none of it changes the dataset (simgen/conf/farm/local.yaml says more)."""

    workers: int = 0  # 0 = all local cores (or the whole cluster); 1 = in-process
    backend: str = "auto"  # auto: local processes, Ray with an address or GPUs; processes; ray
    address: str | None = None  # None: this machine; "auto" or "ray://HOST:PORT": a Ray cluster
    gpus_per_worker: float = 0.0  # fractional shares allowed; each worker renders on its GPU
    scenes_per_shard: int = 0  # unit of work, retry and loss (0: about 4 per worker, at most 16); recorded on the first run
    scenes_per_worker: int = 200  # a worker (process or in-process) is replaced after this many scenes
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


def _light_kinds() -> dict[str, float]:
    return {"directional": 0.5, "point": 0.25, "spot": 0.25}


@dataclass
class LightsConfig:
    """Random lights (randomizer ``lights``, drawn from the looks stream; issue 11).

    ``min_lights``..``max_lights`` lights, each of a kind drawn with ``kind_weights``
    (directional, point, spot), from ``elevation_min_deg``..``elevation_max_deg`` above the
    horizon around the objects' centre; a black body's colour at ``temperature_min_k``..
    ``temperature_max_k`` Kelvin; ``intensity_min``..``intensity_max``: the illuminance (lux)
    it gives the objects' centre (point and spot lights, ``distance_min``..``distance_max``
    metres away, get candela = lux x distance squared). Spot lights aim at the centre (within
    ``spot_aim_jitter`` metres), outer half-angle ``spot_cone_min_deg``..``spot_cone_max_deg``,
    full intensity inside ``spot_inner_fraction`` of it. Ambient: a sky/ground hemisphere,
    ``ambient_min``..``ambient_max`` from above at ``sky_temperature_k``, and
    ``ground_ratio_min``..``ground_ratio_max`` of that from below at ``ground_temperature_k``."""

    min_lights: int = 1
    max_lights: int = 3
    kind_weights: dict[str, float] = field(default_factory=_light_kinds)
    elevation_min_deg: float = 25.0
    elevation_max_deg: float = 85.0
    temperature_min_k: float = 3200.0
    temperature_max_k: float = 7000.0
    intensity_min: float = 0.8
    intensity_max: float = 2.5
    distance_min: float = 1.2
    distance_max: float = 2.5
    spot_aim_jitter: float = 0.15
    spot_cone_min_deg: float = 20.0
    spot_cone_max_deg: float = 45.0
    spot_inner_fraction: float = 0.6
    ambient_min: float = 0.1
    ambient_max: float = 0.35
    sky_temperature_k: float = 8000.0
    ground_temperature_k: float = 4500.0
    ground_ratio_min: float = 0.3
    ground_ratio_max: float = 0.7


@dataclass
class MaterialsConfig:
    """Metallic and roughness ranges of objects' materials, and the relative weights of the
    material kinds an object may get (``simgen.core.spec.Material``): principled (as the raster
    draws), glass, metal and coated plastic, which only the path tracer shows as such."""

    metallic_min: float = 0.0
    metallic_max: float = 0.6
    roughness_min: float = 0.2
    roughness_max: float = 0.9
    principled: float = 1.0
    glass: float = 0.0
    metal: float = 0.0
    plastic: float = 0.0


@dataclass
class PhysicsConfig:
    """Settling: step at ``time_step`` until every body is slower than the rest speeds."""

    time_step: float = 1.0 / 240.0
    # Contact solver iterations per step (pybullet's default). 10 steps a 100-object pile 2.4x
    # faster, but 20-object piles then often jitter on to max_steps without coming to rest.
    solver_iterations: int = 50
    min_steps: int = 60
    max_steps: int = 1500
    rest_linear_speed: float = 0.005  # m/s
    rest_angular_speed: float = 0.05  # rad/s
    # Rolling and spinning friction of objects (pybullet coefficients): spheres and cylinders
    # still roll, but come to rest in tens of steps rather than hundreds.
    rolling_friction: float = 0.01
    spinning_friction: float = 0.01


@dataclass
class TexturesConfig:
    """Relative weights of the looks a body may get, and their sources (objects, distractors and
    scenery each have one; ``simgen/conf/looks/`` presets set them).

    own: the mesh file's texture where it has one (the duck, jenga, textured meshes of your
    own; weight 0 on meshes without one); plain: a random colour; checker, stripes, noise,
    marble, wood, scratches: procedural; image: a random picture from ``image_dir`` (png/jpg;
    weight 0 without one). Tiles span ``tile_min``..``tile_max`` metres where a mesh has no UVs.
    """

    own: float = 2.0
    plain: float = 2.0
    checker: float = 1.0
    stripes: float = 1.0
    noise: float = 1.0
    marble: float = 1.0
    wood: float = 1.0
    scratches: float = 1.0
    image: float = 1.0
    image_dir: str | None = None
    tile_min: float = 0.01
    tile_max: float = 0.05


def object_textures() -> TexturesConfig:
    """Objects of the realistic look: their own textures mostly, else plain, some natural."""
    return TexturesConfig(own=8.0, plain=3.0, checker=0.0, stripes=0.0, noise=0.5, marble=0.3, wood=0.5, scratches=0.7)


def scenery_textures() -> TexturesConfig:
    """Table, floor, walls and bin: wood, stone-like and worn surfaces, larger tiles."""
    return TexturesConfig(own=0.0, plain=1.0, checker=0.0, stripes=0.0, noise=1.0, marble=1.0, wood=2.0, scratches=1.0,
                          tile_min=0.15, tile_max=0.6)


@dataclass
class BackgroundConfig:
    """What lies around the scene: the floor shows a random picture from ``image_dir`` with
    probability ``image_probability`` (when given), else a procedural texture (the scenery
    weights' kinds) or a colour; ``plain_probability`` of the rest are a plain colour."""

    image_dir: str | None = None
    image_probability: float = 0.7
    plain_probability: float = 0.25
    tile_min: float = 0.2
    tile_max: float = 1.0


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
class SequenceConfig:
    """Every scene is a sequence of ``length`` frames ``time_step`` seconds apart (1: still
    scenes). Scene kinds whose things move (driving) accept more than one frame."""

    length: int = 1
    time_step: float = 0.1


@dataclass
class BalanceConfig:
    """Balance by design (see :mod:`simgen.randomizers.balance`). ``classes``: target share of
    instances per class name, each in [0, 1], summing to at most 1 (classes not named share the
    rest by their natural frequency). ``conditions``: target share of scenes per condition, for
    scene kinds that record conditions. ``scenarios``: share of sequences per driving scenario
    (summing to at most 1, the rest ordinary traffic), in place of ``scene.scenarios``."""

    classes: dict[str, float] = field(default_factory=dict)
    conditions: dict[str, float] = field(default_factory=dict)
    scenarios: dict[str, float] = field(default_factory=dict)


@dataclass
class SplitsConfig:
    """Share of the scenes in each split (summing to 1), assigned by scene (see simgen.core.splits)."""

    train: float = 0.8
    val: float = 0.1
    test: float = 0.1

    def fractions(self) -> dict[str, float]:
        return {"train": self.train, "val": self.val, "test": self.test}


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
    sequence: SequenceConfig = field(default_factory=SequenceConfig)
    balance: BalanceConfig = field(default_factory=BalanceConfig)
    report: bool | None = None  # simgen-report after the merge; None: when frames < 10,000
    splits: SplitsConfig = field(default_factory=SplitsConfig)
    sensor: SensorConfig = field(default_factory=SensorConfig)  # camera, sensor and depth sensor model
    lidar: LidarConfig = field(default_factory=LidarConfig)  # lidar=none (default), hdl64, os128
    camera: CameraConfig = field(default_factory=CameraConfig)  # the lens: pinhole, opencv or fisheye
