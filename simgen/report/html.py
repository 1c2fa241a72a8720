"""``report.html``: one page that opens from disk (no server, no script, no network), with
its figures as PNG files beside it referenced by relative path."""

from __future__ import annotations

from html import escape

_STYLE = """
body{font-family:sans-serif;margin:2em;max-width:1300px;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
th{background:#eee}td:first-child,th:first-child{text-align:left}
figure{display:inline-block;margin:.5em;vertical-align:top}figcaption{font-size:.85em;color:#555;max-width:640px}
.warn{color:#a40}.gallery img{max-width:640px;margin:2px}h2{border-bottom:1px solid #ccc;margin-top:1.5em}
"""


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _figure(path: str, caption: str) -> str:
    return f'<figure><img src="{escape(path)}" alt="{escape(caption)}"><figcaption>{escape(caption)}</figcaption></figure>'


def _scenarios(counts: dict, strips: dict) -> str:
    """The Scenarios section: sequences per scenario against the conditions drawn, and a strip
    of frames per scenario ("" when no scene staged one)."""
    if not counts:
        return ""
    keys = sorted({(k, v) for c in counts.values() for k, vals in c["conditions"].items() for v in vals})
    rows = [[name, c["sequences"], *[c["conditions"].get(k, {}).get(v, 0) for k, v in keys]] for name, c in counts.items()]
    html = "<h2 id='scenarios'>Scenarios</h2>" + _table(["scenario", "sequences", *[f"{k}={v}" for k, v in keys]], rows)
    for name, rel in strips.items():
        html += f"<h3>{escape(name)}</h3><img src=\"{escape(rel)}\" alt=\"{escape(name)}\">"
    return html


