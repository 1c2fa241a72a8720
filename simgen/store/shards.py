"""Shards: a run of consecutive scenes written as one folder that appears whole or not at all.

A shard is written into a private temporary folder next to its final place, then renamed into
place with its manifest: the scene range, frame and annotation counts, the job's config hash and
the sha256 of every file. A folder under its final name with a manifest that checks out is
complete; anything else (a temporary folder left by a killed run, a file that does not match its
checksum) is redone. The COCO records of the shard's frames travel in ``coco.json`` and are
numbered only when shards are merged.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from simgen.core.atomic import TMP_PREFIX
from simgen.core.errors import DatasetError

MANIFEST = "manifest.json"
RECORDS = "coco.json"
FORMAT = 1


@dataclass(frozen=True)
class Shard:
    """Scenes ``first`` .. ``stop - 1`` of a job."""

    first: int
    stop: int

    @property
    def name(self) -> str:
        return f"scenes_{self.first:06d}-{self.stop - 1:06d}"

    @property
    def scenes(self) -> range:
        return range(self.first, self.stop)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class ShardWriter:
    """Collects one shard's files in a temporary folder; :meth:`commit` puts it in place."""

    def __init__(self, shards_dir: Path, shard: Shard) -> None:
        self.shard = shard
        self.final = Path(shards_dir) / shard.name
        self.tmp = Path(shards_dir) / f"{TMP_PREFIX}{shard.name}.{uuid.uuid4().hex}"
        self.tmp.mkdir(parents=True)
        self.files: dict[str, dict] = {}
        self.images: list[dict] = []
        self.annotations: list[dict] = []
        self._dirs: set[Path] = set()

    def _mkdirs(self, relative: str) -> None:
        folder = self.tmp
        for part in Path(relative).parent.parts:  # never re-creates self.tmp once removed
            folder = folder / part
            if folder not in self._dirs:
                folder.mkdir(exist_ok=True)
                self._dirs.add(folder)

    def add_file(self, relative: str, data: bytes) -> None:
        path = self.tmp / relative
        self._mkdirs(relative)
        path.write_bytes(data)
        self.files[relative] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}

    def add_link(self, relative: str, source: str) -> None:
        """``relative`` as a hard link to the already added file ``source`` (a copy where the
        filesystem has no links); the manifest lists it like any file."""
        path = self.tmp / relative
        self._mkdirs(relative)
        try:
            os.link(self.tmp / source, path)
        except OSError:
            shutil.copyfile(self.tmp / source, path)
        self.files[relative] = dict(self.files[source])

    def add_records(self, image: dict, annotations: list[dict]) -> None:
        self.images.append(image)
        self.annotations.extend(annotations)

    def commit(self, config_hash: str, seed: int) -> bool:
        """Write records and manifest, rename into place. False when another process (a
        concurrent slice, a worker left from a killed run) already put the same shard there.

        Raises DatasetError when the temporary folder lost files meanwhile (a resumed run
        clearing what a worker of the killed run was still writing)."""
        records = {"images": self.images, "annotations": self.annotations}
        self.add_file(RECORDS, json.dumps(records, separators=(",", ":")).encode())
        manifest = {
            "format": FORMAT, "shard": self.shard.name, "scenes": [self.shard.first, self.shard.stop],
            "seed": seed, "config_hash": config_hash, "frames": len(self.images),
            "annotations": len(self.annotations), "files": dict(sorted(self.files.items())),
        }
        (self.tmp / MANIFEST).write_text(json.dumps(manifest, indent=1))
        frames = len(self.images)
        lost = check_shard(self.tmp, self.shard, config_hash, frames, checksums=False)
        if lost:
            self.abort()
            raise DatasetError(f"shard {self.shard.name} was disturbed while written: {lost}")
        for _ in range(2):
            try:
                os.rename(self.tmp, self.final)
                return True
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
            if check_shard(self.final, self.shard, config_hash, frames) is None:
                self.abort()
                return False
            discard(self.final)  # not a complete shard: ours takes its place
        self.abort()
        raise DatasetError(f"shard {self.shard.name}: {self.final} keeps being replaced by another process")

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def read_manifest(shard_dir: Path) -> dict | None:
    try:
        return json.loads((Path(shard_dir) / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def check_shard(shard_dir: Path, shard: Shard, config_hash: str, frames: int, checksums: bool = True) -> str | None:
    """Why the shard folder is not complete for this job, or None when it is.

    ``checksums=False`` checks the manifest and file sizes only (cheap; used to see whether a
    merge can start, which then checks fully)."""
    shard_dir = Path(shard_dir)
    manifest = read_manifest(shard_dir)
    if manifest is None:
        return "no readable manifest"
    if manifest.get("format") != FORMAT or manifest.get("config_hash") != config_hash:
        return "manifest of another config"
    if manifest.get("scenes") != [shard.first, shard.stop] or manifest.get("frames") != frames:
        return f"manifest covers scenes {manifest.get('scenes')} with {manifest.get('frames')} frames"
    for rel, entry in manifest.get("files", {}).items():
        path = shard_dir / rel
        try:
            size = path.stat().st_size
        except OSError:
            return f"{rel} is missing"
        if size != entry["bytes"] or (checksums and sha256_file(path) != entry["sha256"]):
            return f"{rel} does not match its checksum"
    if RECORDS not in manifest.get("files", {}):
        return f"{RECORDS} is not listed"
    return None


def load_records(shard_dir: Path) -> tuple[list[dict], list[dict]]:
    """The shard's COCO image records and (unnumbered) annotation records."""
    records = json.loads((Path(shard_dir) / RECORDS).read_text())
    return records["images"], records["annotations"]


def dataset_files(shard_dir: Path) -> list[str]:
    """The shard's files that belong in the merged dataset (all but records and manifest)."""
    manifest = read_manifest(shard_dir) or {}
    return [rel for rel in manifest.get("files", {}) if rel != RECORDS]


def discard(path: Path) -> None:
    """Remove a folder so that a kill part-way leaves only a temporary-looking name behind."""
    path = Path(path)
    if not path.exists():
        return
    if not path.name.startswith(TMP_PREFIX):
        doomed = path.with_name(f"{TMP_PREFIX}{path.name}.discard.{uuid.uuid4().hex}")
        os.rename(path, doomed)
        path = doomed
    shutil.rmtree(path, ignore_errors=True)


def remove_temporaries(shards_dir: Path, shard: Shard) -> None:
    """Temporary folders of ``shard`` left by killed attempts (only this shard's, so a slice
    never touches the work in progress of another)."""
    for tmp in Path(shards_dir).glob(f"{TMP_PREFIX}{shard.name}.*"):
        shutil.rmtree(tmp, ignore_errors=True)
