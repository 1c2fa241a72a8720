"""Mitsuba meshes and materials from :class:`~simgen.render.pathtrace.geometry.BodyMesh` arrays.

Meshes are filled from buffers (no files). Surfaces are two-sided principled BSDFs (the fast
shader lights a surface from whichever side the camera sees). Bodies without a texture image
share one BSDF that reads base colour, metallic and roughness from per-face mesh attributes:
a BSDF object per body, each with its own attribute lookup, made drjit's LLVM backend compile
for about 10 s per driving scene (43 bodies) instead of about 1 s. Textured bodies have their
own BSDF with the image as a bitmap on their UVs.
"""

from __future__ import annotations

import numpy as np

from simgen.render.pathtrace.geometry import BodyMesh, posed

# Per-face mesh attributes read by the shared BSDF: linear RGB (3), metallic (1), roughness (1).
FACE_COLOR, FACE_METALLIC, FACE_ROUGHNESS = "face_color", "face_metallic", "face_roughness"


def shape_name(instance_id: int) -> str:
    """The Mitsuba id of body ``instance_id``'s mesh."""
    return f"body{instance_id}"


def shared_bsdf(mi):
    """The BSDF of every body without a texture image: its parameters are face attributes."""
    principled = {"type": "principled",
                  "base_color": {"type": "mesh_attribute", "name": FACE_COLOR},
                  "metallic": {"type": "mesh_attribute", "name": FACE_METALLIC},
                  "roughness": {"type": "mesh_attribute", "name": FACE_ROUGHNESS}}
    return mi.load_dict({"type": "twosided", "bsdf": principled})


def textured_bsdf(mi, body: BodyMesh):
    """The BSDF of a body with a texture image: the image (linear RGB) on its UVs."""
    color = {"type": "bitmap", "bitmap": mi.Bitmap(body.image), "raw": True, "filter_type": "bilinear",
             "wrap_mode": "repeat"}
    principled = {"type": "principled", "base_color": color, "metallic": body.metallic,
                  "roughness": body.roughness}
    return mi.load_dict({"type": "twosided", "bsdf": principled})


def mesh(mi, body: BodyMesh, pose: np.ndarray, shared):
    """A Mitsuba mesh of ``body`` at world ``pose`` (4, 4): world vertices, faces, normals
    (smooth bodies), UVs and its own BSDF (textured bodies), or the ``shared`` BSDF
    (:func:`shared_bsdf`) and face attributes (the others)."""
    props = mi.Properties()
    props["bsdf"] = shared if body.image is None else textured_bsdf(mi, body)
    out = mi.Mesh(shape_name(body.instance_id), len(body.positions), len(body.faces),
                  props=props, has_vertex_normals=body.normals is not None,
                  has_vertex_texcoords=body.uvs is not None)
    if body.image is None:
        n = len(body.faces)
        colors = body.face_colors if body.face_colors is not None else np.tile(body.base_color, (n, 1))
        out.add_attribute(FACE_COLOR, 3, np.ascontiguousarray(colors, np.float32).ravel())
        out.add_attribute(FACE_METALLIC, 1, np.full(n, body.metallic, np.float32))
        out.add_attribute(FACE_ROUGHNESS, 1, np.full(n, body.roughness, np.float32))
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
