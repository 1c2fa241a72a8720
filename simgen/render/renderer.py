"""One ``pyrender.OffscreenRenderer`` per process, reused for every scene and view.

Three kinds of pass:
- colour: PBR with lights, anti-aliased (what a camera would see);
- ids: every body drawn flat in a colour that encodes its instance id, no anti-aliasing, so
  each pixel belongs to exactly one body; its depth buffer gives metric z-depth at pixel
  centres, consistent with the id map;
- alone: one body drawn by itself on a viewport shifted by whole pixels over the same image
  plane (amodal masks, which may reach past the image border).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.camera import opencv_to_opengl_pose, pyrender_intrinsics
from simgen.config.schema import RendererConfig
from simgen.physics.state import SceneState
from simgen.platform import import_pyrender
from simgen.render import textures
from simgen.spec import CameraSpec

SMOOTH_PRIMITIVES = ("sphere", "capsule")  # flat shading keeps edges of boxes and cones crisp


@dataclass
class Passes:
    """One view's images. rgb (H, W, 3) uint8; depth (H, W) float32 metres of z, 0 = nothing;
    ids (H, W) int32 instance id, 0 = background (scenery has its own ids)."""

    rgb: np.ndarray
    depth: np.ndarray
    ids: np.ndarray


def _id_colour(instance_id: int) -> tuple[int, int, int]:
    return (instance_id & 0xFF, (instance_id >> 8) & 0xFF, (instance_id >> 16) & 0xFF)


def _decode_ids(seg: np.ndarray) -> np.ndarray:
    s = seg.astype(np.int32)
    return s[..., 0] | (s[..., 1] << 8) | (s[..., 2] << 16)


class Renderer:
    """Draws SceneStates headless. Create once per process; call :meth:`load` per scene."""

    def __init__(self, cfg: RendererConfig) -> None:
        self.pyrender = import_pyrender(cfg.egl_device)
        self.width, self.height = cfg.width, cfg.height
        self._offscreen = self.pyrender.OffscreenRenderer(cfg.width, cfg.height)
        self._scene = None
        self._nodes: dict[int, object] = {}
        self._seg_all: dict[object, tuple[int, int, int]] = {}
        self._camera_node = None

    def close(self) -> None:
        if self._offscreen is not None:
            self._offscreen.delete()
            self._offscreen = None

    def _mesh(self, state: SceneState, instance_id: int):
        pr = self.pyrender
        body = next(b for b in state.bodies if b.instance_id == instance_id)
        asset = state.assets[instance_id]
        m = body.material
        material = pr.MetallicRoughnessMaterial(
            baseColorFactor=list(m.base_color) if m else [0.7, 0.7, 0.7, 1.0],
            metallicFactor=m.metallic if m else 0.0,
            roughnessFactor=m.roughness if m else 0.7,
        )
        smooth = asset.ref.kind != "primitive" or asset.ref.shape in SMOOTH_PRIMITIVES
        if m is not None and m.texture is not None:  # the texture's UVs and image
            mesh, image = textures.textured(asset, m.texture)
            material.baseColorTexture = pr.Texture(source=image, source_channels="RGB")
            return pr.Mesh.from_trimesh(mesh, material=material, smooth=smooth)
        return pr.Mesh.from_trimesh(asset.mesh, material=material, smooth=smooth)

    def load(self, state: SceneState) -> None:
        """Build the pyrender scene of ``state``: a node per body at its settled pose, lights."""
        pr = self.pyrender
        spec = state.spec
        scene = pr.Scene(bg_color=[*spec.background, 1.0], ambient_light=list(spec.ambient))
        self._nodes = {}
        for body in state.bodies:
            node = scene.add(self._mesh(state, body.instance_id), pose=state.poses[body.instance_id])
            self._nodes[body.instance_id] = node
        for light in spec.lights:
            cls = pr.DirectionalLight if light.kind == "directional" else pr.PointLight
            scene.add(cls(color=list(light.color), intensity=light.intensity), pose=light.pose)
        self._camera_node = scene.add(pr.IntrinsicsCamera(1.0, 1.0, 0.0, 0.0), pose=np.eye(4))
        self._seg_all = {node: _id_colour(iid) for iid, node in self._nodes.items()}
        self._scene = scene

    def set_pose(self, instance_id: int, pose: np.ndarray) -> None:
        """Move a body in place (sequences), without rebuilding the scene."""
        self._scene.set_pose(self._nodes[instance_id], pose)

    def _aim(self, cam: CameraSpec, offset=(0, 0)) -> None:
        if (cam.width, cam.height) != (self.width, self.height):
            raise ValueError(f"camera is {cam.width}x{cam.height} but the renderer is {self.width}x{self.height}")
        fx, fy, cx, cy = pyrender_intrinsics(cam.K, self.height, offset)
        c = self._camera_node.camera
        c.fx, c.fy, c.cx, c.cy, c.znear, c.zfar = fx, fy, cx, cy, cam.znear, cam.zfar
        self._scene.set_pose(self._camera_node, opencv_to_opengl_pose(cam.cam_to_world))

    def render(self, cam: CameraSpec) -> Passes:
        """Colour, depth and instance ids of one view."""
        pr = self.pyrender
        self._aim(cam)
        rgb, _ = self._offscreen.render(self._scene)
        seg, depth = self._offscreen.render(self._scene, flags=pr.RenderFlags.SEG, seg_node_map=self._seg_all)
        return Passes(rgb=np.ascontiguousarray(rgb), depth=np.ascontiguousarray(depth), ids=_decode_ids(seg))

    def render_alone(self, instance_id: int, cam: CameraSpec, offset=(0, 0)) -> np.ndarray:
        """Mask (H, W) bool of one body with nothing else drawn, on the viewport whose top-left
        pixel is image pixel ``offset`` = (dx, dy)."""
        pr = self.pyrender
        self._aim(cam, offset)
        node = self._nodes[instance_id]
        seg, _ = self._offscreen.render(self._scene, flags=pr.RenderFlags.SEG, seg_node_map={node: (255, 255, 255)})
        return seg[..., 0] > 0
