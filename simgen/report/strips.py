"""Strips of scenario sequences: for each driving scenario in a dataset, frames of its first
sequence side by side, the actors boxed with their role and visibility, the phase on each.

Read from the COCO records alone (an image's ``scenario``, the actors' ``scenario_role``);
only the frames drawn are decoded.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from simgen.report.data import LabelTable, image_file

PHASE_COLOURS = {"before": (200, 200, 200), "onset": (0, 140, 255), "after": (80, 220, 80)}  # BGR


def sequences(t: LabelTable) -> dict[str, list[tuple[str, dict, list[dict]]]]:
    """Per scenario name, the camera-0 views (split, image record, annotations) of its first
    sequence (lowest scene index) in frame order."""
    views: dict[tuple[str, int], list] = {}
    for split, doc in t.raw.items():
        by_image: dict[int, list] = {}
        for a in doc["annotations"]:
            by_image.setdefault(a["image_id"], []).append(a)
        for im in doc["images"]:
            tag = im.get("scenario")
            if tag and im.get("camera_index", 0) == 0:
                views.setdefault((tag["name"], im["scene_index"]), []).append((split, im, by_image.get(im["id"], [])))
    first: dict[str, list] = {}
    for (name, _), seq in sorted(views.items(), key=lambda kv: kv[0][1]):
        first.setdefault(name, sorted(seq, key=lambda v: v[1]["frame_index"]))
    return dict(sorted(first.items()))


def frame(bgr: np.ndarray, image: dict, anns: list[dict], width: int) -> np.ndarray:
    """One frame scaled to ``width`` pixels, the actors' visible boxes and the phase drawn."""
    scale = width / bgr.shape[1]
    im = cv2.resize(bgr, (width, round(bgr.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    tag = image.get("scenario") or {}
    colour = PHASE_COLOURS.get(tag.get("phase"), (255, 255, 255))
    for a in anns:
        if "scenario_role" not in a:
            continue
        x, y, w, h = (v * scale for v in a["bbox"])
        cv2.rectangle(im, (int(x), int(y)), (int(x + w), int(y + h)), colour, 1)
        cv2.putText(im, f"{a['scenario_role']} {a['visibility']:.2f}", (int(x), max(24, int(y) - 3)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.32, colour, 1, cv2.LINE_AA)
    cv2.rectangle(im, (0, 0), (width, 14), (0, 0, 0), -1)
    cv2.putText(im, f"{tag.get('name', '-')}  frame {image['frame_index']}  {tag.get('phase', '')}", (3, 10),
                cv2.FONT_HERSHEY_SIMPLEX, 0.33, colour, 1, cv2.LINE_AA)
    return im


def strip(root: Path, views: list[tuple[str, dict, list[dict]]], count: int = 4, width: int = 240) -> np.ndarray | None:
    """``count`` evenly spaced frames of ``views`` side by side (None if an image is unreadable)."""
    picks = np.unique(np.round(np.linspace(0, len(views) - 1, count)).astype(int))
    tiles = []
    for k in picks:
        split, im, anns = views[int(k)]
        path = image_file(Path(root) / "images", split, im)
        bgr = cv2.imread(str(path)) if path.is_file() else None
        if bgr is None:
            return None
        tiles.append(frame(bgr, im, anns, width))
    return np.hstack(tiles)


def write(t: LabelTable, root: Path, out: Path, count: int = 4, width: int = 240) -> dict[str, str]:
    """Each scenario's strip as ``out/scenarios/<name>.jpg``; {name: path relative to out}."""
    found = sequences(t)
    if not found:
        return {}
    (out / "scenarios").mkdir(parents=True, exist_ok=True)
    files = {}
    for name, views in found.items():
        image = strip(root, views, count, width)
        if image is not None:
            rel = f"scenarios/{name}.jpg"
            cv2.imwrite(str(out / rel), image, [cv2.IMWRITE_JPEG_QUALITY, 85])
            files[name] = rel
    return files
