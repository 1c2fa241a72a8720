"""SceneSpec: plain data describing a scene, everything needed to rebuild it.

Randomizers produce it, physics and render read it, and it is serializable (``to_dict``, and
``from_dict`` back) so a frame can be re-rendered from its record. Poses are (4, 4) world
transforms in metres, z up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from simgen.core.lens import Lens


@dataclass(frozen=True)
class AssetRef:
    """Where a body's geometry comes from.

    kind: ``urdf`` (path to a URDF), ``mesh`` (path to a mesh file), ``primitive``
    (``shape`` in box, sphere, cylinder, capsule, cone with ``size`` in metres:
    box (x, y, z); sphere (radius,); cylinder, capsule, cone (radius, height)) or
    ``procedural`` (``shape`` names a builder of :mod:`simgen.assets.procedural`, ``size`` its
    parameters: a car's dimensions and paint, or a street's merged scenery).
    ``scale`` multiplies the geometry uniformly (URDFs keep their own mesh scale too).
    ``collision`` (mesh kind) names a convex decomposition scaled like the mesh; the same link
    frame holds both, so what is drawn and what collides stay aligned.
    """

    kind: str
    path: str = ""
    shape: str = ""
    size: tuple[float, ...] = ()
    scale: float = 1.0
    collision: str = ""  # OBJ of convex parts in the mesh file's frame and units; "" = convex hull

    @classmethod
    def from_dict(cls, d: dict) -> AssetRef:
        return cls(kind=d["kind"], path=d["path"], shape=d["shape"], size=tuple(d["size"]), scale=d["scale"],
                   collision=d["collision"])


PROCEDURAL_TEXTURES = ("checker", "stripes", "noise", "marble", "wood", "scratches")  # Texture.kind


@dataclass
class Texture:
    """A base-colour texture, described (not stored) so the spec stays small and replayable.

    kind: ``asset`` (the mesh file's own image on its own UVs), ``image`` (the file ``path``),
    or procedural ``checker``, ``stripes``, ``noise``, ``marble``, ``wood``, ``scratches`` (from ``colors`` (RGB in [0, 1]) and
    ``seed``). Meshes without UVs get a box projection repeating every ``tile`` metres.
    """

    kind: str
    path: str = ""
    colors: tuple[tuple[float, float, float], ...] = ()
    tile: float = 0.05
    seed: int = 0

    @classmethod
    def from_dict(cls, d: dict) -> Texture:
        return cls(kind=d["kind"], path=d["path"], colors=tuple(tuple(c) for c in d["colors"]), tile=d["tile"],
                   seed=d["seed"])


MATERIAL_KINDS = ("principled", "glass", "metal", "plastic")  # Material.kind


@dataclass
class Material:
    """PBR material: linear RGBA base colour in [0, 1], metallic and roughness in [0, 1].

    With a ``texture``, the base colour multiplies the texture's colours. ``kind`` says what
    the path tracer makes of it: ``principled`` (metallic-roughness, as the raster draws
    everything), ``glass`` (a clear dielectric tinted by the base colour), ``metal`` (a rough
    conductor reflecting the base colour) or ``plastic`` (a clear coat over the base colour);
    the raster draws every kind through its metallic-roughness shader.
    """

    base_color: tuple[float, float, float, float] = (0.7, 0.7, 0.7, 1.0)
    metallic: float = 0.0
    roughness: float = 0.7
    texture: Texture | None = None
    kind: str = "principled"

    @classmethod
    def from_dict(cls, d: dict) -> Material:
        return cls(base_color=tuple(d["base_color"]), metallic=d["metallic"], roughness=d["roughness"],
                   texture=None if d["texture"] is None else Texture.from_dict(d["texture"]),
                   kind=d.get("kind", "principled"))


@dataclass
class BodySpec:
    """One rigid body. ``category`` names a labeled object; ``None`` marks scenery (stuff).

    ``instance_id`` is unique in the scene, 1-based, and stays with the body in every view.
    ``support_top`` is the z of a slab's top face for scenery that lies wholly below it (table,
    ground): nothing above that plane can be hidden by it from a camera above it.
    """

    instance_id: int
    asset: AssetRef
    pose: np.ndarray
    category: str | None = None
    material: Material | None = None
    static: bool = False
    mass: float | None = None
    support_top: float | None = None
    friction: float | None = None  # lateral friction coefficient; None = the physics default

    @classmethod
    def from_dict(cls, d: dict) -> BodySpec:
        return cls(instance_id=d["instance_id"], asset=AssetRef.from_dict(d["asset"]), pose=_matrix(d["pose"]),
                   category=d["category"], material=None if d["material"] is None else Material.from_dict(d["material"]),
                   static=d["static"], mass=d["mass"], support_top=d["support_top"], friction=d["friction"])


@dataclass
class LightSpec:
    """``kind`` directional, point or spot; ``pose`` orients it (lights shine down their local
    -z). Intensity: lux for directional lights, candela for point and spot lights (pyrender's
    units). Spot cones: full intensity inside ``inner_cone``, none outside ``outer_cone``
    (half-angles, radians). ``rides_on``: the instance id of a body the light moves with (a
    vehicle's head and tail lights): ``pose`` is its pose while the body stands at
    ``BodySpec.pose``, and the light keeps its place on the body as the body moves."""

    kind: str
    color: tuple[float, float, float]
    intensity: float
    pose: np.ndarray
    inner_cone: float = 0.0
    outer_cone: float = np.pi / 4
    rides_on: int | None = None

    @classmethod
    def from_dict(cls, d: dict) -> LightSpec:
        return cls(kind=d["kind"], color=tuple(d["color"]), intensity=d["intensity"], pose=_matrix(d["pose"]),
                   inner_cone=d["inner_cone"], outer_cone=d["outer_cone"], rides_on=d.get("rides_on"))


@dataclass
class Atmosphere:
    """What the air does to a scene's images, applied after drawing (labels never change).

    ``fog_density`` (1/m): a surface at distance z keeps ``exp(-fog_density * z)`` of its colour
    and takes the rest from ``fog_color`` (linear RGB in [0, 1]); 0 = clear air. ``rain`` in
    [0, 1]: strength of rain streaks over the image; 0 = dry."""

    fog_density: float = 0.0
    fog_color: tuple[float, float, float] = (0.7, 0.72, 0.75)
    rain: float = 0.0

    @classmethod
    def from_dict(cls, d: dict) -> Atmosphere:
        return cls(fog_density=d["fog_density"], fog_color=tuple(d["fog_color"]), rain=d["rain"])


@dataclass
class CameraSpec:
    """A camera: ``K`` (3, 3) pixels, OpenCV ``cam_to_world`` (4, 4), clip planes (m) and its
    ``lens`` (None: an ideal pinhole; :class:`simgen.core.lens.Lens`: OpenCV's distortion)."""

    K: np.ndarray
    width: int
    height: int
    cam_to_world: np.ndarray
    znear: float
    zfar: float
    lens: Lens | None = None

    @classmethod
    def from_dict(cls, d: dict) -> CameraSpec:
        return cls(K=_matrix(d["K"]), width=d["width"], height=d["height"], cam_to_world=_matrix(d["cam_to_world"]),
                   znear=d["znear"], zfar=d["zfar"], lens=Lens.from_dict(d["lens"]) if d.get("lens") else None)


@dataclass
class FrameSpec:
    """One time step of a sequence: world poses (4, 4) of the bodies that moved, by instance id
    (the others keep ``BodySpec.pose``), and the cameras that see this step."""

    time: float
    poses: dict[int, np.ndarray] = field(default_factory=dict)
    cameras: list[CameraSpec] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d: dict) -> FrameSpec:
        """Instance ids that JSON turned into str keys become int again."""
        return cls(time=d["time"], poses={int(k): _matrix(v) for k, v in d["poses"].items()},
                   cameras=[CameraSpec.from_dict(c) for c in d["cameras"]])


@dataclass
class ScenarioTag:
    """What a scene's scenario (a driving event such as a pedestrian stepping out) is doing at
    one frame: its ``name``, ``phase`` (before, onset, after the event) and the instance ids
    of its ``actors`` with their roles (``roles``: instance id -> role, e.g. occluder)."""

    name: str
    phase: str
    actors: list[int]
    roles: dict[int, str]


SCENARIO_PHASES = ("before", "onset", "after")


class SceneContext:
    """What a scene kind's randomizers share while they build one scene (a street's layout, the
    paths of road users): typed data owned by the kind, built once per scene, so no randomizer
    parses another's strings. A subclass names its ``kind`` and serializes itself (``to_dict``
    JSON-ready, with ``kind``; ``from_dict`` the inverse); defining it registers it, so
    :meth:`SceneSpec.from_dict` rebuilds a recorded context as its own type."""

    kind: ClassVar[str]
    _types: ClassVar[dict[str, type[SceneContext]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        SceneContext._types[cls.kind] = cls

    def to_dict(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_dict(cls, d: dict) -> SceneContext:
        raise NotImplementedError

    def drawn_conditions(self) -> dict:
        """Time of day and weather the scene was drawn with, for the report; {} where none."""
        return {}

    def scenario_at(self, frame_index: int) -> ScenarioTag | None:
        """The scene's scenario at frame ``frame_index`` of its sequence; None where none."""
        return None

    def parts(self) -> dict[int, int]:
        """Labeled bodies that are parts of another labeled body: part instance id -> the
        whole's. A part keeps its own label, and its visible pixels count in the whole's mask
        too (a defect on its product); {} where none."""
        return {}

    def image_fields(self, visible: dict[int, int]) -> dict:
        """Fields of a view's image record beside the standard ones (an image-level label),
        from the visible pixel count per labeled instance id; {} where none."""
        return {}

    @staticmethod
    def rebuild(d: dict | None) -> SceneContext | None:
        """The context a :meth:`to_dict` recorded, as the type of its ``kind``."""
        if not d:
            return None
        kind = d.get("kind")
        if kind not in SceneContext._types:
            raise ValueError(f"scene context of kind {kind!r} is unknown here: import its scene kind first "
                             f"(simgen.plugins imports the built-in ones); known: {sorted(SceneContext._types)}")
        return SceneContext._types[kind].from_dict(d)


@dataclass
class SceneSpec:
    """Scene ``index`` of a job with ``seed``: bodies, lights, the views to render."""

    index: int
    seed: int
    bodies: list[BodySpec] = field(default_factory=list)
    lights: list[LightSpec] = field(default_factory=list)
    cameras: list[CameraSpec] = field(default_factory=list)
    ambient: tuple[float, float, float] = (0.2, 0.2, 0.2)  # linear RGB, from the sky (surfaces facing up)
    ambient_ground: tuple[float, float, float] | None = None  # from below (facing down); None = ambient
    background: tuple[float, float, float] = (0.0, 0.0, 0.0)
    keep_above: float | None = None  # after settling, objects whose lowest point fell below go
    frames: list[FrameSpec] = field(default_factory=list)  # a sequence; empty: one frame of ``cameras``
    context: SceneContext | None = None  # typed data a kind's randomizers share (road layout)
    atmosphere: Atmosphere = field(default_factory=Atmosphere)  # fog and rain, for the image stage

    def next_instance_id(self) -> int:
        return 1 + max((b.instance_id for b in self.bodies), default=0)

    def sequence(self) -> list[FrameSpec]:
        """The time steps to render: ``frames``, or one still frame seen by ``cameras``."""
        return self.frames or [FrameSpec(time=0.0, cameras=self.cameras)]

    def to_dict(self) -> dict:
        """JSON-ready copy (arrays become nested lists; the context serializes itself)."""
        d = _jsonable(asdict(replace(self, context=None)))
        d["context"] = None if self.context is None else _jsonable(self.context.to_dict())
        return d

    @classmethod
    def from_dict(cls, d: dict) -> SceneSpec:
        """The spec :meth:`to_dict` recorded, also after a JSON round trip: arrays become float
        arrays again, lists tuples where the fields hold tuples, str instance-id keys int."""
        return cls(index=d["index"], seed=d["seed"], bodies=[BodySpec.from_dict(b) for b in d["bodies"]],
                   lights=[LightSpec.from_dict(li) for li in d["lights"]],
                   cameras=[CameraSpec.from_dict(c) for c in d["cameras"]], ambient=tuple(d["ambient"]),
                   ambient_ground=None if d["ambient_ground"] is None else tuple(d["ambient_ground"]),
                   background=tuple(d["background"]), keep_above=d["keep_above"],
                   frames=[FrameSpec.from_dict(f) for f in d["frames"]], context=SceneContext.rebuild(d["context"]),
                   atmosphere=Atmosphere.from_dict(d["atmosphere"]))


def _matrix(rows) -> np.ndarray:
    return np.asarray(rows, dtype=float)


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
