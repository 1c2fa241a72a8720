"""Contact sheets of the inspection scene: README's docs/inspection_good.jpg and
docs/inspection_defects.jpg.

Usage: python docs/make_inspection_sheet.py [--seed 0] [--scenes 80] [--size 640 480] [--out docs]
       [--engine raster|pathtrace]

Draws scenes 0, 1, ... of ``scene=inspection`` through the worker the ``simgen`` command runs
(its image stage included) until it has one good view of each product and one view of each
defect kind (or ``--scenes`` ran out). Each tile is the picture cropped around the
product. The good sheet shows the product's outline; the defects sheet shows each picture beside itself with the product outlined in
green and the defect masks (COCO, visible part only) tinted red, labeled with the image-level
label. ``--engine pathtrace`` draws the colour with the path tracer (the photoreal extra).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from simgen.job import load_job, register_configs
from simgen.pipeline import SceneWorker
from simgen.scenes.inspection.defects import DEFECTS
from simgen.scenes.inspection.products import PRODUCTS

TILE = (320, 240)
QUALITY = 85


def _mask(rle: dict) -> np.ndarray:
    r = dict(rle)
    r["counts"] = r["counts"].encode("ascii") if isinstance(r["counts"], str) else r["counts"]
    return mask_utils.decode(r).astype(bool)


def _label(img: np.ndarray, text: str) -> np.ndarray:
    cv2.putText(img, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(img, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return img


def _around(img: np.ndarray, box, pad: float = 0.25) -> np.ndarray:
    """A TILE-sized view of ``img`` around the COCO ``box`` [x, y, w, h] (padded, kept 4:3,
    clipped to the image), so that small defects show."""
    x, y, w, h = box
    H, W = img.shape[:2]
    h_side = max(h, w * TILE[1] / TILE[0]) * (1 + 2 * pad)
    h_side = min(h_side, H, W * TILE[1] / TILE[0])
    w_side = h_side * TILE[0] / TILE[1]
    x0 = int(np.clip(x + w / 2 - w_side / 2, 0, W - w_side))
    y0 = int(np.clip(y + h / 2 - h_side / 2, 0, H - h_side))
    crop = img[y0:y0 + int(h_side), x0:x0 + int(w_side)]
    return cv2.resize(crop, TILE, interpolation=cv2.INTER_AREA)


def overlay(bgr: np.ndarray, annotations: list[dict]) -> np.ndarray:
    """The picture with every whole outlined in green and every part (defect) tinted red."""
    out = bgr.copy()
    for ann in annotations:
        m = _mask(ann["segmentation"])
        if "part_of" in ann:
            out[m] = (0.3 * out[m] + 0.7 * np.array([30, 30, 255])).astype(np.uint8)
        else:
            contours, _ = cv2.findContours(m.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
            cv2.drawContours(out, contours, -1, (60, 230, 60), 2)
    return out


def collect(seed: int, scenes: int, size, engine: str) -> tuple[dict, dict]:
    """(good product -> tile, defect kind -> (picture, overlay) tiles) of the first scenes that show them."""
    overrides = ["scene=inspection", f"frames={scenes}", f"seed={seed}", "export.image_format=png",
                 f"renderer.width={size[0]}", f"renderer.height={size[1]}"]
    if engine == "pathtrace":
        overrides.append("renderer.engine=pathtrace")
    _, job = load_job(overrides)
    worker = SceneWorker(job)
    good: dict[str, np.ndarray] = {}
    bad: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    try:
        for index in range(scenes):
            frame = worker.run(index).frames[0]
            label = frame.image["anomaly"]
            data = next(v for k, v in frame.files.items() if k.startswith("images/"))
            bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            shown = overlay(bgr, frame.annotations)
            box = next(a["bbox"] for a in frame.annotations if "part_of" not in a)
            if label["label"] == "good" and label["product"] not in good:
                good[label["product"]] = _label(_around(shown, box), f"{label['product']}: good")
            new = [k for k in label["defects"] if k not in bad]
            if new:  # one tile per scene, under the first kind it adds
                text = f"{label['product']}: {', '.join(label['defects'])}"
                bad[new[0]] = (_label(_around(bgr, box), text), _label(_around(shown, box), "mask"))
            if len(good) == len(PRODUCTS) and len(bad) >= len(DEFECTS):
                break
    finally:
        worker.close()
    return good, bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scenes", type=int, default=80)
    ap.add_argument("--size", nargs=2, type=int, default=[640, 480])
    ap.add_argument("--out", default=str(Path(__file__).parent))
    ap.add_argument("--engine", default="raster", choices=["raster", "pathtrace"])
    args = ap.parse_args()
    register_configs()
    good, bad = collect(args.seed, args.scenes, args.size, args.engine)
    blank = np.zeros((TILE[1], TILE[0], 3), np.uint8)
    tiles = [good.get(p, blank) for p in PRODUCTS]
    good_sheet = np.hstack(tiles)
    pairs = [np.hstack(bad[k]) for k in DEFECTS if k in bad]
    pairs += [np.hstack([blank, blank])] * (len(pairs) % 2)
    defect_sheet = np.vstack([np.hstack(pairs[i:i + 2]) for i in range(0, len(pairs), 2)])
    suffix = "" if args.engine == "raster" else "_pathtrace"
    for name, sheet in ((f"inspection_good{suffix}.jpg", good_sheet), (f"inspection_defects{suffix}.jpg", defect_sheet)):
        path = Path(args.out) / name
        cv2.imwrite(str(path), sheet, [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
        print(f"{path}: {path.stat().st_size // 1024} KB")
    print(f"missing from the sheets: products {sorted(set(PRODUCTS) - set(good))}, defects {sorted(set(DEFECTS) - set(bad))}")


if __name__ == "__main__":
    main()
