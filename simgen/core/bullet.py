"""The pybullet module, imported once and quietly: everything in simgen takes ``pb`` from here.

In core/, not physics/: the asset stage (convex decomposition with ``pybullet.vhacd``) uses it
too, and comes before physics."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_fd(fd: int) -> Iterator[None]:
    """Silence what C code writes to file descriptor ``fd`` (1 stdout, 2 stderr) meanwhile."""
    (sys.stdout if fd == 1 else sys.stderr).flush()
    saved, devnull = os.dup(fd), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    try:
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def _import_pybullet():
    """Import pybullet without the build-time banner its C code prints on stderr."""
    with quiet_fd(2):
        import pybullet
    return pybullet


pb = _import_pybullet()
