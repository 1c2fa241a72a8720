"""The raster: one ``pyrender.OffscreenRenderer`` per process, reused for every scene and view.

:meth:`Renderer.render` draws the passes it is asked for by name and returns their arrays
(:mod:`simgen.render.passes`: ``color``, ``ids``, ``depth``, ``coverage``, ``normals``). It
holds the scene as pyrender nodes; the passes hold their own targets and read-backs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from typing import Any

import numpy as np
from OpenGL import GL

from simgen.config.schema import RendererConfig
from simgen.core.camera import opencv_to_opengl_pose, pyrender_intrinsics
from simgen.core.platform import import_pyrender
from simgen.core.spec import AssetRef, CameraSpec, LightSpec
from simgen.physics.state import SceneState
from simgen.render import textures
from simgen.render.draw import DirectPasses
from simgen.render.framebuffers import Framebuffers, attach
from simgen.render.passes.base import PASSES, RenderPass
from simgen.render.shaders import shader_cache

SMOOTH_PRIMITIVES = ("sphere", "capsule")  # flat shading keeps edges of boxes and cones crisp
# Mesh files' own textures kept in GL across scenes (the same image every time: jenga's
# 1024 x 1024 takes tens of ms to upload with its mipmaps); at most this many, least recently
# used dropped: 8 x 1024 x 1024 RGBA with mipmaps is at most about 45 MB of GL memory.
KEPT_TEXTURES = 8


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
    """Draws SceneStates headless. Create once per process; call :meth:`load` per scene and
    :meth:`render` per view. The passes use its scene (``scene``, ``nodes``, ``seg_all``,
    ``order``), its pyrender renderer ``gl`` and :meth:`aim` and :meth:`full_pass`."""

    def __init__(self, cfg: RendererConfig) -> None:
        self.cfg = cfg
        self.pyrender = import_pyrender(cfg.egl_device)
        self.width, self.height = cfg.width, cfg.height
        self._offscreen = self.pyrender.OffscreenRenderer(cfg.width, cfg.height)
        # This process draws nothing else: keep the context current and drive pyrender's
        # renderer directly, into simgen's own framebuffers.
        self._offscreen._platform.make_current()
        self.gl = self._offscreen._renderer
        # Texture rows are tightly packed (pyrender uploads RGB rows of 3 x width bytes): with
        # GL's default 4-byte row alignment a width that is not a multiple of 4 reads past the
        # end of the image, and the texture took whatever memory lay there.
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
        self.targets = Framebuffers(cfg.width, cfg.height, cfg.msaa)
        attach(self.gl, self.targets)
        self.gl._program_cache = shader_cache(cfg.shading)
        self.direct = DirectPasses(self.gl, self.pyrender)
        self.order: list = []
        self.scene = None
        self.state: SceneState | None = None
        self.nodes: dict[int, object] = {}
        self._riders: dict[int, list] = {}  # body -> (light node, light pose in the body's frame), set by load
        self.seg_all: dict[object, tuple[int, int, int]] = {}
        self._camera_node = None
        self._objects: list = []
        self._scenery: list = []
        # Shadows (colour pass, fast shader only) may be switched between renders.
        self.shadows = cfg.shadows
        self._passes: dict[type[RenderPass], RenderPass] = {}  # made on first use
        self._kept: OrderedDict[AssetRef, object] = OrderedDict()  # asset -> pyrender Texture, LRU
        self._dropped: list = []  # kept textures the LRU let go, deleted at the next load

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
            if m.texture.kind == "asset":
                material.baseColorTexture = self._kept_texture(asset.ref, image)
            else:
                material.baseColorTexture = pr.Texture(source=image, source_channels="RGB")
            return pr.Mesh.from_trimesh(mesh, material=material, smooth=smooth)
        return pr.Mesh.from_trimesh(asset.mesh, material=material, smooth=smooth)

    def _kept_texture(self, ref: AssetRef, image: np.ndarray):
        """The pyrender texture of an asset's own ``image``, the same object (and GL texture)
        for every scene while it stays among the :data:`KEPT_TEXTURES` last used."""
        texture = self._kept.pop(ref, None)
        if texture is None:
            texture = self.pyrender.Texture(source=image, source_channels="RGB")
        self._kept[ref] = texture
        while len(self._kept) > KEPT_TEXTURES:
            self._dropped.append(self._kept.popitem(last=False)[1])
        return texture

    def _hand_over_textures(self, scene) -> None:
        """Make pyrender's texture bookkeeping keep the kept textures: it uploads the textures of
        the new scene it has not seen and deletes those of the last scene the new one lacks.
        Kept textures already in GL count as seen when the scene uses them and are hidden from
        it when not; those the LRU dropped are deleted here unless pyrender will."""
        kept = {id(t) for t in self._kept.values()}
        used = {id(t) for node in scene.mesh_nodes for p in node.mesh.primitives for t in p.material.textures}
        last = self.gl._mesh_textures
        for texture in self._dropped:
            if texture not in last and texture._texid is not None:
                texture.delete()
        self._dropped.clear()
        self.gl._mesh_textures = ({t for t in last if id(t) not in kept}
                                  | {t for t in self._kept.values() if id(t) in used and t._texid is not None})

    def load(self, state: SceneState) -> None:
        """Build the pyrender scene of ``state``: a node per body at its settled pose, lights."""
        pr = self.pyrender
        spec = state.spec
        scene = _ordered_scene_class(pr)(bg_color=[*spec.background, 1.0], ambient_light=list(spec.ambient))
        self.nodes = {}
        for body in state.bodies:
            node = scene.add(self._mesh(state, body.instance_id), pose=state.poses[body.instance_id])
            self.nodes[body.instance_id] = node
        self._riders = {}
        for light in spec.lights:
            node = scene.add(_pyrender_light(pr, light), pose=light.pose)
            if light.rides_on is not None and light.rides_on in state.poses:
                local = np.linalg.inv(state.poses[light.rides_on]) @ light.pose
                self._riders.setdefault(light.rides_on, []).append((node, local))
        self._camera_node = scene.add(pr.IntrinsicsCamera(1.0, 1.0, 0.0, 0.0), pose=np.eye(4))
        self.seg_all = {node: _id_colour(iid) for iid, node in self.nodes.items()}
        self.scene, self.state = scene, state
        self._hand_over_textures(scene)
        self.gl._update_context(scene, pr.RenderFlags.NONE)  # upload meshes now: passes draw them directly
        self.direct.forget_meshes()
        self._objects = [self.nodes[b.instance_id] for b in state.bodies if b.category is not None]
        self._scenery = [self.nodes[b.instance_id] for b in reversed(state.bodies) if b.category is None]
        for drawn in self._passes.values():
            drawn.scene_loaded()

    def take_gl_wait(self) -> float:
        """Seconds waited for the GL to finish drawing since the last call (see GLWait)."""
        return self.targets.gl_wait.take()

    def set_pose(self, instance_id: int, pose: np.ndarray) -> None:
        """Move a body in place (sequences), without rebuilding the scene; lights riding on it
        (``LightSpec.rides_on``) move with it."""
        self.scene.set_pose(self.nodes[instance_id], pose)
        for node, local in self._riders.get(instance_id, ()):
            self.scene.set_pose(node, pose @ local)
        for drawn in self._passes.values():
            drawn.bodies_moved()

    def aim(self, cam: CameraSpec, offset=(0, 0), sort: bool = True) -> None:
        """Point the camera node along ``cam`` (intrinsics shifted so that image pixel ``offset``
        is the viewport's top-left); ``sort``: order the nodes near to far for the full passes."""
        if (cam.width, cam.height) != (self.width, self.height):
            raise ValueError(f"camera is {cam.width}x{cam.height} but the renderer is {self.width}x{self.height}")
        fx, fy, cx, cy = pyrender_intrinsics(cam.K, offset)
        c = self._camera_node.camera
        c.fx, c.fy, c.cx, c.cy, c.znear, c.zfar = fx, fy, cx, cy, cam.znear, cam.zfar
        self.scene.set_pose(self._camera_node, opencv_to_opengl_pose(cam.cam_to_world))
        if not sort:
            return
        # Near to far, objects before scenery (added large-last, e.g. floor after table): the
        # depth test then rejects hidden pixels before they are shaded (opaque meshes only).
        eye = cam.cam_to_world[:3, 3]
        near_first = sorted(self._objects, key=lambda n: np.linalg.norm(self.scene.get_pose(n)[:3, 3] - eye))
        self.order = near_first + self._scenery

    def full_pass(self, mode: str, seg_node_map=None):
        """One full-image draw of :attr:`order` into the ``mode`` target of
        :mod:`simgen.render.framebuffers`, read back as the mode says."""
        RF = self.pyrender.RenderFlags
        flags = RF.OFFSCREEN | (RF.SEG if seg_node_map is not None else 0)
        self.targets.mode, self.targets.viewport = mode, (self.width, self.height)
        self.gl.viewport_width, self.gl.viewport_height = self.width, self.height
        self.targets.configure(flags)
        self.direct.draw(self.scene, self.order, flags, seg_node_map)
        return self.targets.read(self.scene, flags)

    def pass_named(self, name: str) -> RenderPass:
        """The pass that provides ``name``, made on first use."""
        cls = PASSES.get(name)
        if cls not in self._passes:
            self._passes[cls] = cls(self)
        return self._passes[cls]

    def render(self, cam: CameraSpec, passes: Collection[str], coverage: Any = None) -> dict[str, Any]:
        """The arrays of the named ``passes`` for one view, by name (see
        :mod:`simgen.render.passes`); ``coverage``: the coverage pass's request
        (:class:`simgen.render.passes.coverage.CoverageRequest`). Passes that provide several
        arrays (``ids`` and ``depth``) are drawn once."""
        wanted = set(passes)
        drawers = sorted({self.pass_named(n) for n in wanted}, key=lambda p: p.order)
        out: dict[str, Any] = {}
        for k, drawer in enumerate(drawers):
            self.aim(cam, sort=k == 0)
            out.update(drawer.draw(cam, coverage if "coverage" in drawer.provides else None))
        return {name: out[name] for name in passes}
