"""Minimal reader for single-link URDFs: what the renderer needs to draw what pybullet simulates.

pybullet places a URDF's link frame where asked but reports the inertial frame; the visual
meshes hang off the link frame with their own origin and scale. This reader returns those
visuals in the link frame so the render stage can mirror the body exactly.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from simgen.core.errors import AssetError


@dataclass
class UrdfVisual:
    """One ``<visual>``: geometry in the link frame (``origin`` (4, 4)) and its RGBA colour."""

    origin: np.ndarray
    mesh_path: str | None = None
    scale: tuple[float, float, float] = (1.0, 1.0, 1.0)
    box: tuple[float, float, float] | None = None
    sphere: float | None = None
    cylinder: tuple[float, float] | None = None  # radius, length
    rgba: tuple[float, float, float, float] | None = None


@dataclass
class UrdfLink:
    """visuals in the link frame; mass (kg); center_of_mass (3,) metres in the link frame:
    the inertial origin pybullet simulates about."""

    visuals: list[UrdfVisual]
    mass: float
    center_of_mass: tuple[float, float, float] = (0.0, 0.0, 0.0)
    collisions: list[UrdfVisual] = field(default_factory=list)  # <collision> geometry, same fields


def _origin(elem: ET.Element | None) -> np.ndarray:
    T = np.eye(4)
    if elem is None:
        return T
    xyz = [float(v) for v in elem.get("xyz", "0 0 0").split()]
    rpy = [float(v) for v in elem.get("rpy", "0 0 0").split()]
    T[:3, :3] = Rotation.from_euler("xyz", rpy).as_matrix()  # URDF: fixed-axis roll, pitch, yaw
    T[:3, 3] = xyz
    return T


def read_urdf(path: str | Path) -> UrdfLink:
    """The visuals and mass of a URDF's single link; multi-link robots are refused."""
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise AssetError(f"{path}: cannot read URDF ({exc})") from None
    links = root.findall("link")
    if len(links) != 1 or root.findall("joint"):
        raise AssetError(f"{path}: only single-link URDFs are supported as objects, found {len(links)} links")
    link = links[0]
    visuals = [v for v in (_geometry(e, path) for e in link.findall("visual")) if v is not None]
    collisions = [v for v in (_geometry(e, path) for e in link.findall("collision")) if v is not None]
    if not visuals:
        raise AssetError(f"{path}: URDF link has no visual geometry")
    mass_elem = link.find("inertial/mass")
    mass = float(mass_elem.get("value")) if mass_elem is not None else 0.1
    com = tuple(float(v) for v in _origin(link.find("inertial/origin"))[:3, 3])
    return UrdfLink(visuals=visuals, mass=mass, center_of_mass=com, collisions=collisions)


def _geometry(elem: ET.Element, path: Path) -> UrdfVisual | None:
    """The geometry of a ``<visual>`` or ``<collision>`` element, or None if it has none we read."""
    geom = elem.find("geometry")
    if geom is None:
        return None
    v = UrdfVisual(origin=_origin(elem.find("origin")))
    mesh, box, sphere, cyl = (geom.find(t) for t in ("mesh", "box", "sphere", "cylinder"))
    if mesh is not None:
        v.mesh_path = str((path.parent / mesh.get("filename", "")).resolve())
        scale = [float(s) for s in mesh.get("scale", "1 1 1").split()]
        v.scale = tuple(scale * 3 if len(scale) == 1 else scale)
    elif box is not None:
        v.box = tuple(float(s) for s in box.get("size").split())
    elif sphere is not None:
        v.sphere = float(sphere.get("radius"))
    elif cyl is not None:
        v.cylinder = (float(cyl.get("radius")), float(cyl.get("length")))
    else:
        return None
    color = elem.find("material/color")
    if color is not None:
        v.rgba = tuple(float(c) for c in color.get("rgba").split())
    return v
