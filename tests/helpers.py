"""Scene builders, the one command runner and the one in-process job loader shared by the tests
(fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simgen.core.camera import intrinsics, look_at
from simgen.core.spec import AssetRef, BodySpec, CameraSpec, LightSpec, Material, SceneSpec

REPO = Path(__file__).resolve().parents[1]
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


# ---- in process: the composition root, as the command calls it before anything runs ----

def label_view(renderer, state, cam: CameraSpec, category_ids: dict[str, int], policy=None,
               image_index: int = 0, view_index: int = 0):
    """(arrays by pass name, FrameLabels) of one view, drawn and labeled as the pipeline does."""
    from simgen.annotate.frame import annotate_view
    from simgen.config.schema import LabelsConfig
    from simgen.pipeline import draw_view

    policy = policy or LabelsConfig()
    arrays, plan = draw_view(renderer, state, cam, policy)
    return arrays, annotate_view(plan, state, cam, arrays, category_ids, policy, image_index, view_index)


_registered: tuple | None = None


def register_test_configs() -> None:
    """Hydra's ConfigStore filled as ``simgen`` fills it (:func:`simgen.job.register_configs`),
    once per recipe path, plugin list and job schema: registering reads and types every recipe
    (about a second), and the store keeps what was registered."""
    global _registered
    from simgen.job import job_schema, register_configs

    key = (os.environ.get("SIMGEN_SCENE_PATH", ""), os.environ.get("SIMGEN_PLUGINS", ""), id(job_schema()))
    if key != _registered:
        register_configs()
        _registered = key


def load_test_job(*overrides: str):
    """(typed SimgenConfig, JobSpec) of ``overrides``, composed and checked in this process
    exactly as ``simgen`` does before it creates anything (:func:`simgen.job.load_job`)."""
    from simgen.job import load_job

    register_test_configs()
    return load_job(list(overrides))


def config_error(*overrides: str, error: type | None = None) -> str:
    """The one-line message ``simgen OVERRIDES`` prints after ``simgen: error:``; asserts it is
    one line, that the command would exit 2 (a config error), and, if given, its ``error`` type."""
    from simgen.core.errors import SimgenError

    with pytest.raises(error or SimgenError) as info:
        load_test_job(*overrides)
    message = str(info.value)
    assert "\n" not in message and message, message
    assert info.value.exit_code == 2, type(info.value)
    return message


# ---- subprocesses: the installed command lines, as a user runs them ----

def cli_env(faults: str = "") -> dict[str, str]:
    """The environment of a test's command: this checkout first on the path, and the fault
    plan (SIMGEN_FAULT_SCENES, see simgen/farm/faults.py) only where a test asks for one."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("SIMGEN_FAULT_SCENES", None)
    if faults:
        env["SIMGEN_FAULT_SCENES"] = faults
    return env


def cli_command(*args: str, module: str = "simgen.tools.cli") -> list[str]:
    """``python -m MODULE ARGS`` with flags (``-m``...) before overrides, as Hydra wants them."""
    flags = [a for a in args if a.startswith("-")]
    rest = [a for a in args if not a.startswith("-")]
    return [sys.executable, "-m", module, *flags, *rest]


def run_command(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None,
                timeout: float = 300, expect: int | None = None) -> subprocess.CompletedProcess:
    """Run ``cmd``, capturing its text output; asserts the exit status when ``expect`` is given."""
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if expect is not None:
        assert proc.returncode == expect, (proc.stdout[-2000:], proc.stderr[-3000:])
    return proc


def run_cli(*args: str, module: str = "simgen.tools.cli", cwd: Path | None = None, faults: str = "",
            timeout: float = 300, expect: int | None = None) -> subprocess.CompletedProcess:
    """Run a simgen command line (``simgen`` unless ``module`` names another tool) of this
    checkout in a subprocess, which has its own EGL context."""
    return run_command(cli_command(*args, module=module), cwd=cwd, env=cli_env(faults), timeout=timeout, expect=expect)


def run_simgen(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run the ``simgen`` command (see :func:`run_cli`)."""
    return run_cli(*args, **kwargs)


def start_simgen(*args: str, cwd: Path, **popen) -> subprocess.Popen:
    """``simgen ARGS`` started in the background (to be killed or interrupted by the test)."""
    return subprocess.Popen(cli_command(*args), cwd=cwd, env=cli_env(), **popen)


def error_lines(stderr: str) -> list[str]:
    """The ``simgen: error:`` lines of a command's stderr."""
    return [ln for ln in stderr.splitlines() if ln.startswith("simgen: error:")]


# ---- reading datasets back ----

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


def tiny_dataset(root: Path) -> Path:
    """A hand-made simgen-layout dataset: 2 train images and 1 val image, 48x32 PNGs under
    ``images/<split>/``, each with one labeled square, and ``file_name`` relative to the split
    folder as simgen writes it."""
    from PIL import Image
    from pycocotools import mask as mask_utils

    image_id = 0
    for split, n in (("train", 2), ("val", 1)):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        images, anns = [], []
        for _ in range(n):
            image_id += 1
            name = f"{image_id:06d}.png"
            Image.fromarray(np.full((32, 48, 3), 40 * image_id, np.uint8)).save(root / "images" / split / name)
            m = np.zeros((32, 48), np.uint8, order="F")
            m[8:20, 10:30] = 1
            rle = mask_utils.encode(m)
            rle["counts"] = rle["counts"].decode()
            images.append({"id": image_id, "file_name": name, "width": 48, "height": 32, "split": split})
            anns.append({"id": image_id, "image_id": image_id, "category_id": 1, "bbox": [10.0, 8.0, 20.0, 12.0],
                         "area": 240, "segmentation": rle, "iscrowd": 0})
        (root / "annotations").mkdir(exist_ok=True)
        (root / f"annotations/instances_{split}.json").write_text(json.dumps(
            {"images": images, "annotations": anns, "categories": [{"id": 1, "name": "cube"}]}))
    return root
