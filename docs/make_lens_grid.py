"""Draw README's docs/lens_grid.png: one checkerboard wall and a box seen through each lens.

Usage: python docs/make_lens_grid.py OUT.png

The same camera (320 x 240, 60 degrees high as a pinhole) looks at a checkered wall 1 m away
with a box in front of it, through: no distortion, the ``robot_arm_mild`` preset (OpenCV
model) and the ``driving_front_wide`` preset (fisheye). Each panel is the remapped colour
pass with the box's mask outline (green, from the remapped id map) and its 9 cuboid
keypoints (red: visible, yellow: hidden) projected by OpenCV with the preset's coefficients.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simgen.annotate.frame import annotate_view  # noqa: E402
from simgen.config.lens import CameraConfig, lens_of  # noqa: E402
from simgen.config.paths import CONFIG_DIR  # noqa: E402
from simgen.config.schema import LabelsConfig, RendererConfig  # noqa: E402
from simgen.core.camera import intrinsics, look_at  # noqa: E402
from simgen.core.lens import Lens, source_size  # noqa: E402
from simgen.core.spec import AssetRef, BodySpec, CameraSpec, LightSpec, Material, SceneSpec, Texture  # noqa: E402
from simgen.physics.state import posed_state  # noqa: E402
from simgen.pipeline import draw_view  # noqa: E402
from simgen.render.renderer import Renderer  # noqa: E402

WIDTH, HEIGHT, SCALE = 320, 240, 1.5


def preset(name: str) -> Lens:
    cfg = CameraConfig(**yaml.safe_load((CONFIG_DIR / "camera" / f"{name}.yaml").read_text()))
    return replace(lens_of(cfg), render_scale=SCALE)


def scene() -> SceneSpec:
    checker = Material(base_color=(1.0, 1.0, 1.0, 1.0),
                       texture=Texture(kind="checker", colors=((0.92, 0.92, 0.92), (0.08, 0.08, 0.1)), tile=0.5))
    wall = BodySpec(instance_id=1, asset=AssetRef(kind="primitive", shape="box", size=(4.0, 0.02, 3.0)),
                    pose=np.eye(4), category=None, material=checker, static=True)
    pose = np.eye(4)
    pose[:3, :3] = cv2.Rodrigues(np.array([0.3, 0.5, 0.2]))[0]
    pose[:3, 3] = (0.22, -0.35, -0.12)
    box = BodySpec(instance_id=2, asset=AssetRef(kind="primitive", shape="box", size=(0.12, 0.12, 0.12)), pose=pose,
                   category="box", material=Material(base_color=(0.9, 0.35, 0.1, 1.0)))
    light = LightSpec(kind="directional", color=(1.0, 1.0, 1.0), intensity=3.0, pose=look_at([0.5, -2.0, 2.0], [0, 0, 0]))
    return SceneSpec(index=0, seed=0, bodies=[wall, box], lights=[light], cameras=[], ambient=(0.4, 0.4, 0.4))


def panel(renderer: Renderer, state, lens: Lens, title: str) -> np.ndarray:
    cam = CameraSpec(K=intrinsics(WIDTH, HEIGHT, 60.0), width=WIDTH, height=HEIGHT,
                     cam_to_world=look_at(np.array([0.0, -1.0, 0.0]), np.zeros(3)), znear=0.05, zfar=10.0, lens=lens)
    policy = LabelsConfig()
    arrays, plan = draw_view(renderer, state, cam, policy)
    labels = annotate_view(plan, state, cam, arrays, {"box": 1}, policy, 0, 0)
    bgr = cv2.cvtColor(arrays["color"], cv2.COLOR_RGB2BGR)
    contours, _ = cv2.findContours((labels.instance_map == 2).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(bgr, contours, -1, (0, 220, 0), 1)
    for obj in labels.objects:
        for u, v, flag in obj.keypoints:
            if flag > 0:
                cv2.circle(bgr, (int(u), int(v)), 3, (0, 0, 255) if flag == 2 else (0, 230, 255), -1)
    cv2.rectangle(bgr, (0, 0), (WIDTH, 18), (0, 0, 0), -1)
    cv2.putText(bgr, title, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 255), 1, cv2.LINE_AA)
    return bgr


def main(out: str) -> None:
    sw, sh = source_size(WIDTH, HEIGHT, SCALE)
    renderer = Renderer(RendererConfig(width=sw, height=sh, shadows=False))
    try:
        state = posed_state(scene())
        renderer.load(state)
        lenses = [(Lens("opencv", (0.0,) * 8, SCALE), "pinhole (no distortion)"),
                  (preset("robot_arm_mild"), "camera=robot_arm_mild (opencv)"),
                  (preset("driving_front_wide"), "camera=driving_front_wide (fisheye)")]
        cv2.imwrite(out, np.hstack([panel(renderer, state, lens, title) for lens, title in lenses]))
    finally:
        renderer.close()


if __name__ == "__main__":
    main(sys.argv[1])
