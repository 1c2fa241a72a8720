"""The pipeline many robotics users write by hand: pybullet's own ``getCameraImage`` for RGB,
depth and segmentation, labels from the segmentation image, the same encoding and COCO.

It runs on simgen's scenes and physics (same scenes, same settling), so the comparison is of
everything after physics: drawing, labels and encoding.
"""

from __future__ import annotations

import pkgutil

import numpy as np

from simgen.annotate.masks import encode_rle
from simgen.config.schema import PhysicsConfig
from simgen.core.images import depth_to_uint16, encode_rgb, encode_uint16
from simgen.physics.state import SceneState, posed_state
from simgen.physics.world import PhysicsWorld, pb


class BaselineWorld(PhysicsWorld):
    """simgen's physics world with pybullet visual shapes, so pybullet can draw the bodies."""

    def __init__(self, renderer: str) -> None:
        super().__init__()
        self.renderer = pb.ER_TINY_RENDERER
        if renderer == "egl":
            egl = pkgutil.get_loader("eglRenderer")
            if egl is None or pb.loadPlugin(egl.get_filename(), "_eglRendererPlugin", physicsClientId=self.client) < 0:
                raise RuntimeError("pybullet's EGL renderer plugin does not load here")
            self.renderer = pb.ER_BULLET_HARDWARE_OPENGL

    def visual_shape(self, body, asset) -> int:
        mesh = asset.mesh
        return pb.createVisualShape(pb.GEOM_MESH, vertices=mesh.vertices.tolist(), indices=mesh.faces.ravel().tolist(),
                                    physicsClientId=self.client)

    def add(self, body, asset) -> int:
        bid = super().add(body, asset)
        if body.material is not None:
            pb.changeVisualShape(bid, -1, rgbaColor=list(body.material.base_color), physicsClientId=self.client)
        return bid

    def pose(self, spec) -> SceneState:
        """A kinematic scene (driving) placed as specified: nothing is simulated, as in simgen."""
        self.reset(PhysicsConfig())
        state = posed_state(spec)
        for body in spec.bodies:
            self.add(body, state.assets[body.instance_id])
        return state

    def draw(self, cam) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """rgb (H, W, 3) uint8, metric z-depth (H, W), pybullet body ids (H, W) for one view."""
        W, H = cam.width, cam.height
        eye = cam.cam_to_world[:3, 3]
        view = pb.computeViewMatrix(eye.tolist(), (eye + cam.cam_to_world[:3, 2]).tolist(), (-cam.cam_to_world[:3, 1]).tolist())
        fov = float(np.rad2deg(2 * np.arctan(H / 2 / cam.K[1, 1])))
        proj = pb.computeProjectionMatrixFOV(fov, W / H, cam.znear, cam.zfar)
        _, _, rgba, zbuf, seg = pb.getCameraImage(W, H, view, proj, renderer=self.renderer, physicsClientId=self.client)
        rgba = np.asarray(rgba, np.uint8).reshape(H, W, 4)
        zbuf = np.asarray(zbuf, np.float32).reshape(H, W)
        n, f = cam.znear, cam.zfar
        depth = (f * n / (f - (f - n) * zbuf)).astype(np.float32)
        depth[zbuf >= 1.0] = 0.0
        return rgba[..., :3], depth, np.asarray(seg, np.int32).reshape(H, W)


def label_and_encode(world: BaselineWorld, state, cam, category_ids: dict, image_id: int, depth_scale: float):
    """A hand-written label loop: per object, its mask, box, area and RLE; files encoded."""
    rgb, depth, seg = world.draw(cam)
    instance = np.zeros(seg.shape, np.uint16)
    annotations = []
    for body in state.objects():
        mask = seg == world._ids[body.instance_id]
        area = int(mask.sum())
        if area == 0:
            continue
        instance[mask] = body.instance_id
        ys, xs = np.nonzero(mask)
        bbox = [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]
        annotations.append({"image_id": image_id, "category_id": category_ids[body.category], "object_id": body.instance_id,
                            "bbox": bbox, "area": area, "segmentation": encode_rle(mask), "iscrowd": 0})
    files = [encode_rgb(rgb, "png", 1), encode_uint16(depth_to_uint16(depth, depth_scale)), encode_uint16(instance)]
    return files, annotations
