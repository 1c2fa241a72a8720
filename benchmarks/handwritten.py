"""The labeled-image script a robotics user writes by hand in an afternoon, as the yardstick.

It shares nothing with simgen: 20 of pybullet's ``random_urdfs`` dropped on a plane, a fixed
240 ``stepSimulation`` calls, 4 views per scene drawn by ``getCameraImage`` (TinyRenderer) for
RGB, depth and segmentation, PNG files (cv2), boxes and RLE masks (pycocotools) and one COCO
file, on N processes.

    python benchmarks/handwritten.py OUT_DIR --frames 200 --processes 2
"""

from __future__ import annotations

import argparse
import glob
import json
import multiprocessing as mp
import os
import time
from pathlib import Path

import cv2
import numpy as np
import pybullet as p
import pybullet_data
from pycocotools import mask as mask_utils

WIDTH, HEIGHT, VIEWS, OBJECTS, STEPS = 640, 480, 4, 20, 240


def _scene(client: int, rng: np.random.Generator, urdfs: list[str]) -> list[int]:
    p.resetSimulation(physicsClientId=client)
    p.setGravity(0, 0, -9.81, physicsClientId=client)
    p.loadURDF("plane.urdf", physicsClientId=client)
    bodies = []
    for k in range(OBJECTS):
        xy = rng.uniform(-0.3, 0.3, 2)
        quat = p.getQuaternionFromEuler(rng.uniform(0, 2 * np.pi, 3).tolist())
        bodies.append(p.loadURDF(urdfs[rng.integers(len(urdfs))], [xy[0], xy[1], 0.1 + 0.05 * k], quat,
                                 physicsClientId=client))
    for _ in range(STEPS):
        p.stepSimulation(physicsClientId=client)
    return bodies


def _view(client: int, rng: np.random.Generator):
    azimuth, elevation, distance = rng.uniform(0, 360), rng.uniform(-70, -30), rng.uniform(0.8, 1.4)
    view = p.computeViewMatrixFromYawPitchRoll([0, 0, 0], distance, azimuth, elevation, 0, 2)
    proj = p.computeProjectionMatrixFOV(50, WIDTH / HEIGHT, 0.05, 10.0)
    _, _, rgba, zbuf, seg = p.getCameraImage(WIDTH, HEIGHT, view, proj, renderer=p.ER_TINY_RENDERER,
                                             physicsClientId=client)
    rgb = np.asarray(rgba, np.uint8).reshape(HEIGHT, WIDTH, 4)[..., :3]
    zbuf = np.asarray(zbuf, np.float32).reshape(HEIGHT, WIDTH)
    depth = 10.0 * 0.05 / (10.0 - (10.0 - 0.05) * zbuf)
    return rgb, depth, np.asarray(seg, np.int32).reshape(HEIGHT, WIDTH)


def work(out: str, scenes: list[int], seed: int) -> tuple[list, list, float]:
    """Render ``scenes`` into ``out``; returns COCO images, annotations and the seconds taken."""
    start = time.perf_counter()
    client = p.connect(p.DIRECT)
    p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=client)
    urdfs = sorted(glob.glob(os.path.join(pybullet_data.getDataPath(), "random_urdfs", "*", "*.urdf")))
    images, annotations = [], []
    root = Path(out)
    for folder in ("rgb", "depth", "seg"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for scene in scenes:
        rng = np.random.default_rng([seed, scene])
        bodies = _scene(client, rng, urdfs)
        for v in range(VIEWS):
            image_id = scene * VIEWS + v + 1
            rgb, depth, seg = _view(client, rng)
            name = f"{image_id:06d}.png"
            cv2.imwrite(str(root / "rgb" / name), rgb[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 1])
            cv2.imwrite(str(root / "depth" / name), np.clip(depth * 1000, 0, 65535).astype(np.uint16))
            cv2.imwrite(str(root / "seg" / name), (seg + 1).astype(np.uint16))
            images.append({"id": image_id, "file_name": name, "width": WIDTH, "height": HEIGHT})
            for body in bodies:
                m = seg == body
                if not m.any():
                    continue
                rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
                rle["counts"] = rle["counts"].decode()
                annotations.append({"image_id": image_id, "category_id": 1, "segmentation": rle,
                                    "area": float(mask_utils.area(rle)), "bbox": mask_utils.toBbox(rle).tolist(),
                                    "iscrowd": 0})
    p.disconnect(client)
    return images, annotations, time.perf_counter() - start


def run(out: str, frames: int, processes: int, seed: int = 0) -> dict:
    """The whole script, timed from start to the COCO file: frames/s over wall time."""
    start = time.perf_counter()
    scenes = list(range(-(-frames // VIEWS)))
    with mp.get_context("spawn").Pool(processes) as pool:
        parts = pool.starmap(work, [(out, scenes[k::processes], seed) for k in range(processes)])
    images = sorted((im for part in parts for im in part[0]), key=lambda im: im["id"])
    annotations = [a for part in parts for a in part[1]]
    for k, a in enumerate(annotations, 1):
        a["id"] = k
    doc = {"images": images, "annotations": annotations, "categories": [{"id": 1, "name": "object"}]}
    Path(out, "coco.json").write_text(json.dumps(doc))
    wall = time.perf_counter() - start
    return {"pipeline": "handwritten", "frames": len(images), "processes": processes, "seconds": round(wall, 3),
            "fps": round(len(images) / wall, 2), "annotations": len(annotations)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--processes", type=int, default=os.cpu_count())
    args = parser.parse_args()
    print(json.dumps(run(args.out, args.frames, args.processes)))


if __name__ == "__main__":
    main()
