"""The report's figures as PNG files, drawn with matplotlib from ``stats.json`` alone.

Each function takes the stats (or a part of it) and a path, writes one PNG and returns its
caption, so the HTML lists exactly the files that were written.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

DPI = 80
COMPARISON_COLUMNS = 4  # panels per row of a comparison figure: 4 x 2.8 in x 80 dpi = 896 px
MAX_CLASSES_PLOTTED = 12


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def _top_classes(stats: dict) -> list[str]:
    classes = sorted(stats["classes"].items(), key=lambda kv: -kv[1]["instances"])
    return [n for n, c in classes if c["instances"] > 0][:MAX_CLASSES_PLOTTED]


def _step(ax, hist: dict, label: str, density: bool = False, **kw) -> None:
    e, c = np.array(hist["edges"]), np.array(hist["counts"], float)
    if density and c.sum() > 0:
        c = c / c.sum()
    ax.stairs(c, e, label=label, **kw)


def classes(stats: dict, path: Path) -> str:
    names = list(stats["classes"])
    inst = [stats["classes"][n]["instances"] for n in names]
    imgs = [stats["classes"][n]["images"] for n in names]
    fig, ax = plt.subplots(figsize=(max(5, 0.6 * len(names) + 2), 3.2))
    x = np.arange(len(names))
    ax.bar(x - 0.2, inst, 0.4, label="instances")
    ax.bar(x + 0.2, imgs, 0.4, label="images")
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.legend()
    ax.set_title("instances and images per class")
    _save(fig, path)
    return "Instances and images (with at least one instance) per class."


def objects_per_image(stats: dict, path: Path) -> str:
    fig, ax = plt.subplots(figsize=(5, 3))
    h = stats["objects_per_image"]
    e, c = np.array(h["edges"]), np.array(h["counts"])
    ax.bar((e[:-1] + e[1:]) / 2, c, width=0.9)
    ax.set_xlabel("instances in the image")
    ax.set_ylabel("images")
    ax.set_title(f"objects per image ({stats['empty_images']} empty)")
    _save(fig, path)
    return "Counted instances per image; the bar at 0 counts empty images."


def feature(stats: dict, name: str, path: Path) -> str:
    h = stats["histograms"][name]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for cls in _top_classes(stats):
        if h["per_class"][cls]["n"]:
            _step(ax, h["per_class"][cls], cls, density=True)
    ax.set_xlabel(h["label"])
    ax.set_ylabel("share of the class")
    ax.legend(fontsize=7, ncol=2)
    ax.set_title(f"{name} per class")
    _save(fig, path)
    return f"{h['label']}: per-class histograms (each normalised to its class), {h['all']['n']} instances."


def difficulty(stats: dict, path: Path) -> str:
    d = stats["kitti_difficulty"]
    names = [n for n in d if sum(d[n].values())]
    fig, ax = plt.subplots(figsize=(max(5, 0.6 * len(names) + 2), 3.2))
    bottom = np.zeros(len(names))
    for level in ("easy", "moderate", "hard", "none"):
        vals = np.array([d[n][level] for n in names])
        ax.bar(names, vals, bottom=bottom, label=level)
        bottom += vals
    ax.tick_params(axis="x", rotation=30)
    ax.legend(fontsize=8)
    ax.set_title("KITTI difficulty per class")
    _save(fig, path)
    return "KITTI difficulty levels per class (box height, occlusion level and truncation limits of the KITTI benchmark)."


def heatmap(stats: dict, path: Path) -> str:
    h = stats["center_heatmap"]
    fig, ax = plt.subplots(figsize=(4.5, 3.6))
    im = ax.imshow(np.array(h["counts"]), extent=(0, 1, 1, 0), cmap="magma", aspect="auto")
    fig.colorbar(im, ax=ax, label="instances")
    ax.set_xlabel("box centre x / width")
    ax.set_ylabel("box centre y / height")
    ax.set_title("where boxes are")
    _save(fig, path)
    return "Box centres over the image (normalised), all classes."


def viewpoints(stats: dict, path: Path) -> str:
    names = [n for n in _top_classes(stats) if n in stats["viewpoints"]]
    cols = min(4, len(names))
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.4 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.set_visible(False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        v = stats["viewpoints"][name]
        ax.set_visible(True)
        ax.imshow(np.array(v["grid"]).T, origin="lower", extent=(-180, 180, -90, 90), aspect="auto", cmap="viridis")
        ax.set_title(f"{name}: {v['cells_seen']}/{v['cells']} cells", fontsize=9)
        ax.set_xlabel("azimuth, deg", fontsize=8)
        ax.set_ylabel("elevation, deg", fontsize=8)
    _save(fig, path)
    return "Viewpoint coverage: the camera's azimuth and elevation in each object's own frame, per class."


def look(stats: dict, path: Path) -> str:
    lk = stats["look"]
    panels = [("brightness", "mean luma"), ("contrast", "luma std"), ("lights_per_scene", "lights per scene"),
              ("light_intensity", "light intensity")]
    fig, axes = plt.subplots(1, 4, figsize=(12, 2.8))
    for ax, (key, label) in zip(axes, panels, strict=True):
        _step(ax, lk[key], key, fill=True, alpha=0.6)
        ax.set_xlabel(label)
    axes[0].set_ylabel("images / scenes / lights")
    _save(fig, path)
    return "Look: image brightness and contrast (per image), light counts (per scene) and intensities (per light)."


def coverage(stats: dict, path: Path) -> str:
    cov = stats["diversity"]["coverage"]
    names = [n for n in _top_classes(stats) if n in cov["per_class"]]
    cols = min(4, len(names))
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.4 * rows), squeeze=False)
    de, ve = cov["distance_edges"], cov["visibility_edges"]
    for ax in axes.ravel():
        ax.set_visible(False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        c = np.array(cov["per_class"][name]["counts"])
        ax.set_visible(True)
        ax.imshow(c.T >= cov["min_instances"], origin="lower", extent=(de[0], de[-1], ve[0], ve[-1]), aspect="auto",
                  cmap="Greens", vmin=0, vmax=1)
        ax.set_title(f"{name}: {cov['per_class'][name]['covered']}/20", fontsize=9)
        ax.set_xlabel("distance, m", fontsize=8)
        ax.set_ylabel("visibility", fontsize=8)
    _save(fig, path)
    return (f"Coverage: distance x visibility cells with at least {cov['min_instances']} instances (green), "
            f"{cov['covered']} of {cov['cells']} cells over all classes.")


def comparison(cls: str, sim: dict, real: dict, path: Path) -> str:
    """Overlaid histograms of one shared class: ``sim`` and ``real`` map feature -> histogram
    over the same edges."""
    names = list(sim)
    cols = min(COMPARISON_COLUMNS, len(names))  # one row of every feature ran past the page (1280 px)
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.8 * cols, 2.6 * rows), squeeze=False)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        _step(ax, sim[name], "simgen", density=True)
        _step(ax, real[name], "real", density=True)
        ax.set_xlabel(name, fontsize=8)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(cls, fontsize=10)
    _save(fig, path)
    return f"{cls}: simgen and real distributions (each normalised)."
