"""Dataclass schemas for every setting. Hydra checks types against them at start-up.

Each stage receives the small dataclass it needs (``RendererConfig``, ``LabelsConfig``...),
never the whole job config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from omegaconf import MISSING

from simgen.config.looks import ConditionsConfig, WallsConfig


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


def _kitti_types() -> dict[str, str]:
    return {"car": "Car", "van": "Van", "truck": "Truck", "bus": "Misc", "pedestrian": "Pedestrian",
            "cyclist": "Cyclist", "traffic_sign": "", "traffic_light": ""}


@dataclass
class KittiConfig:
    """KITTI object labels. ``types``: category -> KITTI type; "" or an unlisted category is
    not written to label_2 (KITTI has no bus, sign or light type). ``occlusion_levels``
    (v0, v1): occluded = 0 if visibility >= v0, 1 if >= v1, else 2 (3, unknown, is never
    written: visibility is measured). ``bbox``: ``amodal`` (the whole object's extent clipped
    to the image, as KITTI's boxes are) or ``visible`` (the COCO box)."""

    types: dict[str, str] = field(default_factory=_kitti_types)
    occlusion_levels: list[float] = field(default_factory=lambda: [0.9, 0.5])
    bbox: str = "amodal"


@dataclass
class YoloConfig:
    """ultralytics YOLO labels: ``task`` detect (``cls cx cy w h``) or segment (polygons)."""

    task: str = "detect"


@dataclass
class ExportConfig:
    """Formats to write; the image encoding of RGB frames; the per-pixel layers written."""

    formats: list[str] = field(default_factory=lambda: ["coco"])
    layers: list[str] = field(default_factory=lambda: ["depth", "object_ids", "semantic"])
    image_format: str = "png"  # png (lossless) or jpg
    jpeg_quality: int = 95
    png_compression: int = 1  # 0-9, zlib level: 1 is fast and still lossless
    kitti: KittiConfig = field(default_factory=KittiConfig)
    yolo: YoloConfig = field(default_factory=YoloConfig)


@dataclass
class FarmConfig:
    """How work is spread; none of it changes the dataset (simgen/conf/farm/local.yaml says more)."""

    workers: int = 0  # 0 = all local cores (or the whole cluster); 1 = in-process
    backend: str = "auto"  # auto: local processes, Ray with an address or GPUs; processes; ray
    address: str | None = None  # None: this machine; "auto" or "ray://HOST:PORT": a Ray cluster
    gpus_per_worker: float = 0.0  # fractional shares allowed; each worker renders on its GPU
    scenes_per_shard: int = 0  # unit of work, retry and loss (0: about 4 per worker, at most 16); recorded on the first run
    scenes_per_worker: int = 200  # a worker process is replaced after this many scenes
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


def _object_textures() -> TexturesConfig:
    """Objects of the realistic look: their own textures mostly, else plain, some natural."""
    return TexturesConfig(own=8.0, plain=3.0, checker=0.0, stripes=0.0, noise=0.5, marble=0.3, wood=0.5, scratches=0.7)


def _scenery_textures() -> TexturesConfig:
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
    textures: TexturesConfig = field(default_factory=_object_textures)  # objects and distractors
    scenery_textures: TexturesConfig = field(default_factory=_scenery_textures)  # table top and legs
    background: BackgroundConfig = field(default_factory=BackgroundConfig)  # the floor
    walls: WallsConfig = field(default_factory=WallsConfig)  # a room around the table (geometry)
    # Objects placed at rest need only a short settle to confirm it.
    physics: PhysicsConfig = field(default_factory=lambda: PhysicsConfig(min_steps=20))


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

    @property
    def views_per_scene(self) -> int:
        """Views per frame: one per rig camera."""
        return len(self.rig.cameras)

    def categories(self) -> list[str]:
        """Category names in recipe order (id = position + 1)."""
        return list(dict.fromkeys(c.category for c in self.classes))


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
    scenery_textures: TexturesConfig = field(default_factory=_scenery_textures)  # the bin
    background: BackgroundConfig = field(default_factory=BackgroundConfig)
    physics: PhysicsConfig = field(default_factory=PhysicsConfig)


# Scene kinds: a recipe's ``kind`` picks the schema its file is checked against.
SCENE_SCHEMAS: dict[str, type] = {"tabletop": TabletopSceneConfig, "bin_picking": BinPickingSceneConfig,
                                  "driving": DrivingSceneConfig}


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
    scene kinds that record conditions."""

    classes: dict[str, float] = field(default_factory=dict)
    conditions: dict[str, float] = field(default_factory=dict)


@dataclass
class SplitsConfig:
    """Share of the scenes in each split (summing to 1), assigned by scene (see simgen.splits)."""

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
