"""Randomizers: small functions ``(rng, spec, ctx) -> spec`` registered by name.

A recipe lists them in order (``randomizers: [room, table, objects, ...]``); each adds one
aspect of the scene. They draw only from the generator they are given: geometry randomizers
from the scene's stream, appearance randomizers (registered with ``appearance=True``) from the
scene's looks stream (:func:`simgen.seeding.looks_rng`), so no appearance setting moves a body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from simgen.errors import ConfigError
from simgen.seeding import looks_rng, scene_rng
from simgen.spec import SceneSpec


@dataclass
class RecipeContext:
    """What randomizers may read: the scene's typed recipe, the image size in pixels, the
    job's ``sequence`` (frames and time step; None: one frame) and ``balance`` (None: none)."""

    scene: Any
    width: int
    height: int
    sequence: Any = None
    balance: Any = None


Randomizer = Callable[[np.random.Generator, SceneSpec, RecipeContext], SceneSpec]
_REGISTRY: dict[str, Randomizer] = {}
_APPEARANCE: set[str] = set()


def register(name: str, appearance: bool = False) -> Callable[[Randomizer], Randomizer]:
    """Register a randomizer; ``appearance``: it draws from the looks stream (see module doc)."""

    def add(fn: Randomizer) -> Randomizer:
        _REGISTRY[name] = fn
        if appearance:
            _APPEARANCE.add(name)
        return fn

    return add


def available() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def get(name: str) -> Randomizer:
    _load_builtin()
    if name not in _REGISTRY:
        raise ConfigError(f"scene.randomizers: '{name}' is not a randomizer; available: {', '.join(available())}")
    return _REGISTRY[name]


def build_scene(index: int, seed: int, ctx: RecipeContext) -> SceneSpec:
    """SceneSpec of scene ``index``: the recipe's randomizers applied in order."""
    rng, looks = scene_rng(seed, index), looks_rng(seed, index)
    spec = SceneSpec(index=index, seed=seed)
    for name in ctx.scene.randomizers:
        spec = get(name)(looks if name in _APPEARANCE else rng, spec, ctx)
    return spec


def _load_builtin() -> None:
    from simgen.randomizers import bin_picking, cameras, driving, lights, materials, tabletop  # noqa: F401  (register)
