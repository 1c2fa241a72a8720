"""Run the whole report: read, compute, draw, write ``stats.json`` and ``report.html``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from simgen.export.facts import read_facts
from simgen.report import anomaly, data, figures, gallery, html, strips
from simgen.report.compare import compare, read_mapping
from simgen.report.stats import Thresholds, compute
from simgen.report.utility import section

REPORT = "report.html"
STATS = "stats.json"


@dataclass
class ReportFiles:
    """Where the report went: the HTML page, stats.json and every PNG it references; ``note``
    says which preview images could not be read (the caller prints it: a short preview
    must never be silent)."""

    html: Path
    stats: Path
    figures: list[Path]
    note: str | None = None


def unreadable_note(files: list[str]) -> str | None:
    """One line naming the images the preview could not read, or None."""
    if not files:
        return None
    more = f" and {len(files) - 1} more" if len(files) > 1 else ""
    return f"the preview left out images it could not read: {files[0]}{more}"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def make_report(dataset: Path, out: Path | None = None, real: Path | None = None, mapping: Path | None = None,
                thresholds: Thresholds | None = None, gallery_images: int = 6, utility: dict | None = None) -> ReportFiles:
    """Write the report of ``dataset`` into ``out`` (default ``dataset/report``), comparing it
    with the real labels at ``real`` when given, with the utility section when ``utility``
    (simgen.report.utility.measure's result) is given. Raises SimgenError on unreadable input."""
    dataset = Path(dataset)
    out = Path(out) if out is not None else dataset / "report"
    table = data.load_dataset(dataset)
    comparison = None
    if real is not None:
        comparison = compare(table, data.load_labels(real), read_mapping(mapping))
    stats = compute(table, read_facts(dataset), thresholds)
    if comparison is not None:
        stats["comparison"] = comparison
    if utility is not None:
        stats["utility"] = utility
    (out / "figures").mkdir(parents=True, exist_ok=True)
    figs: dict[str, tuple[str, str]] = {}

    def draw(key: str, fn, *args) -> None:
        rel = f"figures/{_safe(key)}.png"
        figs[key] = (rel, fn(*args, out / rel))

    draw("classes", figures.classes, stats)
    draw("objects_per_image", figures.objects_per_image, stats)
    for name in stats["histograms"]:
        draw(f"hist_{name}", figures.feature, stats, name)
    if "kitti_difficulty" in stats:
        draw("difficulty", figures.difficulty, stats)
    if stats["center_heatmap"]["n"]:
        draw("heatmap", figures.heatmap, stats)
    if stats["viewpoints"]:
        draw("viewpoints", figures.viewpoints, stats)
    if stats["look"]:
        draw("look", figures.look, stats)
    if stats["diversity"].get("coverage"):
        draw("coverage", figures.coverage, stats)
    for cls, c in (comparison or {}).get("classes", {}).items():
        if c["features"]:
            sim = {n: d["hist_sim"] for n, d in c["features"].items()}
            real_h = {n: d["hist_real"] for n, d in c["features"].items()}
            draw(f"compare_{cls}", figures.comparison, cls, sim, real_h)
    if anomaly.has_labels(table):  # an inspection set
        stats["anomaly"] = anomaly.stats(table)
        if anomaly.gallery(table, dataset, out / "figures" / "defects.png") is not None:
            figs["defects"] = ("figures/defects.png", "Defects of each kind: the picture, and its mask tinted red")
    if utility is not None:
        draw("utility", section.chart, utility)
    shown = gallery.write(table, dataset, out, per_split=gallery_images)
    shown["scenarios"] = strips.write(table, dataset, out)
    stats_path = out / STATS
    stats_path.write_text(json.dumps(stats, indent=1))
    title = f"simgen report: {stats.get('scene') or dataset.resolve().name}, seed {stats.get('seed')}, {stats['images']} images"
    page = out / REPORT
    note = unreadable_note(shown["unreadable"])
    extra = section.html(utility, figs["utility"][0]) if utility is not None else ""
    page.write_text(html.page(stats, figs, shown, comparison, title, note, extra))
    pngs = [out / rel for rel, _ in figs.values()] + [out / f for files in shown["images"].values() for f in files]
    pngs += [out / f for f in shown["crops"].values()] + [out / f for f in shown["scenarios"].values()]
    return ReportFiles(html=page, stats=stats_path, figures=pngs, note=note)
