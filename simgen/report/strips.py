"""Strips of scenario sequences: for each driving scenario in a dataset, frames of its first
sequence side by side, the actors boxed with their role and visibility, the phase on each.

Read from the COCO records alone (an image's ``scenario``, the actors' ``scenario_role``);
only the frames drawn are decoded.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from simgen.core import jsonstream
from simgen.report.data import LabelTable, image_file

PHASE_COLOURS = {"before": (200, 200, 200), "onset": (0, 140, 255), "after": (80, 220, 80)}  # BGR


def sequences(t: LabelTable) -> dict[str, list[tuple[str, dict, list[dict]]]]:
    """Per scenario name, the camera-0 views (split, image record, annotations) of its first
    sequence (lowest scene index) in frame order."""
    first: dict[str, tuple[int, list]] = {}  # name -> (lowest scene index, its views)
    for split, path in t.files.items():  # a record at a time: only the chosen views are kept
        for im in jsonstream.array_items(path, "images"):
            tag = im.get("scenario")
            if not tag or im.get("camera_index", 0) != 0:
                continue
            scene, held = im["scene_index"], first.get(tag["name"])
            if held is None or scene < held[0]:
                first[tag["name"]] = (scene, [(split, im)])
            elif scene == held[0]:
                held[1].append((split, im))
    by_image: dict[tuple[str, int], list] = {(split, im["id"]): [] for _, views in first.values() for split, im in views}
    for split, path in t.files.items():
        if any(key[0] == split for key in by_image):
            for a in jsonstream.array_items(path, "annotations"):
                if (split, a["image_id"]) in by_image:
                    by_image[(split, a["image_id"])].append(a)
    found = {name: sorted(((split, im, by_image[(split, im["id"])]) for split, im in views), key=lambda v: v[1]["frame_index"])
             for name, (_, views) in first.items()}
    return dict(sorted(found.items()))


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
