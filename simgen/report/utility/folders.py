"""Write a labeled set as the folder ultralytics trains or validates from, with the model's
class list: ``images/<split>/`` (links to the original files, no copies), ``labels/<split>/``
(``cls cx cy w h`` normalized) and ``data.yaml``.

Class indices are the model's (the simgen dataset's classes in its category order), so a
real set is written with its classes renamed to their simgen partners; instances of classes
without a partner and ignored regions are left out of the labels (the report lists the former).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import yaml

from simgen.report.data import LabelTable


def subset_rows(table: LabelTable, splits: tuple[str, ...] | None = None, frames: int | None = None) -> np.ndarray:
    """Image rows of ``table`` in ``splits`` (all when None), the first ``frames`` of them by
    image id when given: a subset that is the same for the same dataset."""
    rows = np.arange(len(table.img["image_id"]))
    if splits is not None:
        keep = [table.splits.index(s) for s in splits if s in table.splits]
        rows = rows[np.isin(table.img["split"][rows], keep)]
    rows = rows[np.argsort(table.img["image_id"][rows], kind="stable")]
    return rows if frames is None else rows[:frames]


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed: a symbolic link
        os.symlink(Path(src).resolve(), dst)


VAL_IMAGES = 16  # images ultralytics validates on after training (it needs some; the scores come later)


def write_folder(table: LabelTable, rows: np.ndarray, names: list[str], class_of: dict[str, str], out: Path,
                 val_rows: np.ndarray | None = None) -> Path:
    """Write images ``rows`` of ``table`` under ``out`` as split ``train`` and ``val_rows``
    (default: the first 16 of ``rows``) as split ``val``; ``class_of`` maps a class of
    ``table`` to one of ``names`` (the model's classes). Returns ``data.yaml``; its ``val``
    is what :func:`~simgen.report.utility.train.evaluate` scores."""
    out = Path(out)
    index = {c: names.index(s) for c, s in class_of.items()}
    _write_split(table, rows, index, out, "train")
    _write_split(table, rows[:VAL_IMAGES] if val_rows is None else val_rows, index, out, "val")
    data = out / "data.yaml"
    doc = {"path": str(out.resolve()), "train": "images/train", "val": "images/val", "names": dict(enumerate(names))}
    data.write_text(yaml.safe_dump(doc, sort_keys=False))
    return data


def _write_split(table: LabelTable, rows: np.ndarray, index: dict[str, int], out: Path, split: str) -> None:
    img_dir, lab_dir = out / "images" / split, out / "labels" / split
    img_dir.mkdir(parents=True, exist_ok=True)
    lab_dir.mkdir(parents=True, exist_ok=True)
    inst = table.inst
    per_image: dict[int, list[int]] = {}
    for k in np.flatnonzero(~inst["ignored"]):
        per_image.setdefault(int(inst["image"][k]), []).append(int(k))
    for n, row in enumerate(rows):
        src = Path(table.img["file"][row])
        stem = f"{n:06d}"
        dst = img_dir / f"{stem}{src.suffix.lower()}"
        if not dst.exists():
            _link(src, dst)
        W, H = float(table.img["width"][row]), float(table.img["height"][row])
        lines = []
        for k in per_image.get(int(row), []):
            cls = table.categories[inst["category"][k]]
            if cls not in index or inst["w"][k] <= 0 or inst["h"][k] <= 0:
                continue
            cx, cy = (inst["x"][k] + inst["w"][k] / 2) / W, (inst["y"][k] + inst["h"][k] / 2) / H
            lines.append(f"{index[cls]} {cx:.6f} {cy:.6f} {inst['w'][k] / W:.6f} {inst['h'][k] / H:.6f}")
        (lab_dir / f"{stem}.txt").write_text("".join(line + "\n" for line in lines))
