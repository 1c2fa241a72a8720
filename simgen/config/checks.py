"""Checks of values that types alone cannot catch, run before anything is written.

Each failure is a ConfigError whose message names the setting, its value and what is allowed.
"""

from __future__ import annotations

from simgen.assets.catalog import check_source
from simgen.config.ranges import check_known_keys, check_ranges
from simgen.config.schema import SimgenConfig
from simgen.errors import ConfigError, SimgenError
from simgen.export import writers
from simgen.randomizers.balance import check_balance

IMAGE_FORMATS = ("png", "jpg")
MAX_SIDE = 8192
PLACEMENTS = ("rest", "drop")
FARM_BACKENDS = ("auto", "processes", "ray")


def _require(ok: bool, key: str, value, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"{key}={value!r}: {allowed}")


def check_job(cfg: SimgenConfig) -> None:
    check_known_keys(cfg)
    _require(cfg.frames >= 1, "frames", cfg.frames, "must be a positive integer")
    _require(cfg.seed >= 0, "seed", cfg.seed, "must be a non-negative integer")
    for key in ("width", "height"):
        v = getattr(cfg.renderer, key)
        _require(16 <= v <= MAX_SIDE, f"renderer.{key}", v, f"must be between 16 and {MAX_SIDE} pixels")
    _require(cfg.renderer.msaa in (0, 2, 4, 8), "renderer.msaa", cfg.renderer.msaa, "allowed: 0, 2, 4, 8 samples")
    _require(cfg.renderer.shading in ("fast", "pbr"), "renderer.shading", cfg.renderer.shading, "allowed: fast, pbr")
    lab = cfg.labels
    _require(lab.min_visible_pixels >= 0, "labels.min_visible_pixels", lab.min_visible_pixels, "must be >= 0")
    _require(0.0 <= lab.min_visibility <= 1.0, "labels.min_visibility", lab.min_visibility, "must lie in [0, 1]")
    _require(0.0 <= lab.max_truncation <= 1.0, "labels.max_truncation", lab.max_truncation, "must lie in [0, 1]")
    _require(lab.min_box_side >= 0, "labels.min_box_side", lab.min_box_side, "must be >= 0 pixels")
    check_splits(cfg.splits)
    ex = cfg.export
    formats = writers.available()
    _require("coco" in ex.formats, "export.formats", ex.formats, "must include coco (the index of every dataset)")
    for fmt in ex.formats:
        _require(fmt in formats, "export.formats", fmt, f"allowed: {', '.join(formats)}")
    writers.check_config(ex.formats, cfg)
    from simgen.export import layers

    for name in ex.layers:
        _require(name in layers.available(), "export.layers", name, f"allowed: {', '.join(layers.available())}")
    _require("flow" not in ex.layers or cfg.sequence.length > 1, "export.layers", list(ex.layers),
             "flow needs sequences: set sequence.length > 1 (a scene kind with motion, e.g. scene=driving)")
    _require(ex.image_format in IMAGE_FORMATS, "export.image_format", ex.image_format, f"allowed: {', '.join(IMAGE_FORMATS)}")
    _require(0 <= ex.png_compression <= 9, "export.png_compression", ex.png_compression, "must lie in 0..9")
    _require(1 <= ex.jpeg_quality <= 100, "export.jpeg_quality", ex.jpeg_quality, "must lie in 1..100")
    seq = cfg.sequence
    _require(seq.length >= 1, "sequence.length", seq.length, "must be >= 1 frame")
    _require(seq.length == 1 or getattr(cfg.scene, "sequences", False), "sequence.length", seq.length,
             f"scene kind {cfg.scene.kind} makes still scenes: only 1 (driving makes sequences)")
    _require(seq.time_step > 0, "sequence.time_step", seq.time_step, "must be > 0 seconds")
    check_farm(cfg)
    check_scene(cfg.scene)
    check_balance(cfg)


def check_splits(splits) -> None:
    fractions = splits.fractions()
    for name, share in fractions.items():
        _require(0.0 <= share <= 1.0, f"splits.{name}", share, "must lie in [0, 1]")
    total = sum(fractions.values())
    _require(abs(total - 1.0) < 1e-6, "splits", fractions, f"shares must sum to 1 (they sum to {total:g})")
    _require(splits.train > 0, "splits.train", splits.train, "must be > 0 (every dataset has a train split)")


