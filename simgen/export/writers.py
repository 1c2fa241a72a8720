"""Format writers, registered by name (``export.formats``). Each turns FrameLabels into files.

A writer is asked three times, each answer a dict of dataset-relative path -> bytes:
- ``frame_files``: per view (KITTI label and calib files, for example);
- ``image_links``: per view, paths that are the view's RGB file itself (hard links, no copy);
- ``scene_files``: per scene, once all its views are labeled (BOP's per-scene JSON);
- ``dataset_files``: once, when the dataset is finished (BOP models).
COCO is special only in that its records from every frame are joined into one file at the end
(:mod:`simgen.export.coco`); the images and per-pixel maps are written for every format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simgen.annotate.labels import FrameLabels
from simgen.errors import ConfigError


@dataclass
class WriterContext:
    """What writers may read besides the labels: the job's typed configs, category names and
    the number of scenes in each split."""

    scene: Any
    export: Any
    categories: list[str]
    split_sizes: dict[str, int] = field(default_factory=lambda: {"train": 1})


class Writer:
    """Base writer: writes nothing. Subclasses override what their format needs."""

    name = "base"

    def __init__(self, ctx: WriterContext) -> None:
        self.ctx = ctx

    @classmethod
    def check_config(cls, cfg: Any) -> None:
        """Raise ConfigError if the job (SimgenConfig) cannot be written in this format."""

    @classmethod
    def warnings(cls, cfg: Any) -> list[str]:
        """What the user should know before the job (SimgenConfig) is written in this format."""
        return []

    def frame_files(self, labels: FrameLabels, rgb: np.ndarray) -> dict[str, bytes]:
        return {}

    def image_links(self, labels: FrameLabels) -> list[str]:
        return []

    def scene_files(self, frames: list[FrameLabels]) -> dict[str, bytes]:
        return {}

    def dataset_files(self, images: list[dict]) -> dict[str, bytes]:
        """Files written once at the merge; ``images`` are every COCO image record."""
        return {}


_WRITERS: dict[str, Callable[[WriterContext], Writer]] = {}


def register(cls):
    _WRITERS[cls.name] = cls
    return cls


def _load_builtin() -> None:
    from simgen.export import bop, coco, kitti, yolo  # noqa: F401  (register their formats)


def available() -> list[str]:
    _load_builtin()
    return sorted(_WRITERS)


def check_config(names, cfg: Any) -> None:
    """Let each chosen format refuse a job it cannot write, before anything is written."""
    _load_builtin()
    for name in names:
        _WRITERS[name].check_config(cfg)


def config_warnings(names, cfg: Any) -> list[str]:
    """Every chosen format's warnings about the job (SimgenConfig), one line each."""
    _load_builtin()
    return [line for name in names for line in _WRITERS[name].warnings(cfg)]


def make_writers(names, ctx: WriterContext) -> list[Writer]:
    _load_builtin()
    unknown = [n for n in names if n not in _WRITERS]
    if unknown:
        raise ConfigError(f"export.formats: {unknown[0]!r} is not a format; available: {', '.join(available())}")
    return [_WRITERS[n](ctx) for n in names]
