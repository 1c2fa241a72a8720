"""Draw a strip of frames of one scenario sequence: README's docs/scenario_*.jpg.

Usage: python docs/scenario_strip.py DATASET SCENE_INDEX OUT.jpg [FRAMES] [WIDTH]
Reads the COCO files back, takes the images of scene SCENE_INDEX (camera 0) in frame order,
picks FRAMES of them evenly (default 4), boxes the scenario's actors (their visible COCO box,
labeled with their scenario_role and visibility) and writes the frames side by side, each
scaled to WIDTH pixels (default 320), with the scenario's name and phase on each.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

PHASE_COLORS = {"before": (200, 200, 200), "onset": (0, 140, 255), "after": (80, 220, 80)}  # BGR


def sequence(root: Path, scene: int) -> list[tuple[Path, dict, list[dict]]]:
    """(image path, image record, annotations) of a scene's camera-0 views in frame order."""
    index = json.loads((root / "simgen_dataset.json").read_text())
    out = []
    for entry in index["splits"].values():
        doc = json.loads((root / entry["coco"]).read_text())
        anns: dict[int, list[dict]] = {}
        for a in doc["annotations"]:
            anns.setdefault(a["image_id"], []).append(a)
        for img in doc["images"]:
            if img["scene_index"] == scene and img.get("camera_index", 0) == 0:
                out.append((root / entry["images"] / img["file_name"], img, anns.get(img["id"], [])))
    return sorted(out, key=lambda v: v[1]["frame_index"])


def draw(path: Path, img: dict, anns: list[dict], width: int) -> np.ndarray:
    im = cv2.imread(str(path))
    scale = width / im.shape[1]
    im = cv2.resize(im, (width, round(im.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    tag = img.get("scenario") or {}
    color = PHASE_COLORS.get(tag.get("phase"), (255, 255, 255))
    for a in anns:
        if "scenario_role" not in a:
            continue
        x, y, w, h = (v * scale for v in a["bbox"])
        cv2.rectangle(im, (int(x), int(y)), (int(x + w), int(y + h)), color, 1)
        cv2.putText(im, f"{a['scenario_role']} {a['visibility']:.2f}", (int(x), max(9, int(y) - 3)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.32, color, 1, cv2.LINE_AA)
    cv2.rectangle(im, (0, 0), (width, 14), (0, 0, 0), -1)
    cv2.putText(im, f"{tag.get('name', '-')} f{img['frame_index']} {tag.get('phase', '')}", (3, 10),
                cv2.FONT_HERSHEY_SIMPLEX, 0.33, color, 1, cv2.LINE_AA)
    return im


def main(argv: list[str]) -> None:
    root, scene, out = Path(argv[0]), int(argv[1]), argv[2]
    count = int(argv[3]) if len(argv) > 3 else 4
    width = int(argv[4]) if len(argv) > 4 else 320
    views = sequence(root, scene)
    picks = np.unique(np.round(np.linspace(0, len(views) - 1, count)).astype(int))
    tiles = [draw(*views[k], width) for k in picks]
    cv2.imwrite(out, np.hstack(tiles), [cv2.IMWRITE_JPEG_QUALITY, 82])


if __name__ == "__main__":
    main(sys.argv[1:])
