"""The composition root: compose the configuration, type it, check it, build the JobSpec.

Everything that turns command-line overrides into a job a worker can run happens here, once:
Hydra composes ``simgen/conf/`` with the recipes of :mod:`simgen.recipes`; OmegaConf types it
against :func:`job_schema` (:class:`~simgen.config.schema.SimgenConfig` with each writer's settings
under ``export``); the leaf checks of :mod:`simgen.config.checks` run, then each plugin checks its
own settings (the scene kind its recipe, every chosen writer and layer, balance); the result is
a :class:`JobSpec` of typed stage configs.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field, make_dataclass
from typing import Any

from simgen.config import formats, schema
from simgen.config.checks import check_settings
from simgen.config.lens import check_camera, lens_of
from simgen.config.lidar import LidarConfig
from simgen.config.overrides import override_error_line
from simgen.config.paths import CONFIG_DIR
from simgen.config.ranges import check_ranges
from simgen.config.schema import (
    BalanceConfig,
    LabelsConfig,
    RendererConfig,
    SequenceConfig,
    SplitsConfig,
)
from simgen.config.sensor import SensorConfig
from simgen.core import splits
from simgen.core.errors import DatasetError, SimgenError, first_line, require
from simgen.core.lens import Lens
from simgen.export.writers import WRITERS, WriterContext, settings_fields
from simgen.layers.base import LAYERS
from simgen.randomizers import RANDOMIZERS
from simgen.randomizers.balance import check_balance
from simgen.recipes import load_recipe, recipe_files
from simgen.render.lidar.caster import check_installed as check_lidar_installed
from simgen.render.pathtrace.backend import check_installed
from simgen.scenes.kind import SceneKind, kind_of
from simgen.sensor.checks import check_sensor


@functools.cache
def export_schema() -> type[schema.ExportConfig]:
    """The job's ``export`` schema: :class:`~simgen.config.schema.ExportConfig` and, after its
    fields, one field per registered writer that has settings (``export.kitti``...; the writer
    module's ``Writer.config``), in name order. It is built here because ``simgen/config/``
    imports no stage; it keeps the base's name, as Hydra's messages and ``--cfg job`` show it."""
    fields = [(name, config, field(default_factory=config)) for name, config in settings_fields()]
    return _composed(make_dataclass("ExportConfig", fields, bases=(schema.ExportConfig,)), schema.ExportConfig)


@functools.cache
def job_schema() -> type[schema.SimgenConfig]:
    """The job's root schema, the one Hydra composes against: :class:`~simgen.config.schema.SimgenConfig`
    with ``export`` typed by :func:`export_schema`."""
    export = export_schema()
    root = make_dataclass("SimgenConfig", [("export", export, field(default_factory=export))], bases=(schema.SimgenConfig,))
    return _composed(root, schema.SimgenConfig)


def _composed(cls: type, base: type) -> type:
    """``cls`` documented as ``base`` and found as ``simgen.job.<name>``, so its instances pickle."""
    cls.__module__, cls.__doc__ = __name__, base.__doc__
    return cls


def __getattr__(name: str) -> type:
    """``simgen.job.ExportConfig`` and ``simgen.job.SimgenConfig`` are the composed schemas: a
    pickled job (sent to a spawned worker or a Ray actor) names its config classes so."""
    if name == "ExportConfig":
        return export_schema()
    if name == "SimgenConfig":
        return job_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class JobSpec:
    """Everything a worker needs, picklable: typed stage configs, never the whole Hydra config."""

    scene: Any
    renderer: RendererConfig
    labels: LabelsConfig
    export: schema.ExportConfig  # an export_schema() instance: each writer's settings under its name
    seed: int
    frames: int
    categories: list[str]
    sequence: SequenceConfig = field(default_factory=SequenceConfig)
    balance: BalanceConfig | None = None
    splits: SplitsConfig = field(default_factory=SplitsConfig)
    sensor: SensorConfig = field(default_factory=SensorConfig)  # the image stage (simgen.sensor)
    lidar: LidarConfig = field(default_factory=LidarConfig)  # the LiDAR (simgen.sensor.lidar); name none: off
    lens: Lens | None = None  # every camera's lens (simgen.core.lens); None: ideal pinholes
    # labeled per planned instance of each class, from the job's pilot (simgen.pipeline.pilot_yields):
    # the balance plan aims at labels with it; None before the pilot or without balance.classes
    label_yields: dict[str, float] | None = None

    @property
    def kind(self) -> SceneKind:
        return kind_of(self.scene)

    def writer_context(self) -> WriterContext:
        """What every writer reads (the writers never see the JobSpec itself)."""
        return WriterContext(scene=self.scene, export=self.export, categories=self.categories,
                             split_sizes=self.split_sizes(), seed=self.seed, frames=self.frames, labels=self.labels,
                             split_fractions=self.splits.fractions())

    def split_of(self, scene_index: int) -> str:
        """The split of scene ``scene_index`` (:mod:`simgen.core.splits`)."""
        return splits.split_of(self.splits.fractions(), self.scene_count, self.seed, scene_index)

    def split_sizes(self) -> dict[str, int]:
        """Scenes per split."""
        return splits.split_sizes(self.splits.fractions(), self.scene_count, self.seed)

    @property
    def views_per_scene(self) -> int:
        """Images per scene: the scene's views of each frame, for every frame of its sequence."""
        return self.kind.views_per_frame(self.scene) * int(self.sequence.length)

    @property
    def scene_count(self) -> int:
        return math.ceil(self.frames / self.views_per_scene)

    def image_indices(self, scene_index: int) -> range:
        start = scene_index * self.views_per_scene
        return range(start, min(start + self.views_per_scene, self.frames))


def category_names(scene: Any) -> list[str]:
    """Categories of the typed recipe ``scene`` in recipe order (id = position + 1)."""
    return kind_of(scene).categories(scene)


def check_scene(scene: Any) -> None:
    """The typed recipe ``scene``: its randomizers exist, its numbers are in range, and its kind's
    own rules hold."""
    for name in scene.randomizers:
        RANDOMIZERS.get(name)
    kind = kind_of(scene)
    views = kind.views_per_frame(scene)
    require(views >= 1, "scene.views_per_scene", views, "must be >= 1")
    require(scene.depth_scale > 0, "scene.depth_scale", scene.depth_scale, "must be > 0 metres per unit")
    kind.check_settings(scene)
    check_ranges(scene)  # every number in range before the kind's rules across settings
    kind.check(scene)


def check_job(cfg: schema.SimgenConfig) -> None:
    """Every check of the typed job, before anything is written; the first failure is a one-line
    ConfigError naming the setting."""
    check_settings(cfg)
    check_camera(cfg.camera)  # the lens (simgen/config/lens.py), before the writers that refuse one
    ex = cfg.export
    for fmt in ex.formats:
        require(fmt in WRITERS, "export.formats", fmt, f"allowed: {', '.join(WRITERS.names())}")
    for fmt in ex.formats:
        WRITERS.get(fmt).check_config(cfg)
    for name in ex.layers:
        require(name in LAYERS, "export.layers", name, f"allowed: {', '.join(LAYERS.names())}")
        LAYERS.get(name).check_config(cfg)
    kind = kind_of(cfg.scene)
    require(cfg.sequence.length == 1 or kind.sequences, "sequence.length", cfg.sequence.length,
            f"scene kind {cfg.scene.kind} makes still scenes: only 1 (driving makes sequences)")
    check_scene(cfg.scene)
    check_balance(cfg)
    check_sensor(cfg.sensor)  # the image stage's settings (simgen/sensor/checks.py)
    cfg.lidar.check()
    if cfg.lidar.enabled:
        check_lidar_installed()  # the lidar extra, before anything is written
    pt = cfg.renderer.pathtrace
    if cfg.renderer.engine == "pathtrace" and pt.share > 0:
        check_installed(pt.device, pt.denoise)  # the photoreal extra, before anything is written


def hydra_error_line(exc: BaseException) -> str:
    """A Hydra/OmegaConf error as one line: a setting's typo or wrong type in simgen's words,
    the missing option, or else the first line of each cause."""
    said = override_error_line(exc)
    if said:
        return said
    text = str(exc)
    sweep = re.search(r"Ambiguous value for argument '([^=']+)=([^']+)'", text)
    if sweep:
        key, value = sweep.groups()
        return (f"{key}={value}: a comma-separated value is a sweep (run it with simgen -m); "
                f"for a list write {key}=[{value}]")
    missing = re.search(r"Could not (?:find|load) '([^/']+)/([^']+)'", text)
    if missing:
        from hydra.core.config_store import ConfigStore

        group, name = missing.groups()
        options = sorted(k[:-5] for k in ConfigStore.instance().list(group) if k.endswith(".yaml")) if group == "scene" else []
        if not options:
            options = sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))
        return f"{group}={name} is not available; choose one of: {', '.join(options)}"
    parts = []
    while exc is not None:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        key = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("full_key:")), None)
        first = lines[0] if lines else type(exc).__name__
        if key and key not in first:
            first = f"{key}: {first}"
        if first not in parts:
            parts.append(first)
        exc = exc.__cause__
    return "; ".join(parts)


