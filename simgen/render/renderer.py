"""One ``pyrender.OffscreenRenderer`` per process, reused for every scene and view.

Three kinds of pass (targets and read-back in :mod:`simgen.render.framebuffers`):
- colour: PBR with lights, anti-aliased with ``renderer.msaa`` samples;
- ids: every body drawn flat in a colour that encodes its instance id, one sample per pixel,
  so each pixel belongs to exactly one body; its depth buffer gives metric z-depth at pixel
  centres, consistent with the id map;
- coverage: every body that needs an amodal mask, each setting its own bit, depth test off,
  on viewports shifted by whole pixels over the same image plane
  (:mod:`simgen.render.coverage`; amodal masks may reach past the image border).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from OpenGL import GL as gl

from simgen.config.schema import RendererConfig
from simgen.core.camera import opencv_to_opengl_pose, pyrender_intrinsics
from simgen.core.platform import import_pyrender
from simgen.core.spec import CameraSpec, LightSpec
from simgen.physics.state import SceneState
from simgen.render import textures
from simgen.render.coverage import CoverageTarget
from simgen.render.draw import DirectPasses
from simgen.render.framebuffers import COLOR, LABELS, Framebuffers, attach
from simgen.render.shaders import shader_cache
from simgen.render.shadows import SHADOW_UNIT, ShadowMaps, light_slots, split_ground, view_corners

SMOOTH_PRIMITIVES = ("sphere", "capsule")  # flat shading keeps edges of boxes and cones crisp
SHADOW_FOCUS = 60.0  # metres of a camera's view a street's sun shadows cover (simgen.render.shadows)


@dataclass
class Passes:
    """One view's images. rgb (H, W, 3) uint8; depth (H, W) float32 metres of z, 0 = nothing;
    ids (H, W) int32 instance id, 0 = background (scenery has its own ids)."""

    rgb: np.ndarray
    depth: np.ndarray
    ids: np.ndarray


def _pyrender_light(pr, light: LightSpec):
    """The pyrender light of ``light`` (kind directional, point or spot)."""
    if light.kind == "directional":
        return pr.DirectionalLight(color=list(light.color), intensity=light.intensity)
    if light.kind == "spot":
        return pr.SpotLight(color=list(light.color), intensity=light.intensity,
                            innerConeAngle=light.inner_cone, outerConeAngle=light.outer_cone)
    return pr.PointLight(color=list(light.color), intensity=light.intensity)


def _id_colour(instance_id: int) -> tuple[int, int, int]:
    return (instance_id & 0xFF, (instance_id >> 8) & 0xFF, (instance_id >> 16) & 0xFF)


def _ordered_scene_class(pr):
    """A pyrender Scene whose lights come out in the order they were added.

    pyrender keeps lights in a set, so the order in which their light is summed per pixel
    followed memory addresses and changed the last bit of a few pixels between runs.
    """

    class OrderedScene(pr.Scene):
        @property
        def light_nodes(self):
            return sorted(super().light_nodes, key=self._light_order.index)

        def add_node(self, node, parent_node=None):
            if node.light is not None:
                self.__dict__.setdefault("_light_order", []).append(node)
            return super().add_node(node, parent_node)

    return OrderedScene


class Renderer:
    """Draws SceneStates headless. Create once per process; call :meth:`load` per scene."""

    def __init__(self, cfg: RendererConfig) -> None:
        self.pyrender = import_pyrender(cfg.egl_device)
        self.width, self.height = cfg.width, cfg.height
        self._offscreen = self.pyrender.OffscreenRenderer(cfg.width, cfg.height)
        # This process draws nothing else: keep the context current and drive pyrender's
        # renderer directly, into simgen's own framebuffers.
        self._offscreen._platform.make_current()
        self._gl = self._offscreen._renderer
        self._targets = Framebuffers(cfg.width, cfg.height, cfg.msaa)
        attach(self._gl, self._targets)
        self._gl._program_cache = shader_cache(cfg.shading)
        self._direct = DirectPasses(self._gl, self.pyrender)
        self._coverage = CoverageTarget(cfg.width, cfg.height, self._gl._program_cache, self._targets.gl_wait)
        self._order: list = []
        self._scene = None
        self._nodes: dict[int, object] = {}
        self._seg_all: dict[object, tuple[int, int, int]] = {}
        self._camera_node = None
        self._normals_pass = None  # made on first use (simgen.render.normals)
        # Shadows and the hemisphere ambient: the fast shader's, colour pass only (label passes
        # draw flat colours). ``shadows`` may be switched between renders.
        self.shadows = cfg.shadows
        self._shadow_maps = ShadowMaps(cfg.shadow_resolution) if cfg.shading == "fast" else None
        self._shadows_stale = True
        self._shadow_taps = cfg.shadow_taps
        self._max_lights = tuple(self._gl._compute_max_n_lights(self.pyrender.RenderFlags.NONE))
        self._ambient_ground = np.zeros(3)
        self._direct.extra_lighting = self._extra_lighting

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
        if asset.mesh.visual.kind == "face":  # procedural parts: face colours times the material's
            mesh = pr.Mesh.from_trimesh(asset.mesh, material=material, smooth=False)
            mesh.primitives[0].color_0 = np.repeat(asset.mesh.visual.face_colors, 3, axis=0)
            return mesh
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
        scene = _ordered_scene_class(pr)(bg_color=[*spec.background, 1.0], ambient_light=list(spec.ambient))
        self._nodes = {}
        for body in state.bodies:
            node = scene.add(self._mesh(state, body.instance_id), pose=state.poses[body.instance_id])
            self._nodes[body.instance_id] = node
        for light in spec.lights:
            scene.add(_pyrender_light(pr, light), pose=light.pose)
        self._camera_node = scene.add(pr.IntrinsicsCamera(1.0, 1.0, 0.0, 0.0), pose=np.eye(4))
        self._seg_all = {node: _id_colour(iid) for iid, node in self._nodes.items()}
        self._scene = scene
        self._gl._update_context(scene, pr.RenderFlags.NONE)  # upload meshes now: passes draw them directly
        self._direct.forget_meshes()
        self._objects = [self._nodes[b.instance_id] for b in state.bodies if b.category is not None]
        self._scenery = [self._nodes[b.instance_id] for b in reversed(state.bodies) if b.category is None]
        self._ambient_ground = np.asarray(spec.ambient if spec.ambient_ground is None else spec.ambient_ground, float)
        supports = [self._nodes[b.instance_id] for b in state.bodies if b.category is None and b.support_top is not None]
        self._casters, self._ground = split_ground(scene, list(self._nodes.values()), supports)
        if self._shadow_maps is not None:
            self._shadow_maps.forget_meshes()
        self._shadows_stale = True

    def take_gl_wait(self) -> float:
        """Seconds waited for the GL to finish drawing since the last call (see GLWait)."""
        return self._targets.gl_wait.take()

    def set_pose(self, instance_id: int, pose: np.ndarray) -> None:
        """Move a body in place (sequences), without rebuilding the scene."""
        self._scene.set_pose(self._nodes[instance_id], pose)
        self._shadows_stale = True

    def _aim(self, cam: CameraSpec, offset=(0, 0), sort: bool = True) -> None:
        if (cam.width, cam.height) != (self.width, self.height):
            raise ValueError(f"camera is {cam.width}x{cam.height} but the renderer is {self.width}x{self.height}")
        fx, fy, cx, cy = pyrender_intrinsics(cam.K, offset)
        c = self._camera_node.camera
        c.fx, c.fy, c.cx, c.cy, c.znear, c.zfar = fx, fy, cx, cy, cam.znear, cam.zfar
        self._scene.set_pose(self._camera_node, opencv_to_opengl_pose(cam.cam_to_world))
        if not sort:
            return
        # Near to far, objects before scenery (added large-last, e.g. floor after table): the
        # depth test then rejects hidden pixels before they are shaded (opaque meshes only).
        eye = cam.cam_to_world[:3, 3]
        near_first = sorted(self._objects, key=lambda n: np.linalg.norm(self._scene.get_pose(n)[:3, 3] - eye))
        self._order = near_first + self._scenery

    def _pass(self, mode: str, seg_node_map=None):
        """One full-image pass into the ``mode`` target, read back as the mode says."""
        RF = self.pyrender.RenderFlags
        flags = RF.OFFSCREEN | (RF.SEG if seg_node_map is not None else 0)
        self._targets.mode, self._targets.viewport = mode, (self.width, self.height)
        self._gl.viewport_width, self._gl.viewport_height = self.width, self.height
        self._targets.configure(flags)
        self._direct.draw(self._scene, self._order, flags, seg_node_map)
        return self._targets.read(self._scene, flags)

    def render(self, cam: CameraSpec) -> Passes:
        """Colour, depth and instance ids of one view."""
        self._aim(cam)
        self._prepare_shadows(cam)
        rgb, _ = self._pass(COLOR)
        ids, depth = self._pass(LABELS, self._seg_all)
        return Passes(rgb=np.ascontiguousarray(rgb), depth=np.ascontiguousarray(depth), ids=np.ascontiguousarray(ids))

    def _prepare_shadows(self, cam: CameraSpec) -> None:
        """Draw the shadow maps if the bodies moved since they were drawn (or they follow the
        camera); bind them."""
        maps = self._shadow_maps
        if maps is None:
            return
        if self.shadows and (self._shadows_stale or maps.view_dependent):
            focus = view_corners(cam.K, cam.width, cam.height, cam.cam_to_world, cam.znear, min(cam.zfar, SHADOW_FOCUS))
            maps.update(self._gl, self._scene, self._casters, self._ground, self._direct.uniforms, focus)
            self._shadows_stale = False
        layers = len(maps.matrices) if self.shadows else 0
        scene = self._scene
        counts = [len(scene.directional_light_nodes), len(scene.spot_light_nodes), len(scene.point_light_nodes)]
        n_d, n_s, n_p = (min(c, m) for c, m in zip(counts, self._max_lights, strict=True))
        variant = {"N_DIRECTIONAL": n_d, "N_SPOT": n_s, "N_POINT": n_p, "SHADOW_LAYERS": layers,
                   "SHADOW_TAPS": self._shadow_taps}
        self._gl._program_cache.variant = variant
        self._direct.variant = tuple(variant.values())
        if not layers:
            return
        gl.glActiveTexture(gl.GL_TEXTURE0 + SHADOW_UNIT)
        gl.glBindTexture(gl.GL_TEXTURE_2D_ARRAY, maps.texture)
        gl.glActiveTexture(gl.GL_TEXTURE0)

    def _extra_lighting(self, program, uniforms, scene, node) -> None:
        """simgen's lighting uniforms of one program in a colour pass (see DirectPasses)."""
        uniforms.set(program, "ambient_ground", self._ambient_ground)
        if self._shadow_maps is not None:
            slots = light_slots(self._gl, scene, node, self._max_lights)
            self._shadow_maps.bind(program, uniforms, slots, self.shadows)

    def render_normals(self, cam: CameraSpec) -> np.ndarray:
        """Unit surface normals (H, W, 3) float32 in the OpenCV camera frame, 0 = nothing."""
        from simgen.render.normals import NormalsPass

        if self._normals_pass is None:
            self._normals_pass = NormalsPass(self.width, self.height)
        self._aim(cam)
        flags = self.pyrender.RenderFlags.SEG | self.pyrender.RenderFlags.OFFSCREEN
        return self._normals_pass.draw(self._gl, self._scene, self._seg_all, flags)

    def render_coverage(self, instance_ids: list[int], cam: CameraSpec, offset=(0, 0), size=None) -> np.ndarray:
        """Unoccluded silhouettes of up to 128 bodies in one pass: (h, w, 4) uint32 words in
        which bit k (word k // 32, bit k % 32) is set where body ``instance_ids[k]`` covers the
        pixel, on a viewport of ``size`` = (w, h) whose top-left is image pixel ``offset``."""
        size = tuple(size or (self.width, self.height))
        if size[0] > self.width or size[1] > self.height:
            raise ValueError(f"viewport {size} larger than the renderer's {self.width}x{self.height}")
        self._aim(cam, offset, sort=False)
        self._gl.viewport_width, self._gl.viewport_height = size
        V, P = self._gl._get_camera_matrices(self._scene)
        items = [(k, self._scene.get_pose(self._nodes[iid]), self._nodes[iid].mesh) for k, iid in enumerate(instance_ids)]
        return self._coverage.draw(items, V, P, size)
