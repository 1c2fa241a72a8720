"""Format writers, registered by name (``export.formats``). Each turns FrameLabels into files.

A writer is asked three times, each answer a dict of dataset-relative path -> bytes:
- ``frame_files``: per view (KITTI label and calib files, for example); the view's encoded image
  and layers come from its :class:`~simgen.export.encode.ViewBytes`, and returning those very
  bytes under another path makes that path a hard link to the one file (no copy, no re-encoding);
- ``scene_files``: per scene, once all its views are labeled (BOP's per-scene JSON);
- ``dataset_files``: once, when the dataset is finished (BOP models).
COCO is special only in that its records from every frame are joined into one file at the end
(:mod:`simgen.export.coco`); the images and per-pixel maps are written for every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simgen.annotate.labels import FrameLabels
from simgen.registry import Registry


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

    def frame_files(self, labels: FrameLabels, view: Any) -> dict[str, bytes]:
        """Files of one view; ``view`` is its ViewBytes (``view.rgb(fmt)``, ``view.layer(name)``)."""
        return {}

    def scene_files(self, frames: list[FrameLabels]) -> dict[str, bytes]:
        return {}

    def dataset_files(self, images: list[dict]) -> dict[str, bytes]:
        """Files written once at the merge; ``images`` are every COCO image record."""
        return {}


WRITERS: Registry[type[Writer]] = Registry("format", "export.formats")


def register(cls):
    """Class decorator: make ``cls`` the writer of format ``cls.name``."""
    return WRITERS.register(cls.name)(cls)


def config_warnings(names, cfg: Any) -> list[str]:
    """Every chosen format's warnings about the job (SimgenConfig), one line each."""
    return [line for name in names for line in WRITERS.get(name).warnings(cfg)]


def make_writers(names, ctx: WriterContext) -> list[Writer]:
    return [WRITERS.get(n)(ctx) for n in names]
