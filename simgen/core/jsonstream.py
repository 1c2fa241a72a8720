"""Reading the large JSON files of a dataset (COCO's per-split files) one record at a time, so
readers hold a record, not the file (about 1.4 KB of JSON per annotation, several times that as
Python objects). ijson's C parser yields each element of a top-level array as it is read.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

_MISSING = object()


def array_items(path: Path, key: str) -> Iterator[Any]:
    """The elements of the top-level array ``key`` of the JSON object in ``path``, one at a
    time (numbers as ``json`` gives them: int, or float where written with a point or exponent).
    Nothing when there is no such array. Raises ``ijson.JSONError`` or OSError where the file
    cannot be read."""
    with open(path, "rb") as f:
        yield from ijson.items(f, f"{key}.item", use_float=True)


def member(path: Path, key: str, default: Any = None) -> Any:
    """The top-level member ``key`` (read whole: for the small ones, ``info``, ``categories``);
    ``default`` where there is none."""
    with open(path, "rb") as f:
        return next(iter(ijson.items(f, key, use_float=True)), default)


def may_have_key(path: Path, key: str) -> bool:
    """False only when ``"key"`` is nowhere in the file, so a top-level member of that name is
    surely missing (one scan of the bytes, nothing parsed)."""
    with open(path, "rb") as f:
        try:
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                return m.find(f'"{key}"'.encode()) >= 0
        except ValueError:  # an empty file cannot be mapped
            return False
