"""The report's utility section: a table of mAP per model, one per class, the real classes
simgen never makes, a per-class bar chart and the commands that reproduce it."""

from __future__ import annotations

from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

DPI = 80


def overall_rows(result: dict) -> list[list[str]]:
    """``[model, trained on, mAP50, mAP50-95]`` per model, three decimals."""
    return [[r["model"], r["trained_on"], f"{r['map50']:.3f}", f"{r['map50_95']:.3f}"] for r in result["rows"]]


def class_rows(result: dict) -> list[list[str]]:
    """``[simgen class, real class, instances in REAL, mAP50-95 per model...]``; a class without
    instances in REAL reads ``-`` (not scored)."""
    real_of = dict(map(tuple, result["classes"]["pairs"]))
    out = []
    for cls, n in result["eval_instances"].items():
        cells = []
        for r in result["rows"]:
            v = r["per_class"].get(cls)
            cells.append(f"{v[0]:.3f} / {v[1]:.3f}" if v else "-")
        real = "every matched class" if cls not in real_of and len(result["eval_instances"]) == 1 else real_of.get(cls, "(none)")
        out.append([cls, real, str(n), *cells])
    return out


def chart(result: dict, path: Path) -> str:
    """Grouped bars: mAP50-95 per class (classes with instances in REAL), one colour per model.
    Writes ``path`` (PNG) and returns its caption."""
    classes = [c for c, n in result["eval_instances"].items() if n > 0]
    models = result["rows"]
    fig, ax = plt.subplots(figsize=(max(5.0, 0.7 * len(classes) + 2), 3.4))
    x = np.arange(len(classes))
    width = 0.8 / max(len(models), 1)
    for k, r in enumerate(models):
        vals = [r["per_class"].get(c, [0.0, 0.0])[1] for c in classes]
        ax.bar(x + (k - (len(models) - 1) / 2) * width, vals, width, label=f"{r['model']} ({r['map50_95']:.3f})")
    ax.set_xticks(x, classes, rotation=30, ha="right")
    ax.set_ylabel("mAP50-95")
    ax.set_ylim(0, max(0.05, max((r["per_class"].get(c, [0, 0])[1] for r in models for c in classes), default=0) * 1.15))
    ax.legend(fontsize=8)
    ax.set_title(f"mAP50-95 per class on {Path(result['real']).name}")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return f"mAP50-95 per class on {result['real']}, per model (overall in the legend)"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def html(result: dict, figure: str | None = None) -> str:
    """The section's HTML; ``figure`` is the chart's path relative to report.html."""
    s = result["settings"]
    parts = [f"<h2 id='utility'>Utility: trained on simgen, tested on {escape(result['real'])}</h2>",
             f"<p>A {escape(s['model'].split('.')[0])} detector trained from scratch ({s['epochs']} epochs, "
             f"imgsz {s['imgsz']}, batch {s['batch']}, device {escape(str(s['device']))}, seed {s['seed']}"
             f"{', all classes as one' if s.get('single_class') else ''}) on "
             f"{result['train_images']} images of this dataset's train split, scored on {result['eval_images']} "
             "images of the other set: mAP at IoU 0.5 and averaged over IoU 0.5:0.95, over the classes with "
             "instances there.</p>",
             _table(["model", "trained on", "mAP50", "mAP50-95"], overall_rows(result))]
    parts.append("<h3>Per class (mAP50 / mAP50-95)</h3>"
                 + _table(["simgen class", "real class", "real instances", *[r["model"] for r in result["rows"]]],
                          class_rows(result)))
    real_only = result["classes"]["real_only"]
    if real_only:
        parts.append("<p class='warn'>Classes of the other set that simgen never makes (not scored: a detector "
                     "trained on simgen cannot find them; map them with --map if one is a simgen class under "
                     "another name): " + escape(", ".join(f"{c} ({n} instances)" for c, n in real_only.items()))
                     + "</p>")
    if figure:
        parts.append(f'<figure><img src="{escape(figure)}" alt="mAP per class"><figcaption>'
                     "mAP50-95 per class and model</figcaption></figure>")
    parts.append("<h3>Reproduce</h3><pre style='white-space:pre-wrap'>" + escape(result["command"]) + "</pre><p>The dataset's own "
                 "configuration is in its simgen_job.json. Training is seeded, but torch's CPU and GPU kernels "
                 "may differ in the last digits between machines.</p>")
    return "\n".join(parts)
