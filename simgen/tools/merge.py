"""``simgen-merge DIR``: join the complete shards of an output directory into the dataset.

What a run does by itself once every shard is done; run it after SLURM slices, or again after a
merge was killed (merging is idempotent). The job is rebuilt from ``DIR/simgen_job.json``, so no
config or recipe file is needed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simgen.core.errors import DatasetError, SimgenError
from simgen.job import job_from_record


def merge_dir(root: Path) -> tuple[int, int]:
    """Merge ``root``; returns (frames, annotations). DatasetError when shards are missing."""
    from simgen.farm.plan import plan_shards
    from simgen.store.dataset import RECORD, DatasetDir

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