def page(stats: dict, figures: dict[str, tuple[str, str]], gallery: dict, comparison: dict | None, title: str,
         preview_note: str | None = None, extra: str = "") -> str:
    """The HTML text. ``figures`` maps a key to (relative PNG path, caption); ``preview_note``
    says why the preview is short, where it is; ``extra`` is HTML of further sections (the
    utility section) put at the end."""
    fig = lambda *keys: "".join(_figure(*figures[k]) for k in keys if k in figures)  # noqa: E731
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
             f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>"]
    parts.append(f"<p>{stats['images']} images, {stats['instances']} instances ({stats['ignored']} ignored regions), "
                 f"{stats['empty_images']} empty images; scene {escape(str(stats.get('scene')))}, seed "
                 f"{escape(str(stats.get('seed')))}. Machine-readable numbers: <a href='stats.json'>stats.json</a>.</p>")
    if stats["warnings"]:
        parts.append("<h2 id='warnings'>Warnings</h2><ul>" + "".join(f"<li class='warn'>{escape(w)}</li>" for w in stats["warnings"]) + "</ul>")
    parts.append("<h2 id='splits'>Splits</h2>" + _table(["split", "images", "instances", "ignored", "empty images"],
                 [[s, v["images"], v["instances"], v["ignored"], v["empty_images"]] for s, v in stats["splits"].items()]))
    if stats.get("engines"):
        parts.append("<h2 id='engines'>Colour engines</h2>" + _table(["engine", "images"], list(stats["engines"].items())))
    rows = [[n, c["instances"], c["images"], f"{100 * c['share']:.1f}%"] for n, c in stats["classes"].items()]
    parts.append("<h2 id='classes'>Classes</h2>" + _table(["class", "instances", "images", "share"], rows)
                 + fig("classes", "objects_per_image"))
    anomaly = stats.get("anomaly")
    if anomaly:  # an inspection set: image-level labels and defects
        parts.append(f"<h2 id='defects'>Defects</h2><p>{anomaly['good']} good and {anomaly['defective']} defective "
                     f"images of {anomaly['images']} (a view is defective when it shows a defect).</p>")
        parts.append(_table(["product", "good", "defective"],
                            [[p, v["good"], v["defective"]] for p, v in anomaly["by_product"].items()]))
        parts.append(_table(["defect", "images", "instances", "median px", "10th pct px", "90th pct px"],
                            [[k, v["images"], v["instances"], *(f"{v[f]:.0f}" if f in v else "-" for f in
                              ("area_median", "area_p10", "area_p90"))] for k, v in anomaly["kinds"].items()])
                     + fig("defects"))
    parts.append("<h2 id='distributions'>Per-class distributions</h2>"
                 + fig(*[k for k in figures if k.startswith("hist_")], "difficulty"))
    parts.append("<h2 id='where'>Where things are</h2>" + fig("heatmap", "viewpoints"))
    look = stats.get("look") or {}
    if look:
        parts.append("<h2 id='look'>Look</h2>" + fig("look"))
        for key, counts in look.get("conditions", {}).items():
            parts.append(f"<p>{escape(key)}</p>" + _table(["value", "scenes"], list(counts.items())))
    parts.append(_scenarios(stats.get("scenarios") or {}, gallery.get("scenarios") or {}))
    div = stats["diversity"]
    parts.append("<h2 id='diversity'>Diversity</h2>")
    if "distinct_assets" in div:
        parts.append(f"<p>{div['distinct_assets']} distinct assets; looks {escape(str(div['looks']))}; "
                     f"{div['colour_bins_used']} of {div['colour_bins']} colour bins (12 hues and grey) used.</p>")
        parts.append(_table(["class", "distinct assets"], list(div["assets_per_class"].items())))
    dup = div.get("near_duplicates") or {}
    if dup:
        parts.append(f"<p>Near-duplicates: {dup['pairs']} image pairs of different scenes within {dup['threshold_bits']} "
                     f"of 64 perceptual-hash bits ({dup['images_checked']} images checked).</p>")
        if dup["examples"]:
            parts.append(_table(["image index", "image index", "bits apart"], dup["examples"]))
    parts.append(fig("coverage"))
    parts.append("<h2 id='gallery'>Preview</h2><p>Tinted: visible masks; thick boxes: visible boxes; thin white: "
                 "amodal boxes; wireframes: 3D boxes; right: depth (near is red).</p>")
    if preview_note:
        parts.append(f"<p class='warn'>{escape(preview_note)}</p>")
    parts.append("<div class='gallery'>")
    for split, files in gallery.get("images", {}).items():
        parts.append(f"<h3>{escape(split)}</h3>" + "".join(f'<img src="{escape(f)}" alt="{escape(f)}">' for f in files))
    if gallery.get("crops"):
        parts.append("<h3>Crops per class</h3>" + "".join(
            f"<p>{escape(name)}<br><img src='{escape(f)}' alt='{escape(name)} crops'></p>" for name, f in gallery["crops"].items()))
    parts.append("</div>")
    if comparison is not None:
        parts.append(f"<h2 id='compare'>Comparison with {escape(comparison['real'])}</h2>")
        if comparison.get("note"):
            parts.append(f"<p class='warn'>{escape(comparison['note'])}</p>")
        parts.append("<p>Per shared class and feature: Wasserstein-1 distance (in the feature's unit) and the "
                     "Kolmogorov-Smirnov statistic (0 same, 1 disjoint), and what to change.</p>")
        for cls, c in comparison["classes"].items():
            rows = [[name, f"{d['wasserstein']:.4g}", f"{d['ks']:.3f}", f"{d['median_sim']:.3g}", f"{d['median_real']:.3g}",
                     d["n_sim"], d["n_real"], d["hint"]] for name, d in c["features"].items()]
            parts.append(f"<h3>{escape(cls)} ~ {escape(c['real_class'])}</h3>"
                         + _table(["feature", "W1", "KS", "median simgen", "median real", "n simgen", "n real", "what to change"], rows)
                         + fig(f"compare_{cls}"))
    if extra:
        parts.append(extra)
    parts.append("</body></html>")
    return "\n".join(parts)
