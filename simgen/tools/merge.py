"""``simgen-merge DIR``: join the complete shards of an output directory into the dataset.

What a run does by itself once every shard is done; run it after SLURM slices, or again after a
merge was killed (merging is idempotent). The job is rebuilt from ``DIR/simgen_job.json``, so no
config or recipe file is needed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simgen.errors import DatasetError, SimgenError


def job_from_record(record):
    """(typed SimgenConfig, JobSpec) of a recorded job, checked like a command-line job."""
    from omegaconf import OmegaConf

    from simgen.config.canonical import dataset_config, job_hash
    from simgen.config.schema import SCENE_SCHEMAS, SimgenConfig
    from simgen.tools.cli import to_job

    config = dict(record.config)
    scene = config.pop("scene")
    schema = SCENE_SCHEMAS.get(scene.get("kind"))
    if schema is None:
        raise DatasetError(f"scene kind {scene.get('kind')!r} of the job record is not known to this simgen")
    cfg = OmegaConf.structured(SimgenConfig)
    cfg.scene = OmegaConf.merge(OmegaConf.structured(schema), scene)
    try:
        cfg = OmegaConf.merge(cfg, config)
    except Exception as exc:
        raise DatasetError(f"the job record does not fit this simgen's config schema ({str(exc).splitlines()[0]})") from None
    typed, job = to_job(cfg)
    if job_hash(dataset_config(typed)) != record.config_hash:
        raise DatasetError("the job record was written by a simgen with another config schema")
    return typed, job


def merge_dir(root: Path) -> tuple[int, int]:
    """Merge ``root``; returns (frames, annotations). DatasetError when shards are missing."""
    from simgen.export.dataset import RECORD, DatasetDir
    from simgen.farm.plan import plan_shards

    ds = DatasetDir(root)
    record = ds.read_record()
    if record is None:
        raise DatasetError(f"{root}: no {RECORD}, not a simgen output_dir")
    _, job = job_from_record(record)
    shards = plan_shards(job.scene_count, record.scenes_per_shard)
    missing = [s for s in shards if not ds.shard_dir(s).exists()]
    if missing:
        scenes = ", ".join(f"{s.first}-{s.stop - 1}" for s in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise DatasetError(f"{root}: {len(missing)} of {len(shards)} shards are not done (scenes {scenes}); "
                           "rerun the job (or its slices) with this output_dir first")
    return ds.merge(job, record, shards)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="simgen-merge", description=__doc__.splitlines()[0])
    parser.add_argument("output_dir", type=Path, help="the output_dir of a simgen job")
    args = parser.parse_args(argv)
    try:
        frames, annotations = merge_dir(args.output_dir)
    except SimgenError as exc:
        print(f"simgen-merge: error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    print(f"simgen-merge: {frames} frames, {annotations} annotations -> {args.output_dir}")


if __name__ == "__main__":
    main()
