"""Base-colour textures for the colour pass, made from a :class:`~simgen.core.spec.Texture` description.

Everything here is a pure function of the description and the asset, so a recorded spec
renders the same anywhere. Procedural images are periodic (they tile without seams); meshes
without UVs get a box projection: each face takes the two world-axis coordinates its normal is
most orthogonal to, divided by the tile size.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import trimesh

from simgen.assets.geometry import LoadedAsset, load_asset, texture_image
from simgen.core.errors import AssetError
from simgen.core.spec import PROCEDURAL_TEXTURES, AssetRef, Texture

PROCEDURAL_SIZE = 128  # pixels per side of a procedural tile
MAX_IMAGE_SIDE = 512  # image textures are shrunk to this, keeping the upload cheap



def _blend(t: np.ndarray, colors) -> np.ndarray:
    """(S, S, 3) uint8 mixing two RGB colours in [0, 1] by ``t`` (S, S) in [0, 1]."""
    a, b = (np.asarray(c, float) for c in (list(colors) + [(1.0, 1.0, 1.0)] * 2)[:2])
    rgb = a + t[..., None] * (b - a)
    return np.clip(np.rint(rgb * 255), 0, 255).astype(np.uint8)


@lru_cache(maxsize=16)
def _amplitude(size: int, slope: float) -> np.ndarray:
    """(size, size // 2 + 1) 1/f^slope amplitudes of a real periodic field's half spectrum."""
    f = np.hypot(*np.meshgrid(np.fft.rfftfreq(size), np.fft.fftfreq(size)))
    return (f + 1.0 / size) ** -slope


def _periodic_noise(rng: np.random.Generator, size: int, slope: float = 2.0) -> np.ndarray:
    """Smooth periodic noise (size, size) in [0, 1]: a random-phase 1/f^slope spectrum."""
    amplitude = _amplitude(size, slope)
    phase = rng.random(amplitude.shape) * (2 * np.pi)
    field = np.fft.irfft2(amplitude * (np.cos(phase) + 1j * np.sin(phase)), s=(size, size))
    return (field - field.min()) / max(float(np.ptp(field)), 1e-12)


def _scratches(rng: np.random.Generator, size: int) -> np.ndarray:
    """(size, size) in [0, 1]: faint grain with 20-60 thin straight scratches (value up to 1),
    drawn on a 3 x 3 tile canvas from its centre tile and folded back, so the tile still wraps."""
    t = 0.15 * _periodic_noise(rng, size, slope=1.0)
    canvas = np.zeros((3 * size, 3 * size), np.float32)
    for _ in range(int(rng.integers(20, 61))):
        p = rng.uniform(0, size, 2) + size
        angle, length = rng.uniform(0, np.pi), rng.uniform(0.05, 0.4) * size
        q = p + length * np.array([np.cos(angle), np.sin(angle)])
        cv2.line(canvas, (int(p[0]), int(p[1])), (int(q[0]), int(q[1])), float(rng.uniform(0.5, 1.0)), 1, cv2.LINE_AA)
    lines = canvas.reshape(3, size, 3, size).max(axis=(0, 2))
    return np.maximum(t, lines)


# Patterns kept per process: 6 kinds x 32 seeds (what the randomizers draw, see
# simgen.randomizers.materials.TEXTURE_PATTERNS) of (128, 128) float64, at most 24 MB.
PATTERN_CACHE = 192


@lru_cache(maxsize=PATTERN_CACHE)
def _pattern(kind: str, seed: int, size: int) -> np.ndarray:
    """The mixing field (size, size) float64 in [0, 1] of a procedural tile, read-only: the
    costly part of a tile (noise spectra, scratches), cached; the colours are mixed per call."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    if kind == "checker":
        t = ((np.floor(2 * x) + np.floor(2 * y)) % 2).astype(float)
    elif kind == "stripes":
        bands = int(rng.integers(2, 7))
        coord = x if rng.random() < 0.5 else y
        t = (np.floor(2 * bands * coord) % 2).astype(float)
    elif kind == "noise":
        t = _periodic_noise(rng, size)
    elif kind == "marble":
        kx, ky = (int(k) for k in rng.integers(0, 3, size=2))
        veins = np.sin(np.pi * (kx * x + (ky or 1) * y) + rng.uniform(5, 9) * _periodic_noise(rng, size, slope=2.6))
        t = 1.0 - np.abs(veins) ** 0.25  # wide areas of the first colour, thin veins of the second
    elif kind == "wood":
        rings = int(rng.integers(3, 9))
        coord = x if rng.random() < 0.5 else y
        grain = np.sin(2 * np.pi * (rings * coord + 0.6 * _periodic_noise(rng, size, slope=2.2)))
        fibres = _periodic_noise(rng, size, slope=0.8)
        t = np.clip(0.75 * (0.5 + 0.5 * grain) ** 1.5 + 0.25 * fibres, 0.0, 1.0)
    elif kind == "scratches":
        t = _scratches(rng, size)
    else:
        raise AssetError(f"texture kind '{kind}' is unknown; choose asset, image or one of {', '.join(PROCEDURAL_TEXTURES)}")
    t.flags.writeable = False
    return t


def procedural_image(kind: str, colors, seed: int, size: int = PROCEDURAL_SIZE) -> np.ndarray:
    """One periodic tile (size, size, 3) uint8 mixing two colours: ``checker`` (2 x 2 cells),
    ``stripes`` (2-6 bands, horizontal or vertical), ``noise`` (smooth 1/f^2 noise, periodic by
    its FFT), ``marble`` (sine veins bent by noise), ``wood`` (bands of grain distorted by
    noise, with fine fibres) or ``scratches`` (thin bright lines on faint grain). The pattern
    is a function of (kind, seed, size) and is cached (:data:`PATTERN_CACHE`); mixing in the
    colours costs about a millisecond."""
    return _blend(_pattern(kind, int(seed), size), colors)


@lru_cache(maxsize=64)
def image_file(path: str) -> np.ndarray:
    """An image texture (H, W, 3) uint8 RGB, at most ``MAX_IMAGE_SIDE`` pixels a side."""
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise AssetError(f"{path}: cannot read image texture")
    scale = MAX_IMAGE_SIDE / max(bgr.shape[:2])
    if scale < 1:
        bgr = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(bgr[..., ::-1])


def box_projected(mesh: trimesh.Trimesh, tile: float) -> trimesh.Trimesh:
    """A copy of ``mesh`` with per-corner UVs from a box projection (``tile`` metres per repeat).

    Corners are unshared so each face keeps its own projection; the smooth vertex normals of
    the original travel with them, so shading does not turn faceted.
    """
    faces = mesh.faces
    corners = mesh.vertices[faces]  # (F, 3, 3)
    axis = np.abs(mesh.face_normals).argmax(axis=1)
    keep = np.array([[1, 2], [0, 2], [0, 1]])[axis]  # (F, 2) the two axes each face spans most
    uv = np.take_along_axis(corners, np.repeat(keep[:, None, :], 3, axis=1), axis=2) / tile
    out = trimesh.Trimesh(
        vertices=corners.reshape(-1, 3),
        faces=np.arange(3 * len(faces)).reshape(-1, 3),
        vertex_normals=mesh.vertex_normals[faces].reshape(-1, 3),
        process=False,
    )
    out.visual = trimesh.visual.TextureVisuals(uv=uv.reshape(-1, 2))
    return out


@lru_cache(maxsize=256)
def _own_image(ref: AssetRef) -> np.ndarray | None:
    return texture_image(load_asset(ref).mesh)


def textured(asset: LoadedAsset, texture: Texture) -> tuple[trimesh.Trimesh, np.ndarray]:
    """The mesh to draw (with UVs) and its base-colour image (H, W, 3) uint8 for ``texture``."""
    if texture.kind == "asset":
        image = _own_image(asset.ref)
        if image is None:
            raise AssetError(f"{asset.ref.path or asset.ref.shape}: has no texture of its own (texture kind 'asset')")
        return asset.mesh, image
    image = image_file(texture.path) if texture.kind == "image" else procedural_image(texture.kind, texture.colors, texture.seed)
    return box_projected(asset.mesh, texture.tile), image
