"""The output directory of a job: its job record, its shards, and the merged dataset.

```
output_dir/
  simgen_job.json                 the job's dataset-deciding config, its hash, the shard size
  shards/scenes_000000-000015/    complete shards (manifest.json, coco.json, files in final layout)
  shards/.tmp-...                 work in progress or left by a killed run: never trusted
  images/<split>/ layers/ ...     hard links to the shards' files (the merge)
  annotations/instances_<split>.json   COCO per split
  simgen_dataset.json             written last by the merge: its presence means "complete"
```

Merging links every shard file into place, joins the shards' index records and has every
chosen writer write its dataset files from them (COCO's per-split files among them), each
atomically, so a merge killed part-way is simply run again. The records are read shard by shard
as writers walk them, so the merge holds one shard's records at a time, whatever the dataset's
size.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import simgen
from simgen.config.canonical import first_difference, job_hash, without_size
from simgen.core import layout
from simgen.core.atomic import open_atomic, write_bytes_atomic
from simgen.core.errors import ConfigError, DatasetError
from simgen.core.splits import SPLITS
from simgen.export.writers import DatasetRecords, make_writers
from simgen.store.shards import (
    TMP_PREFIX,
    Shard,
    check_shard,
    dataset_files,
    discard,
    load_records,
)

RECORD = "simgen_job.json"
SHARDS = "shards"
RECORD_FORMAT = 1
_DATA_ENTRIES = (layout.IMAGES, layout.LAYERS, layout.ANNOTATIONS, layout.INDEX_FILE, SHARDS)


@dataclass
class JobRecord:
    """What a dataset directory was made from; a resumed run must match ``config_hash`` (the
    config's hash without ``frames``, see :func:`~simgen.config.canonical.job_hash`)."""

    config: dict
    config_hash: str
    scenes_per_shard: int
    format: int = RECORD_FORMAT
    simgen_version: str = simgen.__version__

    @classmethod
    def new(cls, config: dict, scenes_per_shard: int) -> JobRecord:
        return cls(config=config, config_hash=job_hash(config), scenes_per_shard=scenes_per_shard)


def dataset_index(job, records: DatasetRecords) -> dict:
    """``simgen_dataset.json``: where each split's COCO file and images are, with counts."""
    counts = records.split_counts()
    frames = {split: n for split, (n, _) in counts.items()}
    annotations = {split: n for split, (_, n) in counts.items()}
    return {
        "format": 1,
        "simgen_version": simgen.__version__,
        "splits": {split: {"coco": layout.coco_file(split), "images": f"{layout.IMAGES}/{split}",
                           "frames": frames[split], "annotations": annotations[split]}
                   for split in sorted(frames, key=SPLITS.index)},
        "layers": {name: layout.LAYERS + "/" + name for name in job.export.layers},
        "formats": list(job.export.formats),
    }


def read_index(root: Path) -> dict:
    """The finished dataset's index (raises DatasetError when there is none)."""
    try:
        return json.loads((Path(root) / layout.INDEX_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{root}: no readable {layout.INDEX_FILE} (not a finished simgen dataset): {exc}") from None


def load_coco(root: Path) -> dict:
    """Every split's COCO document of a finished dataset joined into one (images by id); each
    image record keeps its ``split``, so ``images/<split>/<file_name>`` finds its file."""
    docs = [json.loads((Path(root) / entry["coco"]).read_text()) for entry in read_index(root)["splits"].values()]
    joined = {**docs[0], "images": [], "annotations": []}
    for doc in docs:
        joined["images"] += doc["images"]
        joined["annotations"] += doc["annotations"]
    joined["images"].sort(key=lambda r: r["id"])
    joined["annotations"].sort(key=lambda a: a["id"])
    joined["info"] = {k: v for k, v in joined["info"].items() if k != "split"}
    return joined


def shard_frames(job, shard: Shard) -> int:
    return sum(len(job.image_indices(i)) for i in shard.scenes)


@contextmanager
def _merge_lock(root: Path) -> Iterator[None]:
    """An exclusive lock on the job record ``root/simgen_job.json`` (every output_dir has one,
    so no lock file is left behind), released when the process ends however it ends. Where the
    filesystem has no locks (Lustre mounted without flock), merges run unlocked."""
    with open(root / RECORD, "r+b") as f:  # opened for writing (NFS locks need it), never written
        try:
            fcntl.flock(f, fcntl.LOCK_EX)
        except OSError:
            yield
            return
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _link(src: Path, dst: Path) -> None:
    """Make ``dst`` the file ``src`` (a hard link, or a copy where links are not possible);
    nothing to do when it already is, so a merge can be redone."""
    try:
        if os.path.samefile(src, dst):
            return
    except FileNotFoundError:
        pass
    for attempt in range(3):  # where merges run unlocked, a concurrent one may clear our temporary
        tmp = dst.with_name(f"{TMP_PREFIX}{dst.name}.{uuid.uuid4().hex}")
        try:
            try:
                os.link(src, tmp)
            except OSError:  # a filesystem without hard links
                shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
            return
        except FileNotFoundError:
            if attempt == 2:
                raise


class DatasetDir:
    """One job's output directory (see the module docstring for its layout)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.shards = self.root / SHARDS
        self.done_marker = self.root / layout.INDEX_FILE

    def shard_dir(self, shard: Shard) -> Path:
        return self.shards / shard.name

    def read_record(self) -> JobRecord | None:
        try:
            return JobRecord(**json.loads((self.root / RECORD).read_text()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as exc:
            raise DatasetError(f"{self.root / RECORD}: not a simgen job record ({exc})") from None

    def adopt(self, record: JobRecord) -> JobRecord:
        """Record the job here, or check it against the one recorded; returns the record in
        force (its ``scenes_per_shard`` wins, since complete shards were cut by it). A job with
        more ``frames`` than recorded grows the dataset: the record takes the new count.

        Raises ConfigError, touching nothing, when the recorded job differs or has more frames."""
        existing = self.read_record()
        if existing is None:
            if any((self.root / name).exists() for name in _DATA_ENTRIES):
                raise DatasetError(f"output_dir={self.root}: holds dataset files but no {RECORD}; "
                                   "choose a new output_dir")
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = self.root / f"{TMP_PREFIX}{RECORD}.{uuid.uuid4().hex}"
            tmp.write_text(json.dumps(asdict(record), indent=1, sort_keys=True))
            try:
                os.link(tmp, self.root / RECORD)  # create-if-absent: concurrent slices agree
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
            existing = self.read_record()
        if existing.config_hash != record.config_hash:
            diff = first_difference(without_size(existing.config), without_size(record.config)) or "simgen version or schema"
            raise ConfigError(f"output_dir={self.root} holds a job with another config ({diff}); "
                              "rerun with the recorded config or choose a new output_dir")
        old, new = existing.config.get("frames"), record.config.get("frames")
        if old == new:
            return existing
        if new < old:
            raise ConfigError(f"frames={new}: output_dir={self.root} holds a dataset of {old} frames, and a "
                              f"dataset grows but never shrinks; rerun with frames={old} or choose a new output_dir")
        grown = JobRecord(**{**asdict(existing), "config": {**existing.config, "frames": new}})
        write_bytes_atomic(self.root / RECORD, json.dumps(asdict(grown), indent=1, sort_keys=True).encode())
        return grown

    def forget_if_empty(self) -> None:
        """Remove the job record, ``shards/`` and the folder itself if no shard was written
        there (a first run that stopped before rendering anything leaves nothing behind)."""
        try:
            self.shards.rmdir()
        except FileNotFoundError:
            pass
        except OSError:  # shards (or another slice's work in progress) are there: keep all
            return
        (self.root / RECORD).unlink(missing_ok=True)
        try:
            self.root.rmdir()
        except OSError:
            pass

    def discard_unplanned(self, shards: list[Shard]) -> None:
        """Remove shard folders that are no shard of the job (a grown job's last shard, cut
        shorter when it had fewer scenes); temporaries are left to their runs."""
        planned = {s.name for s in shards}
        if self.shards.is_dir():
            for path in self.shards.iterdir():
                if not path.name.startswith(TMP_PREFIX) and path.name not in planned:
                    discard(path)

    def check(self, shard: Shard, job, record: JobRecord, checksums: bool = True) -> str | None:
        """Why ``shard`` is not complete here, or None (see :func:`check_shard`)."""
        return check_shard(self.shard_dir(shard), shard, record.config_hash, shard_frames(job, shard), checksums)

    def unmark_done(self) -> None:
        """Withdraw the merged COCO file while shards are (re)made: no dataset looks complete."""
        self.done_marker.unlink(missing_ok=True)

    def _clear_temporaries(self, folders: set[str]) -> None:
        """Remove temporaries left by killed merges (only called under the merge lock)."""
        for folder in folders:
            for tmp in (self.root / folder).glob(f"{TMP_PREFIX}*"):
                tmp.unlink(missing_ok=True)

    def merge(self, job, record: JobRecord, shards: list[Shard], verified: frozenset[str] = frozenset()) -> tuple[int, int]:
        """Join complete shards into the final layout; returns (frames, annotations).

        Shards not named in ``verified`` are checked against their checksums first. Merges of
        one folder take turns (SLURM slices may finish together), so each may clear what a
        killed merge left behind without taking a running merge's files."""
        with _merge_lock(self.root):
            return self._merge(job, record, shards, verified)

    def _merge(self, job, record: JobRecord, shards: list[Shard], verified: frozenset[str]) -> tuple[int, int]:
        bad = [f"{s.name} ({why})" for s in shards if s.name not in verified
               for why in [self.check(s, job, record)] if why]
        if bad:
            raise DatasetError(f"{self.root}: cannot merge, incomplete shards: {', '.join(bad[:5])}"
                               f"{' ...' if len(bad) > 5 else ''}")
        records, made = DatasetRecords(), set()
        for shard in shards:
            src = self.shard_dir(shard)
            files = dataset_files(src)
            folders = {str(Path(rel).parent) for rel in files} - made
            for folder in folders:
                (self.root / folder).mkdir(parents=True, exist_ok=True)
            self._clear_temporaries(folders)
            made |= folders
            for rel in files:
                _link(src / rel, self.root / rel)
            records.add_shard(lambda src=src: load_records(src))
        out = _MergeOutput(self, made)
        for writer in make_writers(job.export.formats, job.writer_context()):
            writer.write_dataset_files(records, out)
        index = dataset_index(job, records)
        write_bytes_atomic(self.done_marker, json.dumps(index, indent=1).encode())
        counts = records.split_counts().values()
        return sum(n for n, _ in counts), sum(n for _, n in counts)


class _MergeOutput:
    """The dataset root as writers' :class:`~simgen.export.writers.DatasetOutput` during a merge:
    the first write into a folder clears what killed merges left there."""

    def __init__(self, ds: DatasetDir, cleared: set[str]) -> None:
        self.ds, self.cleared = ds, cleared

    def _path(self, relative: str) -> Path:
        folder = str(Path(relative).parent)
        if folder not in self.cleared and folder != ".":
            self.ds._clear_temporaries({folder})
            self.cleared.add(folder)
        return self.ds.root / relative

    def write(self, relative: str, data: bytes) -> None:
        write_bytes_atomic(self._path(relative), data)

    def open(self, relative: str):
        return open_atomic(self._path(relative))

    def scratch(self):
        return tempfile.TemporaryFile(dir=self.ds.root, prefix=TMP_PREFIX)
