"""Text tables of utility figures: the transfer benchmark's train-look x test-look matrix and
its learning curve, as Markdown (the README pastes them as printed)."""

from __future__ import annotations

import numpy as np


def matrix_table(train: list[str], test: list[str], values: dict[tuple[str, str], float], digits: int = 3,
                 corner: str = "train \\ test") -> str:
    """Markdown table, a row per ``train`` look and a column per ``test`` look, plus each
    row's mean over the test looks other than its own (``transfer``; blank with one test look);
    ``values[(train, test)]``; a missing cell prints ``-``, the best nonzero value of a column is bold."""
    fmt = f"{{:.{digits}f}}"
    best = {t: max((values[(r, t)] for r in train if (r, t) in values), default=None) for t in test}
    head = [corner, *test, "transfer"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in train:
        cells = []
        for t in test:
            v = values.get((r, t))
            text = "-" if v is None else fmt.format(v)
            cells.append(f"**{text}**" if v is not None and v == best[t] and v > 0 and len(train) > 1 else text)
        others = [values[(r, t)] for t in test if t != r and (r, t) in values]
        cells.append(fmt.format(float(np.mean(others))) if others else "-")
        lines.append("| " + " | ".join([r, *cells]) + " |")
    return "\n".join(lines)


def curve_table(points: list[tuple[int, float, float]], digits: int = 3) -> str:
    """Markdown table of a learning curve: ``(train images, mAP same look, mAP other looks)``."""
    fmt = f"{{:.{digits}f}}"
    lines = ["| train images | mAP50-95, same look | mAP50-95, other looks (mean) |", "|---|---|---|"]
    lines += [f"| {n} | {fmt.format(a)} | {fmt.format(b)} |" for n, a, b in points]
    return "\n".join(lines)
