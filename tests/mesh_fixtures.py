"""Small mesh files for the user-asset, bin-picking and BOP tests, made with trimesh."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh
from PIL import Image

RED, BLUE = (255, 0, 0), (0, 0, 255)
# U-channel outline (x, y) in metres, counter-clockwise: 6 cm wide, 4 cm high, 1 cm walls.
U_OUTLINE = np.array([[0, 0], [0.06, 0], [0.06, 0.04], [0.05, 0.04], [0.05, 0.01], [0.01, 0.01], [0.01, 0.04], [0, 0.04]], float)
U_TRIANGLES = np.array([[0, 1, 4], [0, 4, 5], [1, 2, 3], [1, 3, 4], [0, 5, 6], [0, 6, 7]])
U_LENGTH = 0.05


def checker_image(n: int = 64) -> Image.Image:
    """2 x 2 red/blue checker: every face of a box mapped onto it shows both colours."""
    img = np.zeros((n, n, 3), np.uint8)
    h = n // 2
    img[:h, :h] = img[h:, h:] = RED
    img[:h, h:] = img[h:, :h] = BLUE
    return Image.fromarray(img)


def textured_box(extents=(0.05, 0.04, 0.03)) -> trimesh.Trimesh:
    """A box whose every face spans the whole checker image once."""
    from simgen.render.textures import box_projected

    box = box_projected(trimesh.creation.box(extents=extents), 1.0)
    uv = box.visual.uv.reshape(-1, 3, 2)
    lo, hi = uv.min(axis=1, keepdims=True), uv.max(axis=1, keepdims=True)
    # each triangle's UVs stretched over [0, 1]: both triangles of a face cover the image
    face_lo = np.repeat(lo.reshape(-1, 2, 1, 2).min(axis=1), 2, axis=0)
    face_hi = np.repeat(hi.reshape(-1, 2, 1, 2).max(axis=1), 2, axis=0)
    box.visual = trimesh.visual.TextureVisuals(uv=((uv - face_lo) / (face_hi - face_lo)).reshape(-1, 2), image=checker_image())
    return box


def u_channel() -> trimesh.Trimesh:
    """A closed U-shaped channel (concave: half of its convex hull), groove along z."""
    mesh = trimesh.creation.extrude_triangulation(U_OUTLINE, U_TRIANGLES, U_LENGTH)
    mesh.apply_translation([-0.03, -0.02, -U_LENGTH / 2])
    return mesh


def make_parts(folder: Path, concave: bool = False) -> Path:
    """A user folder: ``block.obj`` (metres), ``peg.stl`` (a cylinder in millimetres, named
    ``peg_mm`` by assets.yaml) and ``tile.glb`` (a checker-textured box); with ``concave``
    also ``channel.obj`` (the U-channel)."""
    folder.mkdir(parents=True, exist_ok=True)
    trimesh.creation.box(extents=(0.04, 0.03, 0.02)).export(folder / "block.obj")
    trimesh.creation.cylinder(radius=15.0, height=40.0, sections=32).export(folder / "peg.stl")
    textured_box().export(folder / "tile.glb")
    if concave:
        u_channel().export(folder / "channel.obj")
    (folder / "assets.yaml").write_text("objects:\n  peg: {name: peg_mm, units: mm, mass: 0.02, friction: 0.5}\n")
    return folder
