"""What the raster draws for one body, as plain arrays the path tracer turns into a mesh.

The same choices as :meth:`simgen.render.renderer.Renderer._mesh`: the asset's mesh (or the
textured copy :func:`simgen.render.textures.textured` makes), smooth or flat normals by the
same rule, face colours times the material's base colour, the texture image times the base
colour. Colours are in the raster's linear space: the fast shader squares texels (gamma 2)
and takes face colours and base colours as they are (``simgen/render/shaders/lit.frag``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.core.spec import Material
from simgen.physics.state import SceneState
from simgen.render import textures

# As simgen.render.renderer.SMOOTH_PRIMITIVES (a test keeps the two equal): spheres and
# capsules shade smooth, boxes and cones keep crisp edges.
SMOOTH_PRIMITIVES = ("sphere", "capsule")
DEFAULT_MATERIAL = Material(base_color=(0.7, 0.7, 0.7, 1.0), metallic=0.0, roughness=0.7)


@dataclass
class BodyMesh:
    """One body's surface in its link frame (metres).

    positions (n, 3) float32; faces (m, 3) uint32; normals (n, 3) float32 or None (flat
    shading: the triangles' own normals); uvs (n, 2) float32 with v counted from the image's
    top row, or None; face_colors (m, 3) float32 linear RGB or None; image (h, w, 3) float32
    linear RGB base colour or None; base_color (3,) linear RGB where neither varies;
    metallic, roughness in [0, 1]; kind the material's (``simgen.core.spec.MATERIAL_KINDS``).
    """

    instance_id: int
    positions: np.ndarray
    faces: np.ndarray
    normals: np.ndarray | None
    uvs: np.ndarray | None
    face_colors: np.ndarray | None
    image: np.ndarray | None
    base_color: np.ndarray
    metallic: float
    roughness: float
    kind: str = "principled"


def body_mesh(state: SceneState, instance_id: int) -> BodyMesh:
    """The arrays of body ``instance_id`` as the raster's colour pass draws it."""
    body = next(b for b in state.bodies if b.instance_id == instance_id)
    asset = state.assets[instance_id]
    material = body.material or DEFAULT_MATERIAL
    base = np.asarray(material.base_color[:3], np.float32)
    mesh, image, face_colors = asset.mesh, None, None
    if asset.mesh.visual.kind == "face":
        smooth = False
        face_colors = asset.mesh.visual.face_colors[:, :3].astype(np.float32) / 255.0 * base
    else:
        smooth = asset.ref.kind != "primitive" or asset.ref.shape in SMOOTH_PRIMITIVES
        if material.texture is not None:
            mesh, texels = textures.textured(asset, material.texture)
            image = (texels.astype(np.float32) / 255.0) ** 2 * base
    uvs = None
    if image is not None:
        uv = np.asarray(mesh.visual.uv, np.float32)
        uvs = np.stack([uv[:, 0], 1.0 - uv[:, 1]], axis=1)  # OpenGL's v runs up from the last row
    return BodyMesh(
        instance_id=instance_id,
        positions=np.ascontiguousarray(mesh.vertices, np.float32),
        faces=np.ascontiguousarray(mesh.faces, np.uint32),
        normals=np.ascontiguousarray(mesh.vertex_normals, np.float32) if smooth else None,
        uvs=None if uvs is None else np.ascontiguousarray(uvs),
        face_colors=face_colors,
        image=image,
        base_color=base,
        metallic=float(np.clip(material.metallic, 0.0, 1.0)),
        roughness=float(np.clip(material.roughness, 0.05, 1.0)),
        kind=material.kind,
    )


def posed(body: BodyMesh, pose: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """World positions (n, 3) and unit normals (n, 3) or None of ``body`` at ``pose`` (4, 4)."""
    pose = np.asarray(pose, np.float64)
    positions = (body.positions @ pose[:3, :3].T + pose[:3, 3]).astype(np.float32)
    if body.normals is None:
        return positions, None
    normals = body.normals @ np.linalg.inv(pose[:3, :3])  # inverse transpose, applied to rows
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    return positions, normals.astype(np.float32)
