"""Ctrl-C that cannot be lost: the command's SIGINT handler records the request as well as
raising KeyboardInterrupt, and the farm checks the record between scenes.

Some libraries swallow a KeyboardInterrupt raised inside them (trimesh guards optional imports
with ``except BaseException``), so an interrupt landing there would let the job run to the end.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def children_ignore_sigint() -> Iterator[None]:
    """Processes started inside ignore SIGINT from their first line: Ctrl-C reaches the whole
    process group, and a worker still importing printed its own KeyboardInterrupt traceback
    under the driver's one line. A spawned child inherits an ignored signal (not a handler, nor
    the signal mask); the mask keeps a Ctrl-C of this window pending for the driver.
    multiprocessing's resource tracker is started first, since starting it unblocks SIGINT."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