def load_job(overrides: list[str]) -> tuple[schema.SimgenConfig, JobSpec]:
    """Compose the configuration with ``overrides`` and check it: (SimgenConfig, JobSpec).
    The recipes must be registered first (:func:`register_configs`)."""
    from hydra import compose, initialize_config_dir

    from simgen.config.overrides import open_mappings

    overrides = open_mappings(list(overrides))
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="simgen"):
            cfg = compose(config_name="config", overrides=overrides)
    except SimgenError:
        raise
    except Exception as exc:
        raise SimgenError(hydra_error_line(exc)) from None
    return to_job(cfg, overrides)


def to_job(cfg, overrides: list[str] = ()) -> tuple[schema.SimgenConfig, JobSpec]:
    """Typed config and worker JobSpec from a composed DictConfig, after value checks.

    ``overrides``: the command line's, whose ``export`` options add their formats."""
    from omegaconf import OmegaConf

    from simgen.assets.user import apply_user_assets

    try:
        cfg.export.formats = formats.combine(cfg.export.formats, formats.chosen_options(overrides))
        typed = OmegaConf.to_object(cfg)
    except SimgenError:
        raise
    except Exception as exc:
        raise SimgenError(hydra_error_line(exc)) from None
    typed.scene = apply_user_assets(typed.scene, typed.assets)  # assets.dirs: the user's meshes
    kind_of(typed.scene).give_way(typed.scene, {o.lstrip("+~").split("=", 1)[0] for o in overrides})
    check_job(typed)
    job = JobSpec(scene=typed.scene, renderer=typed.renderer, labels=typed.labels, export=typed.export,
                  seed=typed.seed, frames=typed.frames, categories=category_names(typed.scene), sequence=typed.sequence,
                  balance=typed.balance, splits=typed.splits, sensor=typed.sensor, lidar=typed.lidar,
                  lens=lens_of(typed.camera))
    return typed, job


