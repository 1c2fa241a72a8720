"""Checks of job-wide values that types alone cannot catch, run before anything is written.

Leaf checks only: nothing here imports a stage. The composition root (:mod:`simgen.job`) runs
these, then lets each plugin (scene kind, writer, layer, balance) check its own settings.

Each failure is a ConfigError whose message names the setting, its value and what is allowed.
"""

from __future__ import annotations

from simgen.config.ranges import check_known_keys
from simgen.config.schema import SimgenConfig
from simgen.core.errors import require

IMAGE_FORMATS = ("png", "jpg")
MAX_SIDE = 8192
FARM_BACKENDS = ("auto", "processes", "ray")
ENGINES = ("raster", "pathtrace")


def check_settings(cfg: SimgenConfig) -> None:
    """The job-wide settings that need no stage to check: unknown keys, frames, seed, renderer,
    labels, splits, image encoding, sequence, farm (the rest is :func:`simgen.job.check_job`)."""
    check_known_keys(cfg)
    require(cfg.frames >= 1, "frames", cfg.frames, "must be a positive integer")
    require(cfg.seed >= 0, "seed", cfg.seed, "must be a non-negative integer")
    for key in ("width", "height"):
        v = getattr(cfg.renderer, key)
        require(16 <= v <= MAX_SIDE, f"renderer.{key}", v, f"must be between 16 and {MAX_SIDE} pixels")
    require(cfg.renderer.msaa in (0, 2, 4, 8), "renderer.msaa", cfg.renderer.msaa, "allowed: 0, 2, 4, 8 samples")
    require(cfg.renderer.shading in ("fast", "pbr"), "renderer.shading", cfg.renderer.shading, "allowed: fast, pbr")
    require(64 <= cfg.renderer.shadow_resolution <= MAX_SIDE, "renderer.shadow_resolution",
            cfg.renderer.shadow_resolution, f"must lie in 64..{MAX_SIDE} texels (a shadow map's side)")
    require(cfg.renderer.shadow_taps in (1, 4), "renderer.shadow_taps", cfg.renderer.shadow_taps, "allowed: 1, 4")
    require(cfg.renderer.engine in ENGINES, "renderer.engine", cfg.renderer.engine, f"allowed: {', '.join(ENGINES)}")
    cfg.renderer.pathtrace.check()
    lab = cfg.labels
    require(lab.min_visible_pixels >= 0, "labels.min_visible_pixels", lab.min_visible_pixels, "must be >= 0")
    require(0.0 <= lab.min_visibility <= 1.0, "labels.min_visibility", lab.min_visibility, "must lie in [0, 1]")
    require(0.0 <= lab.max_truncation <= 1.0, "labels.max_truncation", lab.max_truncation, "must lie in [0, 1]")
    require(lab.min_box_side >= 0, "labels.min_box_side", lab.min_box_side, "must be >= 0 pixels")
    check_splits(cfg.splits)
    ex = cfg.export
    require("coco" in ex.formats, "export.formats", ex.formats, "must include coco (the index of every dataset)")
    require(ex.image_format in IMAGE_FORMATS, "export.image_format", ex.image_format, f"allowed: {', '.join(IMAGE_FORMATS)}")
    require(0 <= ex.png_compression <= 9, "export.png_compression", ex.png_compression, "must lie in 0..9")
    require(1 <= ex.jpeg_quality <= 100, "export.jpeg_quality", ex.jpeg_quality, "must lie in 1..100")
    seq = cfg.sequence
    require(seq.length >= 1, "sequence.length", seq.length, "must be >= 1 frame")
    require(seq.time_step > 0, "sequence.time_step", seq.time_step, "must be > 0 seconds")
    check_farm(cfg)


def check_splits(splits) -> None:
    fractions = splits.fractions()
    for name, share in fractions.items():
        require(0.0 <= share <= 1.0, f"splits.{name}", share, "must lie in [0, 1]")
    total = sum(fractions.values())
    require(abs(total - 1.0) < 1e-6, "splits", fractions, f"shares must sum to 1 (they sum to {total:g})")
    require(splits.train > 0, "splits.train", splits.train, "must be > 0 (every dataset has a train split)")


def check_farm(cfg: SimgenConfig) -> None:
    farm = cfg.farm
    require(farm.workers >= 0, "farm.workers", farm.workers, "must be >= 0 (0 = all cores)")
    require(farm.backend in FARM_BACKENDS, "farm.backend", farm.backend, f"allowed: {', '.join(FARM_BACKENDS)}")
    require(farm.backend != "processes" or not farm.address, "farm.backend", farm.backend,
             "processes run on this machine only: use auto or ray with farm.address")
    require(farm.gpus_per_worker >= 0, "farm.gpus_per_worker", farm.gpus_per_worker, "must be >= 0")
    require(farm.scenes_per_shard >= 0, "farm.scenes_per_shard", farm.scenes_per_shard,
             "must be >= 0 (0 = chosen from the job's size and the workers, at most 16)")
    for key in ("scenes_per_worker", "num_slices"):
        require(getattr(farm, key) >= 1, f"farm.{key}", getattr(farm, key), "must be >= 1")
    require(farm.max_retries >= 0, "farm.max_retries", farm.max_retries, "must be >= 0")
    require(0 <= farm.slice < farm.num_slices, "farm.slice", farm.slice,
             f"must lie in 0..{farm.num_slices - 1} (farm.num_slices - 1)")
    require(farm.num_slices == 1 or bool(cfg.output_dir), "output_dir", cfg.output_dir,
             "must be set when farm.num_slices > 1 (the folder every slice writes into)")
