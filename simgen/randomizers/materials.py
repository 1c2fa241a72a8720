"""Random PBR materials: every body gets a colour, metallic and roughness from the recipe's ranges."""

from __future__ import annotations

import colorsys

import numpy as np

from simgen.randomizers import RecipeContext, register
from simgen.spec import Material, SceneSpec


def random_material(rng: np.random.Generator, ranges, saturation=(0.3, 1.0), value=(0.3, 1.0), metallic: bool = True) -> Material:
    h = rng.uniform(0.0, 1.0)
    s = rng.uniform(*saturation)
    v = rng.uniform(*value)
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return Material(
        base_color=(r, g, b, 1.0),
        metallic=float(rng.uniform(ranges.metallic_min, ranges.metallic_max)) if metallic else 0.0,
        roughness=float(rng.uniform(ranges.roughness_min, ranges.roughness_max)),
    )


@register("materials")
def materials(rng: np.random.Generator, spec: SceneSpec, ctx: RecipeContext) -> SceneSpec:
    """Objects get saturated random colours; scenery gets muted ones, so objects stand out."""
    for body in spec.bodies:
        if body.category is None:
            body.material = random_material(rng, ctx.scene.materials, saturation=(0.0, 0.35), value=(0.15, 0.6), metallic=False)
        else:
            body.material = random_material(rng, ctx.scene.materials)
    return spec
