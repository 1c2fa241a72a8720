"""Ctrl-C that cannot be lost: the command's SIGINT handler records the request as well as
raising KeyboardInterrupt, and the farm checks the record between scenes.

Some libraries swallow a KeyboardInterrupt raised inside them (trimesh guards optional imports
with ``except BaseException``), so an interrupt landing there would let the job run to the end.
"""

from __future__ import annotations

import signal
import threading

_requested = threading.Event()


def _on_sigint(signum, frame) -> None:
    _requested.set()
    raise KeyboardInterrupt


def install() -> None:
    """Handle SIGINT as above, unless it is ignored (a background job keeps ignoring it)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)


def requested() -> bool:
    """Whether Ctrl-C was pressed: a library may have turned the KeyboardInterrupt into an
    error of its own (pycocotools' TypeError from numpy's ``__array__``), or swallowed it."""
    return _requested.is_set()


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed, even if the first one was swallowed."""
    if _requested.is_set():
        raise KeyboardInterrupt


def ignore_in_spawned_worker(argv: list[str]) -> None:
    """Ignore SIGINT in a process that multiprocessing spawned from the command (its worker
    processes, the report's): Ctrl-C reaches the whole process group, and a worker still
    importing printed its own KeyboardInterrupt traceback under the command's one line. The
    command ends its workers itself. Called first thing by the command's module, which a
    spawned child imports before anything heavy; ignoring in the parent instead while it
    starts a child would lose a Ctrl-C that another thread received meanwhile."""
    if "--multiprocessing-fork" in argv:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
