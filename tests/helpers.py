"""Scene builders and the command runner shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from simgen.camera import intrinsics, look_at
from simgen.spec import AssetRef, BodySpec, CameraSpec, LightSpec, Material, SceneSpec

WIDTH, HEIGHT = 320, 240


def make_camera(eye, target, fov_y=50.0, width=WIDTH, height=HEIGHT, K=None, znear=0.05, zfar=10.0) -> CameraSpec:
    return CameraSpec(
        K=intrinsics(width, height, fov_y) if K is None else np.asarray(K, float),
        width=width, height=height, cam_to_world=look_at(np.asarray(eye, float), np.asarray(target, float)),
        znear=znear, zfar=zfar,
    )


def make_box(instance_id, size, pose, category="box", static=False, support_top=None) -> BodySpec:
    return BodySpec(instance_id=instance_id, asset=AssetRef(kind="primitive", shape="box", size=tuple(size)),
                    pose=np.asarray(pose, float), category=category, material=Material(), static=static,
                    support_top=support_top)


def translation(x, y, z) -> np.ndarray:
    T = np.eye(4)
    T[:3, 3] = (x, y, z)
    return T


def make_spec(bodies, cameras) -> SceneSpec:
    light = LightSpec(kind="directional", color=(1.0, 1.0, 1.0), intensity=2.0, pose=np.eye(4))
    return SceneSpec(index=0, seed=0, bodies=list(bodies), lights=[light], cameras=list(cameras))


SMALL_RUN = ["renderer.width=320", "renderer.height=240", "scene.max_objects=6"]


def run_simgen(*args: str, timeout: float = 300):
    """Run the ``simgen`` command in a subprocess (its own EGL context), as a user would."""
    cmd = [sys.executable, "-m", "simgen.tools.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def load_coco(root):
    """pycocotools COCO of every split of a finished dataset, joined."""
    from pycocotools.coco import COCO

    from simgen.store.dataset import load_coco as joined

    coco = COCO()
    coco.dataset = joined(root)
    coco.createIndex()
    return coco


def image_file(root, img: dict):
    """The RGB file of a COCO image record."""
    return root / "images" / img["split"] / img["file_name"]


def whole_coco_file(root) -> Path:
    """Every split's COCO file of dataset ``root`` joined into one file beside it, for readers
    that take one file (pycocotools, a 'real' label set)."""
    from simgen.store.dataset import load_coco

    path = Path(root).parent / f"{Path(root).name}-instances_all.json"
    if not path.exists():
        path.write_text(json.dumps(load_coco(root)))
    return path