def job_from_record(record):
    """(typed SimgenConfig, JobSpec) of a recorded job, checked like a command-line job."""
    from omegaconf import OmegaConf

    from simgen.config.canonical import dataset_config, job_hash
    from simgen.scenes.kind import KINDS

    config = dict(record.config)
    scene = config.pop("scene")
    if scene.get("kind") not in KINDS:
        raise DatasetError(f"scene kind {scene.get('kind')!r} of the job record is not known to this simgen")
    cfg = OmegaConf.structured(job_schema())
    cfg.scene = OmegaConf.merge(OmegaConf.structured(KINDS.get(scene['kind']).schema), scene)
    try:
        cfg = OmegaConf.merge(cfg, config)
    except Exception as exc:
        raise DatasetError(f"the job record does not fit this simgen's config schema ({first_line(exc)})") from None
    typed, job = to_job(cfg)
    if job_hash(dataset_config(typed)) != record.config_hash:
        raise DatasetError("the job record was written by a simgen with another config schema")
    return typed, job


def register_configs() -> list[str]:
    """Store the root schema (:func:`job_schema`, with every writer's settings) and every scene
    recipe (:mod:`simgen.recipes`) in Hydra's ConfigStore; returns scene names."""
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    store.store(name="base_config", node=job_schema())
    names = []
    for name, path in recipe_files().items():
        store.store(group="scene", name=name, node=load_recipe(path))
        names.append(name)
    return names
