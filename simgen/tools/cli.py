"""``simgen``: Hydra's command line over the package configs (simgen/conf/) and recipes (simgen/scenes/).

Before Hydra takes over, the overrides are composed and checked once, so a bad value is a
one-line error naming the setting, with exit status 2, before any directory is created.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from simgen.core import interrupts

interrupts.ignore_in_spawned_worker(sys.argv)  # before the heavy imports a worker also makes
from simgen.core.errors import SimgenError  # noqa: E402 (after the line above, on purpose)
from simgen.job import load_job, to_job  # noqa: E402

# Flags that make Hydra print or sweep rather than run one job.
_NO_PRECHECK = {"-m", "--multirun", "-h", "--help", "--hydra-help", "-c", "--cfg", "-i", "--info",
                "-p", "--package", "-sc", "--shell-completion", "-cp", "--config-path", "-cn", "--config-name",
                "-cd", "--config-dir", "--resolve", "--version"}


_clock = [time.perf_counter()]  # when this job's set-up began (process start, then each job's end)
_prechecked: dict[tuple[str, ...], tuple] = {}  # overrides -> (typed, job) checked before Hydra ran


def fail(message: str, code: int = 2) -> None:
    print(f"simgen: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def interrupted_message(out: Path | None) -> str:
    """One line for Ctrl-C: what is kept in ``out`` and how to go on."""
    from simgen.farm.runner import plural
    from simgen.store.dataset import SHARDS
    from simgen.store.shards import TMP_PREFIX

    folder = out / SHARDS if out is not None else None
    kept = [p for p in folder.iterdir() if not p.name.startswith(TMP_PREFIX)] if folder and folder.is_dir() else []
    if not kept:
        return "interrupted before a shard was complete; nothing was kept"
    return (f"interrupted; {plural(len(kept), 'complete shard')} kept in {folder}: "
            "rerun the same command to resume")


def _task(cfg) -> None:
    from hydra.core.hydra_config import HydraConfig

    from simgen.config.canonical import default_output_dir
    from simgen.export.writers import config_warnings
    from simgen.farm.runner import run_job

    out = None
    try:
        overrides = list(HydraConfig.get().overrides.task)
        typed, job = _prechecked.pop(tuple(overrides), None) or to_job(cfg, overrides)
        for warning in config_warnings(job.writer_context()):
            print(f"simgen: warning: {warning}", file=sys.stderr)
        out = Path(typed.output_dir) if typed.output_dir else default_output_dir(typed)
        setup = time.perf_counter() - _clock[0]
        summary = run_job(typed, job, out, progress=True)
        summary.setup_seconds = setup
    except SimgenError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail(interrupted_message(out), 130)
    finally:
        _clock[0] = time.perf_counter()  # the next job of a multirun counts its own set-up
        _drop_empty_job_dir()
    if summary.frames_rendered:
        print(summary.table())
    print(f"simgen: set-up {setup:.1f} s (configuration and value checks, meshes, collision shapes)")
    print(summary.line())
    if summary.merged is None:  # a slice validates and reports nothing until merged
        return
    from simgen.randomizers.balance import targets

    wanted = targets(typed.balance, typed.scene) if typed.balance.classes else None
    validate_and_report(out, typed.validate, typed.report, typed.frames, summary.merged, wanted)


def _drop_empty_job_dir() -> None:
    """Remove the job's folder Hydra makes in a sweep (``multirun/DATE/TIME/N/``) when nothing
    was written there: simgen writes into output_dir, and each job left an empty folder."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    try:
        hydra = HydraConfig.get()
        if hydra.mode == RunMode.MULTIRUN:
            Path(hydra.runtime.output_dir).rmdir()  # only an empty folder goes
    except (OSError, ValueError):
        pass


def validate_and_report(out: Path, validate: bool, report_setting: bool | None, frames: int,
                        merged: tuple[int, int], targets: dict[str, float] | None = None) -> None:
    """After the merge: check the labels while the report is drawn in a process of its own,
    then print the balance line (with ``targets``, the shares ``balance.classes`` asked for). Ctrl-C here is one true line (the dataset is complete, what
    was left undone), and a report it cut short is removed."""
    from simgen.report.summary import ReportJob

    report = ReportJob(out, report_setting, frames, targets)  # drawn meanwhile, never per frame
    stale = report.drop_stale(merged[0])
    if stale:
        print(stale)
    validated = False
    try:
        if validate:
            from simgen.tools.validate import validate_dataset

            found = validate_dataset(out)
            if found:
                report.cancel()
                for v in found[:20]:
                    print(v, file=sys.stderr)
                fail(f"{out}: {len(found)} label-rule violations (simgen-validate {out} lists them all)", 1)
            validated = True
            print(f"simgen: validated {merged[0]} images, {merged[1]} annotations: no label-rule violations")
        line, warning = report.finish()
    except Exception:
        if not interrupts.requested():
            raise
        report.cancel()  # a library turned the Ctrl-C into its own error (pycocotools: a TypeError)
        fail(interrupted_after_merge(out, merged[0], validate, validated, report.wanted), 130)
    except KeyboardInterrupt:
        report.cancel()
        fail(interrupted_after_merge(out, merged[0], validate, validated, report.wanted), 130)
    if warning:
        print(warning, file=sys.stderr)
    print(line)


