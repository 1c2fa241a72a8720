"""Which colour engine draws a scene, and the path tracer's sampler seeds.

Both are draws from the scene's looks stream (:func:`simgen.core.seeding.looks_rng`), so the
choice is a function of (config, seed, scene index): the same whatever the workers, shards,
slices or resumes, and choosing an engine never moves a body or a camera.
"""

from __future__ import annotations

from simgen.config.schema import RendererConfig
from simgen.core.seeding import looks_rng

RASTER, PATHTRACE = "raster", "pathtrace"
ENGINE_KEY = 0xE61  # looks-stream key of the per-scene engine choice
SAMPLER_KEY = 0xE62  # looks-stream key of the path tracer's per-view sampler seeds


def scene_engine(cfg: RendererConfig, seed: int, scene_index: int) -> str:
    """``raster`` or ``pathtrace``: with ``renderer.engine=pathtrace``, a scene is path-traced
    with probability ``renderer.pathtrace.share``."""
    if cfg.engine != PATHTRACE:
        return RASTER
    share = cfg.pathtrace.share
    if share >= 1.0 or share <= 0.0:
        return PATHTRACE if share >= 1.0 else RASTER
    return PATHTRACE if looks_rng(seed, scene_index, ENGINE_KEY).random() < share else RASTER


def sampler_seed(seed: int, scene_index: int, view: int) -> int:
    """The path tracer's sampler seed for view ``view`` of scene ``scene_index``."""
    return int(looks_rng(seed, scene_index, SAMPLER_KEY, view).integers(2**31 - 1))
