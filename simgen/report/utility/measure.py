"""The utility measure of ``simgen-report DATASET --utility REAL``: train on the dataset's train
split, score on REAL; with ``--real-train R2`` also real only, and simgen then fine-tuned on R2.

The result is plain JSON-able data (it goes into ``stats.json`` and the HTML section)::

    {"real", "real_train", "settings", "train_images", "eval_images",
     "classes": {"pairs": [[simgen, real]], "real_only": {real class: instances}, "sim_only": [..]},
     "eval_instances": {simgen class: instances in REAL},
     "rows": [{"model", "trained_on", "map50", "map50_95", "per_class": {simgen class: [map50, map50_95]}}],
     "command": the simgen-report command line}
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

from simgen.core.errors import SimgenError
from simgen.report.data import LabelTable, load_dataset
from simgen.report.utility.classes import ClassMatch, match_names
from simgen.report.utility.folders import subset_rows, write_folder
from simgen.report.utility.realsets import load_real
from simgen.report.utility.train import ALL_CLASSES, Scores, TrainSettings, evaluate, train

SIM_MODEL, REAL_MODEL, FINETUNED_MODEL = "simgen", "real only", "simgen, fine-tuned on real"


def instances_by_class(table: LabelTable, rows: np.ndarray | None = None) -> dict[str, int]:
    """Counted instances per class name (of the images ``rows`` when given)."""
    keep = table.counted()
    if rows is not None:
        keep &= np.isin(table.inst["image"], rows)
    counts = np.bincount(table.inst["category"][keep], minlength=len(table.categories))
    return {c: int(n) for c, n in zip(table.categories, counts, strict=True)}


def _row(model: str, trained_on: str, scores: Scores) -> dict:
    return {"model": model, "trained_on": trained_on, "map50": scores.map50, "map50_95": scores.map50_95,
            "per_class": {c: list(v) for c, v in scores.per_class.items()}}


def measure(dataset: Path, real: Path, settings: TrainSettings, real_train: Path | None = None,
            mapping: dict[str, str] | None = None, frames: int | None = None, command: str = "",
            workdir: Path | None = None, progress: bool = True) -> dict:
    """Train and score as the module says; ``frames`` keeps the first so many train images.
    ``workdir`` holds the ultralytics folders and runs (default: a temporary folder, removed)."""
    settings.check()
    if frames is not None and frames < 1:
        raise SimgenError(f"--frames={frames}: must be at least 1")
    sim = load_dataset(Path(dataset))
    rows = subset_rows(sim, ("train",), frames)
    if not len(rows):
        raise SimgenError(f"{dataset}: its train split has no images (splits.train)")
    real_table = load_real(real)
    match = match_names(sim.categories, real_table.categories, mapping)
    if not match.pairs:
        raise SimgenError(f"--utility {real}: no class shared by name; give --map FILE "
                          f"(simgen: {', '.join(sim.categories)}; real: {', '.join(real_table.categories)})")
    r2 = load_real(real_train, train=True, option="--real-train") if real_train is not None else None
    match2 = match_names(sim.categories, r2.categories, mapping, "--map (for --real-train)") if r2 is not None else None
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="simgen-utility-") as tmp:
            return _run(sim, rows, real_table, match, r2, match2, settings, Path(tmp), progress, real, real_train, command)
    return _run(sim, rows, real_table, match, r2, match2, settings, Path(workdir), progress, real, real_train, command)


def _run(sim: LabelTable, rows: np.ndarray, real: LabelTable, match: ClassMatch, r2: LabelTable | None,
         match2: ClassMatch | None, s: TrainSettings, work: Path, progress: bool, real_path: Path,
         real_train_path: Path | None, command: str) -> dict:
    names = sim.categories
    sim_yaml = write_folder(sim, rows, names, {c: c for c in names}, work / "sim")
    real_rows = subset_rows(real)
    real_yaml = write_folder(real, real_rows[:0], names, match.real_to_sim(), work / "real", val_rows=real_rows)
    bar = (lambda label: label) if progress else (lambda label: None)
    weights = train(sim_yaml, s, work / "runs", "sim", progress=bar(f"training on {len(rows)} simgen images"))
    out_rows = [_row(SIM_MODEL, f"simgen train split, {len(rows)} images", evaluate(weights, real_yaml, s, work / "runs", "eval_sim"))]
    if r2 is not None:
        r2_rows = subset_rows(r2)
        r2_yaml = write_folder(r2, r2_rows, names, match2.real_to_sim(), work / "real_train")
        w_real = train(r2_yaml, s, work / "runs", "real", progress=bar(f"training on {len(r2_rows)} real images"))
        out_rows.append(_row(REAL_MODEL, f"{real_train_path}, {len(r2_rows)} images",
                             evaluate(w_real, real_yaml, s, work / "runs", "eval_real")))
        w_ft = train(r2_yaml, s, work / "runs", "finetuned", weights=weights,
                     progress=bar(f"fine-tuning on {len(r2_rows)} real images"))
        out_rows.append(_row(FINETUNED_MODEL, f"simgen, then {real_train_path}",
                             evaluate(w_ft, real_yaml, s, work / "runs", "eval_finetuned")))
    real_counts = instances_by_class(real)
    to_sim = match.real_to_sim()
    eval_instances = {s_: 0 for s_ in names}
    for r, n in real_counts.items():
        if r in to_sim:
            eval_instances[to_sim[r]] += n
    if s.single_class:  # one class, scored over every matched instance
        eval_instances = {ALL_CLASSES: sum(eval_instances.values())}
    settings = asdict(s)
    settings.pop("extra")
    return {"real": str(real_path), "real_train": str(real_train_path) if real_train_path else None,
            "settings": settings, "train_images": int(len(rows)), "eval_images": int(len(real_rows)),
            "classes": {"pairs": [list(p) for p in match.pairs], "sim_only": match.sim_only,
                        "real_only": {r: real_counts[r] for r in match.real_only}},
            "eval_instances": eval_instances, "rows": out_rows, "command": command}
