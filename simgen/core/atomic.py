"""Whole-file writes that readers and concurrent writers never see half done (shards, merges,
on-disk caches shared by worker processes)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

TMP_PREFIX = ".tmp-"  # temporaries of killed writers carry it, so cleaners can find them


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write through a uniquely named temporary file and rename: readers and concurrent writers
    of the same path never see a partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}.{uuid.uuid4().hex}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@contextmanager
def open_atomic(path: Path) -> Iterator[IO[bytes]]:
    """A binary file to write ``path`` through a piece at a time: it takes ``path``'s place when
    the block ends, and is removed if the block raises (readers never see it half written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}.{uuid.uuid4().hex}")
    try:
        with open(tmp, "wb") as f:
            yield f
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
