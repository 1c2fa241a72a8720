"""Whole-file writes that readers and concurrent writers never see half done (shards, merges,
on-disk caches shared by worker processes)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

TMP_PREFIX = ".tmp-"  # temporaries of killed writers carry it, so cleaners can find them


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write through a uniquely named temporary file and rename: readers and concurrent writers
    of the same path never see a partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}.{uuid.uuid4().hex}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
