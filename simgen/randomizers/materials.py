"""Random looks: PBR materials and textures (objects, distractors, scenery), drawn from the looks stream.

A body's look is one of :data:`LOOKS`, weighted by a :class:`~simgen.config.schema.TexturesConfig`:
its mesh file's own texture (``own``), a plain random colour, a procedural texture of
:mod:`simgen.render.textures` or a picture from a folder. Textured looks multiply a white base
colour; every look gets a random metallic and roughness in the recipe's ranges.
"""

from __future__ import annotations

import colorsys
from functools import lru_cache
from pathlib import Path

import numpy as np

from simgen.assets.geometry import has_own_colours, has_texture, load_asset
from simgen.core.errors import ConfigError
from simgen.core.seeding import weighted_index
from simgen.core.spec import (
    MATERIAL_KINDS,
    PROCEDURAL_TEXTURES,
    AssetRef,
    Material,
    SceneSpec,
    Texture,
)
from simgen.randomizers import RecipeContext, register

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
LOOKS = ("own", "plain", *PROCEDURAL_TEXTURES, "image")
OBJECT_HSV = ((0.3, 1.0), (0.3, 1.0))  # saturation, value ranges of objects' colours
SCENERY_HSV = ((0.0, 0.35), (0.15, 0.6))  # muted, so objects stand out
# Distinct patterns per procedural kind: a texture's seed is one of these, so a worker makes
# each pattern once (simgen.render.textures caches them) and only mixes in the colours, which
# stay continuous. The draw from the stream is unchanged (an integer below 2**31, reduced).
TEXTURE_PATTERNS = 32


def _pattern_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31)) % TEXTURE_PATTERNS


def random_material(rng: np.random.Generator, ranges, saturation=(0.3, 1.0), value=(0.3, 1.0), metallic: bool = True) -> Material:
    return Material(
        base_color=(*colour(rng, saturation, value), 1.0),
        metallic=float(rng.uniform(ranges.metallic_min, ranges.metallic_max)) if metallic else 0.0,
        roughness=float(rng.uniform(ranges.roughness_min, ranges.roughness_max)),
    )


@lru_cache(maxsize=32)
def _listing(folder: str) -> tuple[str, ...]:
    return tuple(sorted(str(p.resolve()) for p in Path(folder).expanduser().iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))


def images(folder: str | None) -> list[str]:
    """The png/jpg files of ``folder`` (absolute, sorted), or none."""
    return list(_listing(str(folder))) if folder else []


WOOD_HUES = (0.04, 0.12)  # browns, from red-brown to ochre


def colour(rng: np.random.Generator, saturation=(0.3, 1.0), value=(0.3, 1.0), hue=(0.0, 1.0)) -> tuple[float, float, float]:
    """A random RGB colour in [0, 1] with HSV hue, saturation and value in range."""
    return tuple(float(c) for c in colorsys.hsv_to_rgb(rng.uniform(*hue), rng.uniform(*saturation), rng.uniform(*value)))


def colour_pair(rng: np.random.Generator, hsv, related: bool, kind: str = "") -> tuple[tuple[float, float, float], ...]:
    """Two colours of a procedural texture: independent within ``hsv``, or (``related``) the
    second a darker shade of the first, as wood grain, stone veins and worn paint are; related
    wood is brown (more saturated than ``hsv`` allows)."""
    wood = related and kind == "wood"
    first = colour(rng, (0.3, 0.7), (0.35, 0.8), WOOD_HUES) if wood else colour(rng, *hsv)
    if related:
        return first, tuple(float(c) for c in np.asarray(first) * rng.uniform(0.35, 0.75))
    return first, colour(rng, *hsv)


def textured_look(rng: np.random.Generator, asset: AssetRef, tex, ranges, hsv=OBJECT_HSV, metallic: bool = True,
                  related: bool = False) -> Material:
    """A random material for a body of ``asset``: one of :data:`LOOKS` weighted by ``tex``
    (own only where the mesh has a texture, image only with a folder), colours within ``hsv``
    (see :func:`colour_pair` for ``related``)."""
    pictures = images(tex.image_dir)
    mesh = load_asset(asset).mesh
    if asset.kind == "mesh" and has_own_colours(mesh):  # a PLY painted by its author: its colours stay
        material = random_material(rng, ranges, *hsv, metallic=metallic)  # the finish still varies
        material.base_color = (1.0, 1.0, 1.0, 1.0)
        return material
    own = tex.own > 0 and has_texture(mesh)
    weights = np.array([getattr(tex, k) for k in LOOKS], float)
    weights[0] *= own
    weights[-1] *= bool(pictures)
    if weights.sum() <= 0:
        weights[1] = 1.0
    look = LOOKS[weighted_index(rng, weights)]
    material = random_material(rng, ranges, *hsv, metallic=metallic)
    tile = float(rng.uniform(tex.tile_min, tex.tile_max))
    if look == "plain":
        return material
    if look == "own":
        texture = Texture(kind="asset")
    elif look == "image":
        texture = Texture(kind="image", path=pictures[int(rng.integers(len(pictures)))], tile=tile)
    else:
        texture = Texture(kind=look, colors=colour_pair(rng, hsv, related, look), tile=tile, seed=_pattern_seed(rng))
    material.base_color = (1.0, 1.0, 1.0, 1.0)
    material.texture = texture
    return material


