"""Mitsuba meshes and materials from :class:`~simgen.render.pathtrace.geometry.BodyMesh` arrays.

Meshes are filled from buffers (no files); each carries a two-sided principled BSDF (the fast
shader lights a surface from whichever side the camera sees) with the body's base colour, its
face colours (a per-face mesh attribute) or its texture image, and its metallic and roughness.
"""

from __future__ import annotations

import numpy as np

from simgen.render.pathtrace.geometry import BodyMesh, posed

FACE_COLOR = "face_color"  # the mesh attribute holding face colours


def shape_name(instance_id: int) -> str:
    """The Mitsuba id of body ``instance_id``'s mesh."""
    return f"body{instance_id}"


GLASS_IOR = 1.5  # soda-lime glass


def bsdf(mi, body: BodyMesh):
    """The BSDF of ``body``: by its material kind a clear dielectric (glass), a rough conductor
    (metal), a rough plastic (a clear coat), else the two-sided principled BSDF."""
    if body.kind == "glass":
        return mi.load_dict({"type": "dielectric", "int_ior": GLASS_IOR,
                             "specular_transmittance": {"type": "rgb", "value": body.base_color.tolist()}})
    alpha = max(body.roughness, 0.05) ** 2  # the GGX width of a perceptual roughness
    if body.kind == "metal":
        return mi.load_dict({"type": "twosided", "bsdf": {
            "type": "roughconductor", "material": "none", "alpha": alpha,
            "specular_reflectance": {"type": "rgb", "value": body.base_color.tolist()}}})
    if body.image is not None:
        color = {"type": "bitmap", "bitmap": mi.Bitmap(body.image), "raw": True, "filter_type": "bilinear",
                 "wrap_mode": "repeat"}
    elif body.face_colors is not None:
        color = {"type": "mesh_attribute", "name": FACE_COLOR}
    else:
        color = {"type": "rgb", "value": body.base_color.tolist()}
    if body.kind == "plastic":
        coated = {"type": "roughplastic", "diffuse_reflectance": color, "alpha": alpha, "int_ior": GLASS_IOR}
        return mi.load_dict({"type": "twosided", "bsdf": coated})
    principled = {"type": "principled", "base_color": color, "metallic": body.metallic, "roughness": body.roughness}
    return mi.load_dict({"type": "twosided", "bsdf": principled})


def mesh(mi, body: BodyMesh, pose: np.ndarray):
    """A Mitsuba mesh of ``body`` at world ``pose`` (4, 4): world vertices, faces, normals
    (smooth bodies), UVs (textured bodies), face colours (procedural parts)."""
    props = mi.Properties()
    props["bsdf"] = bsdf(mi, body)
    out = mi.Mesh(shape_name(body.instance_id), len(body.positions), len(body.faces),
                  props=props, has_vertex_normals=body.normals is not None,
                  has_vertex_texcoords=body.uvs is not None)
    if body.face_colors is not None:
        out.add_attribute(FACE_COLOR, 3, body.face_colors.ravel())
    params = mi.traverse(out)
    positions, normals = posed(body, pose)
    params["vertex_positions"] = positions.ravel()
    params["faces"] = body.faces.ravel()
    if normals is not None:
        params["vertex_normals"] = normals.ravel()
    if body.uvs is not None:
        params["vertex_texcoords"] = body.uvs.ravel()
    params.update()
    return out
