"""The raster's colour pass: lit (fast Lambert + Blinn-Phong or pyrender's PBR shader), shadowed
by every light's depth map and the sky/ground hemisphere ambient, anti-aliased with
``renderer.msaa`` samples. One provider of the ``color`` array; the path tracer is another.

Shadow maps (:mod:`simgen.render.shadows`) depend on the bodies' poses only: drawn once per
scene and again when bodies move (a street's sun map follows the camera: per view).
"""

from __future__ import annotations

import numpy as np
from OpenGL import GL as gl

from simgen.core.spec import CameraSpec
from simgen.render.framebuffers import COLOR
from simgen.render.passes.base import RenderPass, register_pass
from simgen.render.shadows import SHADOW_UNIT, ShadowMaps, light_slots, split_ground, view_corners

SHADOW_FOCUS = 60.0  # metres of a camera's view a street's sun shadows cover (simgen.render.shadows)


@register_pass
class RasterColor(RenderPass):
    """``color``: (H, W, 3) uint8 sRGB as the raster draws it."""

    provides, order = ("color",), 0

    def __init__(self, renderer) -> None:
        super().__init__(renderer)
        cfg = renderer.cfg
        self._maps = ShadowMaps(cfg.shadow_resolution) if cfg.shading == "fast" else None
        self._stale = True
        self._taps = cfg.shadow_taps
        self._max_lights = tuple(renderer.gl._compute_max_n_lights(renderer.pyrender.RenderFlags.NONE))
        self._ambient_ground = np.zeros(3)
        self._casters: list = []
        self._ground: list = []
        renderer.direct.extra_lighting = self._extra_lighting
        self.scene_loaded()

    def scene_loaded(self) -> None:
        r = self.renderer
        if r.scene is None:
            return
        spec = r.state.spec
        self._ambient_ground = np.asarray(spec.ambient if spec.ambient_ground is None else spec.ambient_ground, float)
        supports = [r.nodes[b.instance_id] for b in r.state.bodies if b.category is None and b.support_top is not None]
        self._casters, self._ground = split_ground(r.scene, list(r.nodes.values()), supports)
        if self._maps is not None:
            self._maps.forget_meshes()
        self._stale = True

    def bodies_moved(self) -> None:
        self._stale = True

    def draw(self, cam: CameraSpec, request=None) -> dict[str, np.ndarray]:
        self._prepare_shadows(cam)
        rgb, _ = self.renderer.full_pass(COLOR)
        return {"color": np.ascontiguousarray(rgb)}

    def _prepare_shadows(self, cam: CameraSpec) -> None:
        """Draw the shadow maps if the bodies moved since they were drawn (or they follow the
        camera); compile the light counts in; bind the maps."""
        r, maps = self.renderer, self._maps
        if maps is None:
            return
        if r.shadows and (self._stale or maps.view_dependent):
            focus = view_corners(cam.K, cam.width, cam.height, cam.cam_to_world, cam.znear, min(cam.zfar, SHADOW_FOCUS))
            maps.update(r.gl, r.scene, self._casters, self._ground, r.direct.uniforms, focus)
            self._stale = False
        layers = len(maps.matrices) if r.shadows else 0
        scene = r.scene
        counts = [len(scene.directional_light_nodes), len(scene.spot_light_nodes), len(scene.point_light_nodes)]
        n_d, n_s, n_p = (min(c, m) for c, m in zip(counts, self._max_lights, strict=True))
        variant = {"N_DIRECTIONAL": n_d, "N_SPOT": n_s, "N_POINT": n_p, "SHADOW_LAYERS": layers,
                   "SHADOW_TAPS": self._taps}
        r.gl._program_cache.variant = variant
        r.direct.variant = tuple(variant.values())
        if not layers:
            return
        gl.glActiveTexture(gl.GL_TEXTURE0 + SHADOW_UNIT)
        gl.glBindTexture(gl.GL_TEXTURE_2D_ARRAY, maps.texture)
        gl.glActiveTexture(gl.GL_TEXTURE0)

    def _extra_lighting(self, program, uniforms, scene, node) -> None:
        """simgen's lighting uniforms of one program in a colour pass (see DirectPasses)."""
        uniforms.set(program, "ambient_ground", self._ambient_ground)
        if self._maps is not None:
            slots = light_slots(self.renderer.gl, scene, node, self._max_lights)
            self._maps.bind(program, uniforms, slots, self.renderer.shadows)
