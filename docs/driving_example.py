"""Draw one frame of a driving dataset with its labels: README's docs/driving_example.png.

Usage: python docs/driving_example.py DATASET IMAGE_ID OUT.png
Each object's KITTI 3D box (read back from label_2 and projected with calib's P2) is drawn as a
wireframe and its COCO box (the visible pixels) as a rectangle, in one colour per class.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from simgen.core.layout import KITTI_SPLIT_DIRS
from simgen.store.dataset import load_coco

COLORS = {1: (255, 80, 60), 2: (255, 170, 0), 3: (200, 80, 255), 4: (255, 60, 200), 5: (60, 220, 60),
          6: (0, 200, 255), 7: (255, 255, 255), 8: (255, 255, 0)}  # RGB per category id
KITTI_COLORS = {"Car": 1, "Van": 2, "Truck": 3, "Misc": 4, "Pedestrian": 5, "Cyclist": 6}
EDGES = [(0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (6, 7), (7, 4), (0, 4), (1, 5), (2, 6), (3, 7)]


def kitti_corners(h, w, length, x, y, z, ry) -> np.ndarray:
    """(8, 3) corners of a KITTI box (bottom face first), as the KITTI devkit builds them."""
    xs = np.array([length, length, -length, -length, length, length, -length, -length]) / 2
    ys = np.array([0, 0, 0, 0, -h, -h, -h, -h])
    zs = np.array([w, -w, -w, w, w, -w, -w, w]) / 2
    R = np.array([[np.cos(ry), 0, np.sin(ry)], [0, 1, 0], [-np.sin(ry), 0, np.cos(ry)]])
    return (R @ np.stack([xs, ys, zs])).T + [x, y, z]


def main(root: str, image_id: int, out: str) -> None:
    root = Path(root)
    doc = load_coco(root)
    img = next(i for i in doc["images"] if i["id"] == image_id)
    stem = Path(img["file_name"]).stem
    kitti = root / "kitti" / KITTI_SPLIT_DIRS[img["split"]]
    bgr = cv2.imread(str(root / "images" / img["split"] / img["file_name"]))
    calib = {k: np.array(v.split(), float) for k, v in
             (line.split(":", 1) for line in (kitti / "calib" / f"{stem}.txt").read_text().splitlines())}
    P = calib["P2"].reshape(3, 4)
    for line in (kitti / "label_2" / f"{stem}.txt").read_text().splitlines():
        f = line.split()
        c = kitti_corners(*map(float, f[8:15]))
        if (c[:, 2] < 0.5).any():
            continue
        uv = (P @ np.c_[c, np.ones(8)].T).T
        uv = uv[:, :2] / uv[:, 2:]  # KITTI and OpenCV drawing both put pixel centres on integers
        color = COLORS[KITTI_COLORS.get(f[0], 4)][::-1]
        for a, b in EDGES:
            cv2.line(bgr, tuple(np.round(uv[a]).astype(int)), tuple(np.round(uv[b]).astype(int)), color, 1, cv2.LINE_AA)
    for ann in doc["annotations"]:
        if ann["image_id"] != image_id:
            continue
        x, y, w, h = ann["bbox"]
        color = COLORS[ann["category_id"]][::-1]
        cv2.rectangle(bgr, (int(x), int(y)), (int(x + w) - 1, int(y + h) - 1), color, 1)
    cv2.imwrite(out, bgr, [cv2.IMWRITE_PNG_COMPRESSION, 9])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