def check_farm(cfg: SimgenConfig) -> None:
    farm = cfg.farm
    _require(farm.workers >= 0, "farm.workers", farm.workers, "must be >= 0 (0 = all cores)")
    _require(farm.backend in FARM_BACKENDS, "farm.backend", farm.backend, f"allowed: {', '.join(FARM_BACKENDS)}")
    _require(farm.backend != "processes" or not farm.address, "farm.backend", farm.backend,
             "processes run on this machine only: use auto or ray with farm.address")
    _require(farm.gpus_per_worker >= 0, "farm.gpus_per_worker", farm.gpus_per_worker, "must be >= 0")
    _require(farm.scenes_per_shard >= 0, "farm.scenes_per_shard", farm.scenes_per_shard,
             "must be >= 0 (0 = chosen from the job's size and the workers, at most 16)")
    for key in ("scenes_per_worker", "num_slices"):
        _require(getattr(farm, key) >= 1, f"farm.{key}", getattr(farm, key), "must be >= 1")
    _require(farm.max_retries >= 0, "farm.max_retries", farm.max_retries, "must be >= 0")
    _require(0 <= farm.slice < farm.num_slices, "farm.slice", farm.slice,
             f"must lie in 0..{farm.num_slices - 1} (farm.num_slices - 1)")
    _require(farm.num_slices == 1 or bool(cfg.output_dir), "output_dir", cfg.output_dir,
             "must be set when farm.num_slices > 1 (the folder every slice writes into)")


def check_scene(scene) -> None:
    from simgen import randomizers

    for name in scene.randomizers:
        randomizers.get(name)
    _require(scene.views_per_scene >= 1, "scene.views_per_scene", scene.views_per_scene, "must be >= 1")
    if hasattr(scene, "min_objects"):
        _require(scene.min_objects >= 0, "scene.min_objects", scene.min_objects, "must be >= 0")
        _require(scene.max_objects >= scene.min_objects, "scene.max_objects", scene.max_objects,
                 f"must be >= scene.min_objects ({scene.min_objects})")
    _require(scene.depth_scale > 0, "scene.depth_scale", scene.depth_scale, "must be > 0 metres per unit")
    if hasattr(scene, "assets"):
        _require(len(scene.assets) > 0, "scene.assets", [], "must list at least one asset source")
        for k, entry in enumerate(scene.assets):
            _require(entry.weight > 0, f"scene.assets[{k}].weight", entry.weight, "must be > 0")
            _require(len(entry.size_min) == len(entry.size_max), f"scene.assets[{k}].size_max", entry.size_max,
                     "must have as many values as size_min")
            try:
                check_source(entry.source)
            except SimgenError as exc:
                raise ConfigError(f"scene.assets[{k}].source: {exc}") from None
    if hasattr(scene, "placement"):
        _require(scene.placement in PLACEMENTS, "scene.placement", scene.placement, f"allowed: {', '.join(PLACEMENTS)}")
    if hasattr(scene, "physics"):
        ph = scene.physics
        _require(ph.time_step > 0, "scene.physics.time_step", ph.time_step, "must be > 0 seconds")
        _require(ph.solver_iterations >= 1, "scene.physics.solver_iterations", ph.solver_iterations, "must be >= 1")
        for key in ("rolling_friction", "spinning_friction"):
            _require(getattr(ph, key) >= 0, f"scene.physics.{key}", getattr(ph, key), "must be >= 0")
        _require(0 <= ph.min_steps <= ph.max_steps, "scene.physics.min_steps", ph.min_steps,
                 f"must lie in 0..scene.physics.max_steps ({ph.max_steps})")
    if hasattr(scene, "camera"):
        c = scene.camera
        _require(0 < c.znear < c.zfar, "scene.camera.znear", c.znear, f"must be > 0 and < scene.camera.zfar ({c.zfar})")
    check_ranges(scene)  # every numeric setting in range, before the kinds' cross-setting rules
    if scene.kind == "bin_picking":
        from simgen.randomizers.bin_picking import check_recipe

        check_recipe(scene)
    if scene.kind == "tabletop":  # distractor sources, texture folders
        from simgen.randomizers.tabletop import check_recipe

        check_recipe(scene)
    if scene.kind == "driving":
        from simgen.randomizers.driving import check_recipe

        check_recipe(scene)
