"""Mitsuba meshes and materials from :class:`~simgen.render.pathtrace.geometry.BodyMesh` arrays.

Meshes are filled from buffers (no files). Surfaces are two-sided (the fast shader lights a
surface from whichever side the camera sees), principled BSDFs but for the material kinds glass,
metal and plastic (:func:`own_bsdf`). Untextured principled bodies share one BSDF that reads base colour, metallic and roughness from per-face mesh attributes:
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


GLASS_IOR = 1.5  # soda-lime glass; also the clear coat's


def shared_bsdf(mi):
    """The BSDF of every untextured principled body: its parameters are face attributes."""
    principled = {"type": "principled",
                  "base_color": {"type": "mesh_attribute", "name": FACE_COLOR},
                  "metallic": {"type": "mesh_attribute", "name": FACE_METALLIC},
                  "roughness": {"type": "mesh_attribute", "name": FACE_ROUGHNESS}}
    return mi.load_dict({"type": "twosided", "bsdf": principled})


def shares_bsdf(body: BodyMesh) -> bool:
    """Whether ``body`` draws with :func:`shared_bsdf`: untextured and of the principled kind."""
    return body.image is None and body.kind == "principled"


def own_bsdf(mi, body: BodyMesh):
    """The BSDF of a body that does not share one: by its material kind a clear dielectric
    (glass, tinted by the base colour), a rough conductor (metal), a rough plastic (a clear
    coat over its colours), else the principled BSDF with its texture image on its UVs."""
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
    elif body.face_colors is not None and body.kind == "principled":
        color = {"type": "mesh_attribute", "name": FACE_COLOR}
    else:  # roughplastic needs a texture with a mean: a part's face colours become their average
        flat = body.base_color if body.face_colors is None else body.face_colors.mean(axis=0)
        color = {"type": "rgb", "value": np.asarray(flat, float).tolist()}
    if body.kind == "plastic":
        coated = {"type": "roughplastic", "diffuse_reflectance": color, "alpha": alpha, "int_ior": GLASS_IOR}
        return mi.load_dict({"type": "twosided", "bsdf": coated})
    principled = {"type": "principled", "base_color": color, "metallic": body.metallic,
                  "roughness": body.roughness}
    return mi.load_dict({"type": "twosided", "bsdf": principled})


def mesh(mi, body: BodyMesh, pose: np.ndarray, shared):
    """A Mitsuba mesh of ``body`` at world ``pose`` (4, 4): world vertices, faces, normals
    (smooth bodies), UVs (textured bodies), face attributes (untextured bodies) and the
    ``shared`` BSDF (:func:`shared_bsdf`) or its own (:func:`own_bsdf`)."""
    props = mi.Properties()
    props["bsdf"] = shared if shares_bsdf(body) else own_bsdf(mi, body)
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
