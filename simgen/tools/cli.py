"""``simgen``: Hydra's command line over configs/ and scenes/.

Before Hydra takes over, the overrides are composed and checked once, so a bad value is a
one-line error naming the setting, with exit status 2, before any directory is created.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from simgen.errors import SimgenError

# Flags that make Hydra print or sweep rather than run one job.
_NO_PRECHECK = {"-m", "--multirun", "-h", "--help", "--hydra-help", "-c", "--cfg", "-i", "--info",
                "-p", "--package", "-sc", "--shell-completion", "-cp", "--config-path", "-cn", "--config-name",
                "-cd", "--config-dir", "--resolve", "--version"}


def fail(message: str, code: int = 2) -> None:
    print(f"simgen: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def _one_line(exc: BaseException) -> str:
    """A Hydra/OmegaConf error as one line: the missing option, or the first line of each cause."""
    text = str(exc)
    missing = re.search(r"Could not find '([^/']+)/([^']+)'", text)
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
    return to_job(cfg)


def to_job(cfg):
    """Typed config and worker JobSpec from a composed DictConfig, after value checks."""
    from omegaconf import OmegaConf

    from simgen.assets.user import apply_user_assets
    from simgen.config.checks import check_job
    from simgen.pipeline import JobSpec, category_names

    try:
        typed = OmegaConf.to_object(cfg)
    except Exception as exc:
        raise SimgenError(_one_line(exc)) from None
    typed.scene = apply_user_assets(typed.scene, typed.assets)  # assets.dirs: the user's meshes
    check_job(typed)
    job = JobSpec(scene=typed.scene, renderer=typed.renderer, labels=typed.labels, export=typed.export,
                  seed=typed.seed, frames=typed.frames, categories=category_names(typed.scene), sequence=typed.sequence,
                  splits=typed.splits)
    return typed, job


def _task(cfg) -> None:
    from hydra.core.hydra_config import HydraConfig

    from simgen.farm.runner import run_job

    try:
        typed, job = to_job(cfg)
        out = Path(typed.output_dir) if typed.output_dir else Path(HydraConfig.get().runtime.output_dir)
        summary = run_job(typed, job, out, progress=True)
    except SimgenError as exc:
        fail(str(exc), exc.exit_code)
    if summary.frames_rendered:
        print(summary.table())
    print(summary.line())
    if typed.validate and summary.merged is not None:  # a slice validates nothing until merged
        from simgen.tools.validate import validate_dataset

        found = validate_dataset(out)
        if found:
            for v in found[:20]:
                print(v, file=sys.stderr)
            fail(f"{out}: {len(found)} label-rule violations (simgen-validate {out} lists them all)", 1)


def main() -> None:
    from simgen.config.scenes import register_configs

    try:
        register_configs()
    except SimgenError as exc:
        fail(str(exc), exc.exit_code)
    args = sys.argv[1:]
    if not any(a.split("=")[0] in _NO_PRECHECK for a in args):
        try:
            load_job([a for a in args if not a.startswith("-")])
        except SimgenError as exc:
            fail(str(exc), exc.exit_code)

    import hydra

    from simgen.config.scenes import CONFIG_DIR

    hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")(_task)()


if __name__ == "__main__":
    main()
