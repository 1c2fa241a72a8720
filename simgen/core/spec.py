"""SceneSpec: plain data describing a scene, everything needed to rebuild it.

Randomizers produce it, physics and render read it, and it is serializable (``to_dict``) so a
frame can be re-rendered from its record. Poses are (4, 4) world transforms in metres, z up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np


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


@dataclass
class Material:
    """PBR material: linear RGBA base colour in [0, 1], metallic and roughness in [0, 1].

    With a ``texture``, the base colour multiplies the texture's colours.
    """

    base_color: tuple[float, float, float, float] = (0.7, 0.7, 0.7, 1.0)
    metallic: float = 0.0
    roughness: float = 0.7
    texture: Texture | None = None


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


@dataclass
class LightSpec:
    """``kind`` directional, point or spot; ``pose`` orients it (lights shine down their local
    -z). Intensity: lux for directional lights, candela for point and spot lights (pyrender's
    units). Spot cones: full intensity inside ``inner_cone``, none outside ``outer_cone``
    (half-angles, radians)."""

    kind: str
    color: tuple[float, float, float]
    intensity: float
    pose: np.ndarray
    inner_cone: float = 0.0
    outer_cone: float = np.pi / 4


@dataclass
class Atmosphere:
    """What the air does to a scene's images, applied after drawing (labels never change).

    ``fog_density`` (1/m): a surface at distance z keeps ``exp(-fog_density * z)`` of its colour
    and takes the rest from ``fog_color`` (linear RGB in [0, 1]); 0 = clear air. ``rain`` in
    [0, 1]: strength of rain streaks over the image; 0 = dry."""

    fog_density: float = 0.0
    fog_color: tuple[float, float, float] = (0.7, 0.72, 0.75)
    rain: float = 0.0


@dataclass
class CameraSpec:
    """A pinhole camera: ``K`` (3, 3) pixels, OpenCV ``cam_to_world`` (4, 4), clip planes (m)."""

    K: np.ndarray
    width: int
    height: int
    cam_to_world: np.ndarray
    znear: float
    zfar: float


@dataclass
class FrameSpec:
    """One time step of a sequence: world poses (4, 4) of the bodies that moved, by instance id
    (the others keep ``BodySpec.pose``), and the cameras that see this step."""

    time: float
    poses: dict[int, np.ndarray] = field(default_factory=dict)
    cameras: list[CameraSpec] = field(default_factory=list)


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
    context: dict = field(default_factory=dict)  # plain data a kind's randomizers share (road layout)
    atmosphere: Atmosphere = field(default_factory=Atmosphere)  # fog and rain, for the image stage

    def next_instance_id(self) -> int:
        return 1 + max((b.instance_id for b in self.bodies), default=0)

    def sequence(self) -> list[FrameSpec]:
        """The time steps to render: ``frames``, or one still frame seen by ``cameras``."""
        return self.frames or [FrameSpec(time=0.0, cameras=self.cameras)]

    def to_dict(self) -> dict:
        """JSON-ready copy (arrays become nested lists)."""
        return _jsonable(asdict(self))


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
