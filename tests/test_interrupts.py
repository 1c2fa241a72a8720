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
