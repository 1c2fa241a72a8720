"""Load an :class:`~simgen.core.spec.AssetRef` into one visual mesh in the body's link frame.

Physics, render and annotate all read the same :class:`LoadedAsset`, so the picture, the
collision shape and the labels agree. Results are cached per process by asset.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import trimesh

from simgen.assets.urdf import read_urdf
from simgen.core.errors import AssetError
from simgen.core.spec import AssetRef

PRIMITIVE_SHAPES = ("box", "sphere", "cylinder", "capsule", "cone")
DEFAULT_DENSITY = 400.0  # kg/m^3, a light plastic: used where an asset states no mass


@dataclass
class LoadedAsset:
    """Geometry of an asset in its link frame (metres).

    mesh: visual triangle mesh. ``vertices`` (n, 3) are used for amodal extents and 3D boxes.
    bounds: (2, 3) axis-aligned min/max of the visual mesh in the link frame.
    center_of_mass: (3,) in the link frame, what pybullet simulates about (a URDF's inertial
    origin, else the mesh's volume centre); mass in kg.
    """

    ref: AssetRef
    mesh: trimesh.Trimesh
    bounds: np.ndarray
    center_of_mass: np.ndarray
    mass: float

    @property
    def vertices(self) -> np.ndarray:
        return self.mesh.vertices

    @property
    def collision_path(self) -> str | None:
        """Convex decomposition (OBJ, scaled like the mesh by ``ref.scale``), or None: hull."""
        return self.ref.collision or None


def _texture_source(mesh: trimesh.Trimesh):
    """The PIL image a mesh carries on per-vertex UVs (glTF base colour or OBJ map_Kd), or None."""
    visual = mesh.visual
    if not isinstance(visual, trimesh.visual.TextureVisuals) or visual.uv is None or len(visual.uv) != len(mesh.vertices):
        return None
    material = visual.material
    return getattr(material, "baseColorTexture", None) or getattr(material, "image", None)


def own_colours(mesh: trimesh.Trimesh) -> np.ndarray | None:
    """(m, 4) uint8 face colours a mesh file paints its faces with (a PLY's vertex colours,
    averaged per face), or None where it has none or one colour for all (trimesh's default).
    The raster and the path tracer draw face colours as procedural parts' are drawn."""
    visual = mesh.visual
    if not isinstance(visual, trimesh.visual.ColorVisuals) or visual.kind not in ("vertex", "face"):
        return None
    colours = np.asarray(visual.face_colors, np.uint8)
    return None if len(colours) == 0 or (colours == colours[0]).all() else colours


def has_own_colours(mesh: trimesh.Trimesh) -> bool:
    """Whether a loaded asset's mesh keeps colours of its own file on its faces."""
    return isinstance(mesh.visual, trimesh.visual.ColorVisuals) and mesh.visual.kind == "face"


def has_texture(mesh: trimesh.Trimesh) -> bool:
    """Whether the mesh carries its own base-colour image on UVs."""
    return _texture_source(mesh) is not None


def texture_image(mesh: trimesh.Trimesh) -> np.ndarray | None:
    """The (H, W, 3) uint8 base-colour image a mesh carries on its UVs, or None."""
    image = _texture_source(mesh)
    return None if image is None else np.asarray(image.convert("RGB"))


def _primitive(shape: str, size: tuple[float, ...]) -> trimesh.Trimesh:
    try:
        if shape == "box":
            return trimesh.creation.box(extents=size[:3])
        if shape == "sphere":
            return trimesh.creation.icosphere(subdivisions=3, radius=size[0])
        if shape == "cylinder":
            return trimesh.creation.cylinder(radius=size[0], height=size[1], sections=48)
        if shape == "capsule":
            return trimesh.creation.capsule(radius=size[0], height=size[1], count=[24, 24])
        if shape == "cone":
            cone = trimesh.creation.cone(radius=size[0], height=size[1], sections=48)
            cone.apply_translation([0.0, 0.0, -size[1] / 2.0])  # centre the box on the origin
            return cone
    except (IndexError, ValueError) as exc:
        raise AssetError(f"primitive {shape}: bad size {list(size)} ({exc})") from None
    raise AssetError(f"primitive shape '{shape}' is unknown; choose one of {', '.join(PRIMITIVE_SHAPES)}")


def _load_mesh_file(path: str) -> trimesh.Trimesh:
    try:
        mesh = trimesh.load(path, force="mesh", process=True)
    except Exception as exc:  # trimesh raises many types for corrupt files
        reason = " ".join(str(exc).split())  # one line, whatever the loader said
        raise AssetError(f"{path}: cannot load mesh ({type(exc).__name__}: {reason})") from None
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise AssetError(f"{path}: mesh has no triangles")
    return mesh


def urdf_geometry(items) -> trimesh.Trimesh:
    """One mesh in the link frame from URDF ``<visual>`` or ``<collision>`` geometries
    (:class:`~simgen.assets.urdf.UrdfVisual`), each placed by its origin and mesh scale."""
    parts = []
    for vis in items:
        if vis.mesh_path is not None:
            part = _load_mesh_file(vis.mesh_path).copy()
            if len(items) > 1:  # one texture per body: parts are drawn in one colour
                part.visual = trimesh.visual.ColorVisuals(part)
            part.vertices = part.vertices * np.asarray(vis.scale)
        elif vis.box is not None:
            part = trimesh.creation.box(extents=vis.box)
        elif vis.sphere is not None:
            part = trimesh.creation.icosphere(subdivisions=3, radius=vis.sphere)
        else:
            part = trimesh.creation.cylinder(radius=vis.cylinder[0], height=vis.cylinder[1])
        part.apply_transform(vis.origin)
        parts.append(part)
    return parts[0] if len(parts) == 1 else trimesh.util.concatenate(parts)


def _urdf_mesh(path: str) -> tuple[trimesh.Trimesh, float, np.ndarray]:
    """Visual mesh, mass (kg) and centre of mass (the inertial origin pybullet simulates)."""
    link = read_urdf(path)
    return urdf_geometry(link.visuals), link.mass, np.asarray(link.center_of_mass, float)


def _primitive_center_of_mass(shape: str, size: tuple[float, ...]) -> np.ndarray:
    """Closed form for the solid primitives (centred on their box): only the cone's is off centre,
    a quarter of its height above its base."""
    if shape == "cone":
        return np.array([0.0, 0.0, -float(size[1]) / 4.0])
    return np.zeros(3)


def _center_of_mass(mesh: trimesh.Trimesh) -> np.ndarray:
    if mesh.is_volume:
        return np.asarray(mesh.center_mass, float)
    return np.asarray(mesh.bounds.mean(axis=0), float)


def load_asset(ref: AssetRef) -> LoadedAsset:
    """Geometry for ``ref`` in its link frame; raises AssetError naming the file on failure.

    Two bounded caches keep a worker's memory flat over thousands of scenes: files (a URDF
    takes about 6 ms to load, pybullet's duck or mug 35 ms; 256 of them fill within the first
    ~300 tabletop frames) stay cached across scenes; generated
    shapes have sizes drawn per body, so they are kept only long enough to serve their scene's
    several stages (randomizer, physics, render, labels).
    """
    if ref.kind in ("urdf", "mesh"):
        return _load_file_asset(ref)
    return _build_asset(ref)


@lru_cache(maxsize=256)
def _load_file_asset(ref: AssetRef) -> LoadedAsset:
    return _make_asset(ref)


@lru_cache(maxsize=128)
def _build_asset(ref: AssetRef) -> LoadedAsset:
    return _make_asset(ref)


def _make_asset(ref: AssetRef) -> LoadedAsset:
    com = None
    if ref.kind == "primitive":
        mesh = _primitive(ref.shape, ref.size)
        mass = None
        com = _primitive_center_of_mass(ref.shape, ref.size)
    elif ref.kind == "urdf":
        mesh, mass, com = _urdf_mesh(ref.path)
    elif ref.kind == "mesh":
        mesh, mass = _load_mesh_file(ref.path), None
    elif ref.kind == "procedural":  # built in code; keeps its per-face colours
        from simgen.assets.procedural import build

        mesh, mass = build(ref.shape, ref.size), None
    else:
        raise AssetError(f"asset kind '{ref.kind}' is unknown; choose urdf, mesh, primitive or procedural")
    if ref.scale != 1.0:
        mesh = mesh.copy()
        mesh.apply_scale(ref.scale)
        if mass is not None:
            mass *= ref.scale**3
        if com is not None:
            com = com * ref.scale
    if ref.kind == "mesh" and not has_texture(mesh) and own_colours(mesh) is not None:
        mesh.visual = trimesh.visual.ColorVisuals(mesh, face_colors=own_colours(mesh))  # a PLY's painted colours
    elif ref.kind != "procedural" and not has_texture(mesh):  # drop file colours: randomizers choose
        mesh.visual = trimesh.visual.ColorVisuals(mesh)  # (a texture may stay; procedural colours stay)
    if ref.kind == "procedural":  # kinematic street parts: nothing simulates them, so their mass and
        com = np.asarray(mesh.bounds.mean(axis=0), float)  # centre are the box's (a watertightness
        mass = max(float(np.prod(mesh.extents)) * DEFAULT_DENSITY, 1e-3)  # check costs 4 ms a part)
    elif com is None:  # a URDF states its own
        com = _center_of_mass(mesh)
    if mass is None:
        closed = ref.kind == "primitive" or mesh.is_volume  # primitives are closed by construction
        volume = abs(mesh.volume) if closed else float(np.prod(mesh.extents))
        mass = max(volume * DEFAULT_DENSITY, 1e-3)
    return LoadedAsset(ref=ref, mesh=mesh, bounds=np.asarray(mesh.bounds, float), center_of_mass=com, mass=float(mass))