def interrupted_after_merge(out: Path, frames: int, validate: bool, validated: bool, report: bool) -> str:
    """One line for Ctrl-C after the merge: the dataset is complete; say what was left undone
    (validation, the report, whose partial folder is removed) and how to finish it."""
    from simgen.farm.runner import plural

    undone = []
    if validate and not validated:
        undone.append("not validated")
    if report:
        undone.append("its report was not written")
    state = f"the dataset in {out} is complete ({plural(frames, 'frame')})"
    if validated:
        state += " and validated"
    if not undone:
        return f"interrupted; {state}"
    return f"interrupted; {state}, but {' and '.join(undone)}: rerun the same command to finish"


def main() -> None:
    interrupts.install()
    try:
        _main()
    except KeyboardInterrupt:  # before the job started (or between jobs of a multirun)
        fail("interrupted", 130)


def _configure_logging() -> None:
    """What simgen/conf/config.yaml's hydra.job_logging sets, for the checks before Hydra runs:
    warnings of every library and simgen's notes, as ``NAME: LEVEL: message`` on stderr."""
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(levelname)s: %(message)s")
    logging.getLogger("simgen").setLevel(logging.INFO)


def _wants_job_config(args: list[str]) -> bool:
    """``--cfg job`` (or ``-c job``, ``--cfg=job``) alone: simgen prints it with explanations;
    other --cfg forms, --package, --resolve and sweeps stay Hydra's."""
    asked = any(a in ("--cfg=job", "-c=job") for a in args) or any(
        a in ("--cfg", "-c") and args[k + 1:k + 2] == ["job"] for k, a in enumerate(args))
    others = {"-m", "--multirun", "-p", "--package", "--resolve", "--info", "-i", "--help", "-h", "--hydra-help"}
    return asked and not any(a.split("=")[0] in others for a in args)


def print_job_config(overrides: list[str]) -> None:
    """Print the composed job configuration as YAML with each section's and setting's
    explanation from the schemas (simgen.config.explain); Hydra's own printed bare keys."""
    from hydra import compose, initialize_config_dir

    from simgen.config.explain import explained_yaml
    from simgen.config.paths import CONFIG_DIR
    from simgen.job import hydra_error_line

    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="simgen"):
            cfg = compose(config_name="config", overrides=overrides)
    except Exception as exc:
        fail(hydra_error_line(exc))
    print(explained_yaml(cfg), end="")


def check_launcher(args: list[str]) -> None:
    """Exit 2 with one line when ``args`` choose a SLURM launcher on a machine without SLURM
    (no ``srun``): submitit stopped with an 8-frame traceback ("Could not detect srun") after
    Hydra had made its multirun folder."""
    import shutil

    chosen = next((a.split("=", 1)[1] for a in args if a.startswith("hydra/launcher=")), "")
    if "slurm" in chosen and shutil.which("srun") is None:
        fail(f"hydra/launcher={chosen}: SLURM is not available on this machine (no `srun` on PATH); run the command "
             "on the cluster's login node, or try the slices here with hydra/launcher=submitit_local")


def _main() -> None:
    from simgen.job import register_configs

    _configure_logging()

    try:
        register_configs()
    except SimgenError as exc:
        fail(str(exc), exc.exit_code)
    from simgen.config.overrides import open_mappings

    sys.argv[1:] = args = open_mappings(sys.argv[1:])  # Hydra parses sys.argv itself later
    check_launcher(args)
    if _wants_job_config(args):
        print_job_config([a for a in args if not a.startswith("-") and a != "job"])
        return
    if not any(a.split("=")[0] in _NO_PRECHECK for a in args):
        overrides = [a for a in args if not a.startswith("-")]
        try:
            _prechecked[tuple(overrides)] = load_job(overrides)
        except SimgenError as exc:
            fail(str(exc), exc.exit_code)

    import hydra

    from simgen.config.paths import CONFIG_DIR

    hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")(_task)()


if __name__ == "__main__":
    main()
