"""Giving freed heap memory back to the system between scenes.

A scene allocates and frees many image-sized arrays (render read-backs, the image stage's
float32 temporaries, encoded files on the encode thread). glibc's malloc keeps most of what is
freed in its arenas (its mmap threshold rises to the largest block freed, so later arrays of
that size come from the heap), and a worker's resident memory drifts up and down by tens of
MB from scene to scene. ``malloc_trim(0)`` returns the free pages: 10-45 MB per tabletop scene
at 320x240, for 1-8 ms. A fixed mmap threshold would do it without a call but makes every large
temporary fault its pages afresh (the image stage 30-60% slower), so it is not used.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc():
    """glibc, or None where there is none (macOS, musl): nothing to trim there."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_free_heap() -> None:
    """Return the heap's free pages to the system (glibc ``malloc_trim``); a no-op elsewhere."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
