"""Format writers, registered by name (``export.formats``). Each turns FrameLabels into files.

A format is one module: a :class:`Writer` subclass registered with :func:`register` and, when the
format has settings, their dataclass named by ``Writer.config`` (the job's schema gives it the
key ``export.<name>``, see :func:`simgen.job.export_schema`). Besides its test, only
:mod:`simgen.plugins` names a built-in one (a plugin of your own comes in through an entry point or
``$SIMGEN_PLUGINS``), and ``simgen/conf/export/<name>.yaml`` where ``export=<name>`` should pick it.

A writer is asked at four moments; its files are dicts of dataset-relative path -> bytes:
- ``frame_files``: per view (KITTI label and calib files, for example); the view's encoded image
  and layers come from its :class:`~simgen.export.encode.ViewBytes`, and returning those very
  bytes under another path makes that path a hard link to the one file (no copy, no re-encoding);
- ``frame_records``: per view, the records of the dataset's index (COCO's image and annotation
  records), which travel with the view's shard and are joined only at the merge; the index
  format (COCO, :data:`simgen.config.formats.INDEX_FORMAT`) is the one writer that gives them;
- ``scene_files``: per scene, once all its views are labeled (BOP's per-scene JSON);
- ``dataset_files``: once, at the merge, from every frame's joined records (COCO's per-split
  instances files, KITTI's ImageSets, BOP models). The records come shard by shard
  (:meth:`DatasetRecords.shards`), so a writer holds one shard's records at a time; a writer
  whose files grow with the dataset writes them through ``write_dataset_files`` instead, a
  chunk at a time (COCO).
The images and per-pixel layers are written for every format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from simgen.annotate.labels import FrameLabels
from simgen.core.errors import ConfigError
from simgen.registry import Registry


@dataclass
class WriterContext:
    """What writers may read besides the labels, built by the composition root
    (:meth:`simgen.job.JobSpec.writer_context`): the typed recipe and export settings (each
    format's own under ``export.<name>``), the category names (id = position + 1), the scenes
    in each split, and what the dataset is made from (seed, frames, label policy, split shares)."""

    scene: Any
    export: Any
    categories: list[str]
    split_sizes: dict[str, int] = field(default_factory=lambda: {"train": 1})
    seed: int = 0
    frames: int = 0
    labels: Any = None
    split_fractions: dict[str, float] = field(default_factory=lambda: {"train": 1.0})


@dataclass
class FrameRecords:
    """One view's records in the dataset's index: its image record and its annotation records
    (without ids: they are numbered when the shards are joined)."""

    image: dict
    annotations: list[dict]


ShardRecords = tuple[list[dict], list[dict]]  # one shard's image records and annotation records


class DatasetRecords:
    """Every frame's index records at the merge, one shard at a time (in shard order, so image
    ids rise from shard to shard), so the merge holds one shard's records, not the dataset's.

    A shard comes in as its records (:meth:`add`) or as a function that reads them when asked
    (:meth:`add_shard`: the merge reads each shard's ``coco.json`` once per pass)."""

    def __init__(self, images: list[dict] | None = None, annotations: list[dict] | None = None) -> None:
        self._parts: list[Callable[[], ShardRecords]] = []
        self._counts: dict[str, tuple[int, int]] | None = None
        if images is not None or annotations is not None:
            self.add(list(images or []), list(annotations or []))

    def add(self, images: list[dict], annotations: list[dict]) -> None:
        """Append one shard's records, held here."""
        self._parts.append(lambda: (images, annotations))
        self._counts = None

    def add_shard(self, load: Callable[[], ShardRecords]) -> None:
        """Append one shard, read by ``load`` each time the records are walked."""
        self._parts.append(load)
        self._counts = None

    def shards(self) -> Iterator[ShardRecords]:
        """Each shard's (images, annotations) as the shard holds them, one shard at a time. A
        full walk also counts frames and annotations per split (:meth:`split_counts`)."""
        counts: Counter = Counter()
        for load in self._parts:
            images, annotations = load()
            split_of = {img.get("id"): img.get("split") for img in images}
            counts.update((split, 0) for split in split_of.values())
            counts.update((split_of.get(a.get("image_id")), 1) for a in annotations)
            yield images, annotations
        splits = dict.fromkeys(split for split, _ in counts)
        self._counts = {split: (counts[split, 0], counts[split, 1]) for split in splits}

    def split_counts(self) -> dict[str, tuple[int, int]]:
        """(frames, annotations) per split, in the order splits first appear."""
        if self._counts is None:
            for _ in self.shards():
                pass
        return dict(self._counts)

    @property
    def images(self) -> list[dict]:
        """Every image record at once (holds the whole dataset's: walk :meth:`shards` instead)."""
        return [img for images, _ in self.shards() for img in images]

    @property
    def annotations(self) -> list[dict]:
        """Every annotation record at once (holds the whole dataset's: walk :meth:`shards` instead)."""
        return [a for _, annotations in self.shards() for a in annotations]


class DatasetOutput(Protocol):
    """Where a writer's dataset files go at the merge (paths relative to the dataset root); each
    file appears whole, or not at all if the merge is killed while writing it."""

    def write(self, relative: str, data: bytes) -> None: ...

    def open(self, relative: str) -> AbstractContextManager[IO[bytes]]:
        """A file to write ``relative`` through, put in place when the block ends without error."""
        ...

    def scratch(self) -> IO[bytes]:
        """A temporary file beside the dataset (for what a writer must spool), gone when closed."""
        ...


class Writer:
    """Base writer: writes nothing. Subclasses override what their format needs."""

    name = "base"
    config: type | None = None  # the dataclass of this format's settings (``export.<name>``), if any

    def __init__(self, ctx: WriterContext) -> None:
        self.ctx = ctx

    @classmethod
    def check_config(cls, cfg: Any) -> None:
        """Raise ConfigError if the job (SimgenConfig) cannot be written in this format."""

    def warnings(self) -> list[str]:
        """What the user should know before the job is written in this format."""
        return []

    def frame_files(self, labels: FrameLabels, view: Any) -> dict[str, bytes]:
        """Files of one view; ``view`` is its ViewBytes (``view.rgb(fmt)``, ``view.layer(name)``)."""
        return {}

    def frame_records(self, labels: FrameLabels, view: Any) -> FrameRecords | None:
        """The view's index records (only the index format has them; None otherwise)."""
        return None

    def scene_files(self, frames: list[FrameLabels]) -> dict[str, bytes]:
        return {}

    def dataset_files(self, records: DatasetRecords) -> dict[str, bytes]:
        """Files written once at the merge, from every frame's index records."""
        return {}

    def write_dataset_files(self, records: DatasetRecords, out: DatasetOutput) -> None:
        """Write the files of :meth:`dataset_files` to ``out``; a writer whose files grow with the
        dataset overrides this to write them a piece at a time."""
        for relative, data in self.dataset_files(records).items():
            out.write(relative, data)


WRITERS: Registry[type[Writer]] = Registry("format", "export.formats")


def refuse_lens(cfg: Any, name: str, why: str) -> None:
    """One-line ConfigError for a format that cannot hold a distorted camera (KITTI, BOP): their
    labels would be wrong, so the job is refused rather than written with a pinhole's calibration."""
    model = cfg.camera.model
    if model != "pinhole":
        raise ConfigError(f"export.formats includes {name}: {why}, so camera.model={model} is refused "
                          f"(use camera=pinhole for {name}; coco and yolo hold distorted cameras)")


def register(cls):
    """Class decorator: make ``cls`` the writer of format ``cls.name``."""
    return WRITERS.register(cls.name)(cls)


def make_writers(names, ctx: WriterContext) -> list[Writer]:
    return [WRITERS.get(n)(ctx) for n in names]


def config_warnings(ctx: WriterContext) -> list[str]:
    """Every chosen format's (``ctx.export.formats``) warnings about the job, one line each."""
    return [line for writer in make_writers(ctx.export.formats, ctx) for line in writer.warnings()]


def settings_fields() -> list[tuple[str, type]]:
    """(format name, settings dataclass) of every registered writer that has settings, by name:
    the fields the job's schema adds to ``export`` (:func:`simgen.job.export_schema`)."""
    return [(name, cls.config) for name in WRITERS.names() if (cls := WRITERS.get(name)).config is not None]
