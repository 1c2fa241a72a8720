"""Randomizers: small functions ``(rng, spec, ctx) -> spec`` registered by name.

A recipe lists them in order (``randomizers: [room, table, objects, ...]``); each adds one
aspect of the scene. They draw only from the generator they are given: geometry randomizers
from the scene's stream, appearance randomizers (registered with ``appearance=True``) from the
scene's looks stream (:func:`simgen.core.seeding.looks_rng`), so no appearance setting moves a body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from simgen.core.seeding import looks_rng, scene_rng
from simgen.core.spec import SceneSpec
from simgen.registry import Registry


@dataclass
class RecipeContext:
    """What randomizers may read: the scene's typed recipe, the image size in pixels, the
    job's ``sequence`` (frames and time step; None: one frame), ``balance`` (None: none) and
    the label yield per class the job's pilot measured for the balance plan (None: not measured)."""

    scene: Any
    width: int
    height: int
    sequence: Any = None
    balance: Any = None
    yields: dict[str, float] | None = None


Randomizer = Callable[[np.random.Generator, SceneSpec, RecipeContext], SceneSpec]
RANDOMIZERS: Registry[Randomizer] = Registry("randomizer", "scene.randomizers")


def register(name: str, appearance: bool = False) -> Callable[[Randomizer], Randomizer]:
    """Register a randomizer; ``appearance``: it draws from the looks stream (see module doc)."""
    return RANDOMIZERS.register(name, appearance=appearance)


def get(name: str) -> Randomizer:
    return RANDOMIZERS.get(name)


def build_scene(index: int, seed: int, ctx: RecipeContext) -> SceneSpec:
    """SceneSpec of scene ``index``: the recipe's randomizers applied in order."""
    rng, looks = scene_rng(seed, index), looks_rng(seed, index)
    spec = SceneSpec(index=index, seed=seed)
    for name in ctx.scene.randomizers:
        spec = get(name)(looks if RANDOMIZERS.traits(name)["appearance"] else rng, spec, ctx)
    return spec

