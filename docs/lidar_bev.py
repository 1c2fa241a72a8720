"""Draw one LiDAR turn of a driving dataset from above, coloured by class: README's docs/lidar_bev.png.

Usage: python docs/lidar_bev.py DATASET IMAGE_ID OUT.png [RANGE_M]
Reads the frame's KITTI ``velodyne/*.bin`` and SemanticKITTI ``labels/*.label`` with numpy,
the class names from COCO, and the KITTI boxes of label_2 (carried into the LiDAR frame with
the inverse of calib's ``Tr_velo_to_cam``). Scenery (label 0) is grey, brighter where higher;
the camera's field of view is outlined.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from simgen.core.layout import KITTI_SPLIT_DIRS  # noqa: E402
from simgen.store.dataset import load_coco  # noqa: E402

COLORS = {"car": "#ff503c", "van": "#ffaa00", "truck": "#c850ff", "bus": "#ff3cc8", "pedestrian": "#3cdc3c",
          "cyclist": "#00c8ff", "traffic_sign": "#ffffff", "traffic_light": "#ffff00"}


def main(root: str, image_id: int, out: str, reach: float = 40.0) -> None:
    root = Path(root)
    doc = load_coco(root)
    img = next(i for i in doc["images"] if i["id"] == image_id)
    names = {c["id"]: c["name"] for c in doc["categories"]}
    stem = Path(img["file_name"]).stem
    kitti = root / "kitti" / KITTI_SPLIT_DIRS[img["split"]]
    points = np.fromfile(kitti / "velodyne" / f"{stem}.bin", dtype="<f4").reshape(-1, 4)
    semantic = np.fromfile(kitti / "labels" / f"{stem}.label", dtype="<u4") & 0xFFFF
    calib = {k: np.array(v.split(), float) for k, v in
             (ln.split(":", 1) for ln in (kitti / "calib" / f"{stem}.txt").read_text().splitlines())}
    Tr = np.eye(4)
    Tr[:3] = calib["Tr_velo_to_cam"].reshape(3, 4)
    cam_to_velo = np.linalg.inv(Tr)

    fig, ax = plt.subplots(figsize=(5.2, 5.2), dpi=110)
    fig.patch.set_facecolor("black")
    ax.set_facecolor("black")
    near = (np.abs(points[:, 0]) < reach) & (np.abs(points[:, 1]) < reach)
    scenery = near & (semantic == 0)
    height = np.clip((points[scenery, 2] + 2.0) / 6.0, 0, 1)
    ax.scatter(-points[scenery, 1], points[scenery, 0], s=0.3, c=0.35 + 0.55 * height, cmap="gray", vmin=0, vmax=1,
               linewidths=0)
    for cid in sorted(set(np.unique(semantic[near])) - {0}):
        sel = near & (semantic == cid)
        ax.scatter(-points[sel, 1], points[sel, 0], s=1.2, color=COLORS.get(names[cid], "#ffffff"), linewidths=0,
                   label=f"{names[cid]} ({sel.sum()})")
    for line in (kitti / "label_2" / f"{stem}.txt").read_text().splitlines():
        f = line.split()
        if f[0] == "DontCare":
            continue
        h, w, length, x, y, z, ry = (float(v) for v in f[8:15])
        c, s = np.cos(ry), np.sin(ry)
        xs, zs = np.array([1, 1, -1, -1, 1]) * length / 2, np.array([1, -1, -1, 1, 1]) * w / 2
        corners = np.stack([c * xs + s * zs + x, np.full(5, y - h / 2), -s * xs + c * zs + z, np.ones(5)])
        v = cam_to_velo @ corners
        ax.plot(-v[1], v[0], color="white", linewidth=0.6)
    fov = np.arctan(img["width"] / 2 / img["camera"]["K"][0][0])
    for sign in (-1, 1):
        ax.plot([0, -sign * reach * np.tan(fov)], [0, reach], color="#888888", linewidth=0.5, linestyle="--")
    ax.plot(0, 0, marker="^", color="white", markersize=5)
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-reach, reach)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="lower left", fontsize=6, facecolor="black", labelcolor="white", markerscale=4, frameon=False)
    ax.set_title(f"one turn, {len(points)} points, {2 * reach:.0f} m across (forward up)", color="white", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, facecolor="black")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], *(float(a) for a in sys.argv[4:5]))
