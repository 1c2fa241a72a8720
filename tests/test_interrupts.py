"""A Ctrl-C swallowed by a library is not lost: the farm's next check raises it again."""

import os
import signal

import pytest

from simgen.core import interrupts


def test_a_swallowed_ctrl_c_is_raised_again_at_the_next_check():
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        interrupts.install()
        interrupts.check()  # nothing pressed yet: no error
        try:  # what trimesh's `except BaseException` around an optional import does
            os.kill(os.getpid(), signal.SIGINT)
        except BaseException:
            pass
        with pytest.raises(KeyboardInterrupt):
            interrupts.check()
    finally:
        interrupts._requested.clear()
        signal.signal(signal.SIGINT, before)


def _sigint_disposition(conn) -> None:
    conn.send(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)


def test_children_started_in_the_shield_ignore_ctrl_c_and_the_driver_still_gets_it():
    """A worker still importing when Ctrl-C reaches the process group printed its own
    KeyboardInterrupt traceback under the driver's line: children started in the shield ignore
    SIGINT, and a Ctrl-C during the start reaches the driver afterwards, not lost."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            with interrupts.children_ignore_sigint():
                process = ctx.Process(target=_sigint_disposition, args=(child,))
                process.start()
                os.kill(os.getpid(), signal.SIGINT)  # pending until the shield ends
            pytest.fail("the Ctrl-C pressed during the start was lost")
        assert parent.recv() is True
        process.join(30)
        assert process.exitcode == 0
    finally:
        signal.signal(signal.SIGINT, before)
