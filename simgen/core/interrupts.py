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


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed, even if the first one was swallowed."""
    if _requested.is_set():
        raise KeyboardInterrupt