def material_kind(rng: np.random.Generator, material: Material, ranges) -> Material:
    """``material`` made one of the kinds weighted in ``ranges`` (a MaterialsConfig): glass a
    clear, pale tint; metal a polished or brushed conductor of the base colour, untextured;
    plastic the same colours under a clear coat. Draws nothing while only ``principled`` has
    weight, so datasets made before kinds existed stay as they were."""
    weights = [ranges.principled, ranges.glass, ranges.metal, ranges.plastic]
    if not any(weights[1:]):
        return material
    kind = MATERIAL_KINDS[weighted_index(rng, weights)]
    if kind == "glass":
        tint = colour(rng, (0.0, 0.25), (0.85, 1.0))
        return Material(base_color=(*tint, 1.0), metallic=0.0, roughness=float(rng.uniform(0.0, 0.08)), kind=kind)
    if kind == "metal":
        shade = colour(rng, (0.0, 0.45), (0.55, 0.95))
        return Material(base_color=(*shade, 1.0), metallic=1.0, roughness=float(rng.uniform(0.05, 0.4)), kind=kind)
    if kind == "plastic":
        material.metallic, material.roughness, material.kind = 0.0, float(rng.uniform(0.05, 0.3)), kind
    return material


def background_look(rng: np.random.Generator, bg, tex) -> Material:
    """The floor's material: a picture of ``bg.image_dir`` with ``bg.image_probability``, else
    plain with ``bg.plain_probability``, else a procedural kind weighted by ``tex``; tiles of
    ``bg.tile_min``..``bg.tile_max`` metres."""
    pictures = images(bg.image_dir)
    u = rng.random(2)
    tile = float(rng.uniform(bg.tile_min, bg.tile_max))
    roughness = float(rng.uniform(0.5, 1.0))
    if pictures and u[0] < bg.image_probability:
        texture = Texture(kind="image", path=pictures[int(rng.integers(len(pictures)))], tile=tile)
    elif u[1] < bg.plain_probability:
        texture = None
    else:
        weights = np.array([getattr(tex, k) for k in PROCEDURAL_TEXTURES], float)
        if weights.sum() <= 0:
            weights[:] = 1.0
        kind = PROCEDURAL_TEXTURES[weighted_index(rng, weights)]
        texture = Texture(kind=kind, colors=colour_pair(rng, ((0.0, 0.35), (0.25, 0.85)), True, kind), tile=tile,
                          seed=_pattern_seed(rng))
    base = (*colour(rng, (0.0, 0.4), (0.2, 0.8)), 1.0) if texture is None else (1.0, 1.0, 1.0, 1.0)
    return Material(base_color=base, metallic=0.0, roughness=roughness, texture=texture)


def check_looks(scene) -> None:
    """The image folders of a recipe's looks (``textures``, ``scenery_textures``,
    ``background``): each unset or a folder holding png/jpg images (one-line ConfigError)."""
    for key in ("textures", "scenery_textures", "background"):
        folder = getattr(getattr(scene, key, None), "image_dir", None)
        if folder and not (Path(folder).expanduser().is_dir() and images(folder)):
            raise ConfigError(f"scene.{key}.image_dir={folder!r}: must be a folder holding png/jpg images")


@register("materials", appearance=True)
def materials(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """Every body still without a material: objects and distractors a look of
    ``scene.textures`` in saturated colours, scenery one of ``scene.scenery_textures`` in
    muted ones, so objects stand out."""
    s = ctx.scene
    for body in spec.bodies:
        if body.material is not None:
            continue
        if body.static:
            body.material = textured_look(rng, body.asset, s.scenery_textures, s.materials, SCENERY_HSV, metallic=False,
                                          related=True)
        else:
            body.material = material_kind(rng, textured_look(rng, body.asset, s.textures, s.materials), s.materials)
    return spec
