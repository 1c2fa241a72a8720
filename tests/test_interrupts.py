"""A Ctrl-C swallowed by a library is not lost: the farm's next check raises it again."""

import os
import signal

import pytest
from helpers import cli_env, tiny_dataset

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


@pytest.mark.parametrize("spawned", [True, False])
def test_a_worker_the_command_spawns_ignores_ctrl_c_from_its_first_import(spawned):
    """A worker still importing when Ctrl-C reached the process group printed its own
    KeyboardInterrupt traceback under the command's one line: a process spawned from the
    command ignores SIGINT as soon as it imports the command's module (the command itself
    keeps its handler)."""
    import subprocess
    import sys

    flag = ", '--multiprocessing-fork'" if spawned else ""
    code = (f"import signal, sys; sys.argv = ['-c'{flag}]; import simgen.tools.cli; "
            "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=cli_env())
    assert proc.stdout.strip() == str(spawned), proc.stderr[-2000:]


def _after_merge(root, validate: bool) -> tuple[int, str]:
    """Run the command's last steps (validation, the report) on ``root``: (exit status, stderr)."""
    from simgen.tools import cli

    with pytest.raises(SystemExit) as info:
        cli.validate_and_report(root, validate, True, 3, (3, 3))
    return info.value.code


def test_ctrl_c_turned_into_a_library_error_during_validation_is_one_true_line(tmp_path, monkeypatch, capsys):
    """pycocotools turned a Ctrl-C during validation into a TypeError traceback with exit 1."""
    from simgen.tools import validate

    root = tiny_dataset(tmp_path / "ds")

    def interrupted(out):
        interrupts._requested.set()  # what the command's SIGINT handler records
        raise TypeError("__array__() got an unexpected keyword argument 'copy'")

    monkeypatch.setattr(validate, "validate_dataset", interrupted)
    try:
        assert _after_merge(root, validate=True) == 130
    finally:
        interrupts._requested.clear()
    assert capsys.readouterr().err == (
        f"simgen: error: interrupted; the dataset in {root} is complete (3 frames), but not validated and its "
        "report was not written: rerun the same command to finish\n")
    assert not (root / "report").exists()  # the report process was stopped, its folder removed


def test_ctrl_c_during_the_report_says_the_dataset_is_complete_and_removes_the_partial_report(
        tmp_path, monkeypatch, capsys):
    """It said only 'error: interrupted' and left a partial report/ that looked finished."""
    from simgen.report.summary import ReportJob
    from simgen.tools import validate

    root = tiny_dataset(tmp_path / "ds")
    jobs = []

    def interrupted(self):
        jobs.append(self)
        (self.folder / "figures").mkdir(parents=True, exist_ok=True)  # what a report half-way leaves
        (self.folder / "stats.json").write_text("{}")
        raise KeyboardInterrupt

    monkeypatch.setattr(validate, "validate_dataset", lambda out: [])
    monkeypatch.setattr(ReportJob, "finish", interrupted)
    assert _after_merge(root, validate=True) == 130
    err = capsys.readouterr().err
    assert err == (f"simgen: error: interrupted; the dataset in {root} is complete (3 frames) and validated, but "
                   "its report was not written: rerun the same command to finish\n")
    assert not (root / "report").exists()
    assert jobs[0]._process is None  # stopped, not left drawing
