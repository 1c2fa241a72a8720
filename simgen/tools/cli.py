"""``simgen``: Hydra's command line over the package configs (simgen/conf/) and recipes (simgen/scenes/).

Before Hydra takes over, the overrides are composed and checked once, so a bad value is a
one-line error naming the setting, with exit status 2, before any directory is created.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from simgen.errors import SimgenError

# Flags that make Hydra print or sweep rather than run one job.
_NO_PRECHECK = {"-m", "--multirun", "-h", "--help", "--hydra-help", "-c", "--cfg", "-i", "--info",
                "-p", "--package", "-sc", "--shell-completion", "-cp", "--config-path", "-cn", "--config-name",
                "-cd", "--config-dir", "--resolve", "--version"}


_clock = [time.perf_counter()]  # when this job's set-up began (process start, then each job's end)
_prechecked: dict[tuple[str, ...], tuple] = {}  # overrides -> (typed, job) checked before Hydra ran


def fail(message: str, code: int = 2) -> None:
    print(f"simgen: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def _one_line(exc: BaseException) -> str:
    """A Hydra/OmegaConf error as one line: the missing option, or the first line of each cause."""
    text = str(exc)
    sweep = re.search(r"Ambiguous value for argument '([^=']+)=([^']+)'", text)
    if sweep:
        key, value = sweep.groups()
        return (f"{key}={value}: a comma-separated value is a sweep (run it with simgen -m); "
                f"for a list write {key}=[{value}]")
    missing = re.search(r"Could not (?:find|load) '([^/']+)/([^']+)'", text)
    if missing:
        from hydra.core.config_store import ConfigStore

        group, name = missing.groups()
        options = sorted(k[:-5] for k in ConfigStore.instance().list(group) if k.endswith(".yaml")) if group == "scene" else []
        if not options:
            from simgen.config.scenes import CONFIG_DIR

            options = sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))
        return f"{group}={name} is not available; choose one of: {', '.join(options)}"
    parts = []
    while exc is not None:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        key = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("full_key:")), None)
        first = lines[0] if lines else type(exc).__name__
        if key and key not in first:
            first = f"{key}: {first}"
        if first not in parts:
            parts.append(first)
        exc = exc.__cause__
    return "; ".join(parts)


def load_job(overrides: list[str]):
    """Compose the configuration with ``overrides`` and check it: (SimgenConfig, JobSpec)."""
    from hydra import compose, initialize_config_dir

    from simgen.config.scenes import CONFIG_DIR

    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="simgen"):
            cfg = compose(config_name="config", overrides=overrides)
    except SimgenError:
        raise
    except Exception as exc:
        raise SimgenError(_one_line(exc)) from None
    return to_job(cfg, overrides)


def to_job(cfg, overrides: list[str] = ()):
    """Typed config and worker JobSpec from a composed DictConfig, after value checks.

    ``overrides``: the command line's, whose ``export`` options add their formats."""
    from omegaconf import OmegaConf

    from simgen.assets.user import apply_user_assets
    from simgen.config import formats
    from simgen.config.checks import check_job
    from simgen.pipeline import JobSpec, category_names

    try:
        cfg.export.formats = formats.combine(cfg.export.formats, formats.chosen_options(overrides))
        typed = OmegaConf.to_object(cfg)
    except SimgenError:
        raise
    except Exception as exc:
        raise SimgenError(_one_line(exc)) from None
    typed.scene = apply_user_assets(typed.scene, typed.assets)  # assets.dirs: the user's meshes
    check_job(typed)
    job = JobSpec(scene=typed.scene, renderer=typed.renderer, labels=typed.labels, export=typed.export,
                  seed=typed.seed, frames=typed.frames, categories=category_names(typed.scene), sequence=typed.sequence,
                  balance=typed.balance, splits=typed.splits)
    return typed, job


def interrupted_message(out: Path | None) -> str:
    """One line for Ctrl-C: what is kept in ``out`` and how to go on."""
    from simgen.export.dataset import SHARDS
    from simgen.export.shards import TMP_PREFIX
    from simgen.farm.runner import plural

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
        for warning in config_warnings(job.export.formats, typed):
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
    if summary.frames_rendered:
        print(summary.table())
    print(f"simgen: set-up {setup:.1f} s (configuration and value checks, meshes, collision shapes)")
    print(summary.line())
    if summary.merged is None:  # a slice validates and reports nothing until merged
        return
    from simgen.report.summary import ReportJob

    report = ReportJob(out, typed.report, typed.frames)  # drawn meanwhile, never per frame
    if typed.validate:
        from simgen.tools.validate import validate_dataset

        found = validate_dataset(out)
        if found:
            report.cancel()
            for v in found[:20]:
                print(v, file=sys.stderr)
            fail(f"{out}: {len(found)} label-rule violations (simgen-validate {out} lists them all)", 1)
        print(f"simgen: validated {summary.merged[0]} images, {summary.merged[1]} annotations: "
              "no label-rule violations")
    line, warning = report.finish()
    if warning:
        print(warning, file=sys.stderr)
    print(line)


def main() -> None:
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


def _main() -> None:
    from simgen.config.scenes import register_configs

    _configure_logging()

    try:
        register_configs()
    except SimgenError as exc:
        fail(str(exc), exc.exit_code)
    args = sys.argv[1:]
    if not any(a.split("=")[0] in _NO_PRECHECK for a in args):
        overrides = [a for a in args if not a.startswith("-")]
        try:
            _prechecked[tuple(overrides)] = load_job(overrides)
        except SimgenError as exc:
            fail(str(exc), exc.exit_code)

    import hydra

    from simgen.config.scenes import CONFIG_DIR

    hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")(_task)()


if __name__ == "__main__":
    main()
