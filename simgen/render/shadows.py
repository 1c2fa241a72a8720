"""Shadow maps for the fast shader (``lit.vert``, ``lit.frag``): one depth layer per light, for
up to :data:`MAX_LAYERS` lights (the brightest; the others cast none).

Each light sees the bodies that can cast a shadow (every body but the ground, which nothing
lies under) from its own frustum, fitted to their bounds:

- directional: orthographic, across the casters' extent seen along the light;
- spot: perspective down the light's axis, as wide as its outer cone;
- point: perspective from the light towards the casters when they fit in a 150 degree cone
  (a light above a table or bin); a point light among the bodies casts no shadow (a cube of
  six maps would cost six depth passes and a per-pixel face choice).

Layers live in one ``GL_TEXTURE_2D_ARRAY`` of depths sampled with hardware comparison, so the
shader's percentage-closer filter gets a bilinear 2x2 per tap. Depth is drawn with a
slope-scaled polygon offset; the vertex stage adds a normal offset of about one texel, so lit
surfaces do not shadow themselves (acne) and the shadow still starts at the contact. The
layers' clip coordinates are computed per vertex: per pixel the shader only divides and filters
(on a CPU rasterizer the per-pixel matrix products cost more than the texture taps).
The maps depend on the bodies' poses only: drawn once per scene (and per moved frame), shared
by all its views.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from OpenGL import GL as gl

from simgen.render.draw import draw_primitive

MAX_LAYERS = 4  # must match MAX_SHADOW_LAYERS of lit.vert and lit.frag
SHADOW_UNIT = 15  # the texture unit lit.frag's shadow_maps is bound to (GL 3.3 has at least 16)
POINT_HALF_ANGLE = np.deg2rad(75.0)  # a point light whose casters need a wider cone casts none
TAP = 0.75  # PCF tap offset, texels
SLOPE_BIAS, CONSTANT_BIAS = 2.0, 2.0  # glPolygonOffset(factor, units) of the depth pass


@dataclass
class ShadowLayer:
    """One depth view of a light: ``matrix`` (4, 4) world -> clip; ``texel`` (a, b): the world
    size of one texel at distance d from the light is a + b * d (metres); ``light`` (4,):
    towards the light (w 0, directional) or its position (w 1)."""

    matrix: np.ndarray
    texel: tuple[float, float]
    light: np.ndarray


def _ortho(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """OpenGL orthographic projection of the view-space box ``lo``..``hi`` (x, y, near, far)."""
    (x0, y0, n, f), (x1, y1) = lo, hi
    return np.array([[2 / (x1 - x0), 0, 0, -(x1 + x0) / (x1 - x0)], [0, 2 / (y1 - y0), 0, -(y1 + y0) / (y1 - y0)],
                     [0, 0, -2 / (f - n), -(f + n) / (f - n)], [0, 0, 0, 1]])


def _perspective(fov: float, n: float, f: float) -> np.ndarray:
    c = 1.0 / np.tan(fov / 2)
    return np.array([[c, 0, 0, 0], [0, c, 0, 0], [0, 0, (f + n) / (n - f), 2 * f * n / (n - f)], [0, 0, -1, 0]])


def _view(position: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """World -> light view (OpenGL: the light looks down its -z) for a light at ``position``."""
    f = forward / np.linalg.norm(forward)
    up = np.array([0.0, 0.0, 1.0]) if abs(f[2]) < 0.9 else np.array([0.0, 1.0, 0.0])
    x = np.cross(f, up)
    x /= np.linalg.norm(x)
    y = np.cross(x, f)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = x, y, -f, position
    return np.linalg.inv(pose)


def _to_view(V: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ V[:3, :3].T + V[:3, 3]


def directional_layer(direction: np.ndarray, casters: np.ndarray, everything: np.ndarray,
                      resolution: int, focus: np.ndarray | None = None) -> tuple[ShadowLayer, bool]:
    """Orthographic layer of a light shining along ``direction`` (3,): across ``casters``
    (n, 3) corners, deep enough for ``everything`` (m, 3) (receivers too), world metres; and
    whether it was narrowed to ``focus`` (k, 3), the near part of the camera's view, which
    happens when that covers under a quarter of the casters' extent (a street, not a table)."""
    V = _view(np.zeros(3), direction)
    c, e = _to_view(V, casters), _to_view(V, everything)
    lo, hi = c[:, :2].min(axis=0), c[:, :2].max(axis=0)
    narrowed = False
    if focus is not None:
        f = _to_view(V, focus)
        f_lo, f_hi = np.maximum(lo, f[:, :2].min(axis=0)), np.minimum(hi, f[:, :2].max(axis=0))
        if np.all(f_hi > f_lo) and np.prod(f_hi - f_lo) < 0.25 * np.prod(hi - lo):
            lo, hi, narrowed = f_lo, f_hi, True
    pad = 0.02 * max(float((hi - lo).max()), 1e-3)  # room for the filter's taps at the edge
    lo, hi = lo - pad, hi + pad
    near, far = -e[:, 2].max(), -e[:, 2].min()
    margin = 0.01 * (far - near) + 1e-3
    P = _ortho(np.r_[lo, near - margin, far + margin], hi)
    return ShadowLayer(P @ V, (float((hi - lo).max()) / resolution, 0.0), np.r_[-direction, 0.0]), narrowed


def perspective_layer(position: np.ndarray, forward: np.ndarray, fov: float, everything: np.ndarray,
                      resolution: int) -> ShadowLayer:
    """Perspective layer from ``position`` (3,) down ``forward`` (3,), full angle ``fov``
    (radians), near and far planes around ``everything`` (m, 3) in front of it."""
    V = _view(position, forward)
    depth = -_to_view(V, everything)[:, 2]
    far = max(float(depth.max()) * 1.02, 0.1)
    ahead = depth[depth > 0]
    near = float(np.clip(0.9 * ahead.min(), 0.02, far / 4)) if ahead.size else 0.02
    return ShadowLayer(_perspective(fov, near, far) @ V, (0.0, 2.0 * np.tan(fov / 2) / resolution), np.r_[position, 1.0])


def point_layer(position: np.ndarray, casters: np.ndarray, everything: np.ndarray, resolution: int) -> ShadowLayer | None:
    """A layer from ``position`` aimed at the casters, if they fit a cone of
    :data:`POINT_HALF_ANGLE`; else None (the light is among them)."""
    forward = (casters.min(axis=0) + casters.max(axis=0)) / 2 - position
    if np.linalg.norm(forward) < 1e-6:
        return None
    forward = forward / np.linalg.norm(forward)
    rays = casters - position
    cos = rays @ forward / np.maximum(np.linalg.norm(rays, axis=1), 1e-9)
    half = float(np.arccos(np.clip(cos.min(), -1.0, 1.0)))
    if half >= POINT_HALF_ANGLE:
        return None
    return perspective_layer(position, forward, 2 * half + np.deg2rad(4.0), everything, resolution)


def split_ground(scene, nodes: list, candidates: list) -> tuple[list, list]:
    """(casters, ground) of ``nodes``: a ``candidates`` node (scenery with a support top) is
    ground when its top is no higher than the bottom of every other node, so nothing can lie
    in its shadow; leaving it out of the maps spends their texels where shadows fall."""
    box = {n: world_corners(n.mesh.bounds, scene.get_pose(n)) for n in nodes}
    ground = []
    for g in candidates:
        others = [box[n][:, 2].min() for n in nodes if n is not g and n not in ground]
        if others and box[g][:, 2].max() <= min(others) + 1e-3:
            ground.append(g)
    return [n for n in nodes if n not in ground], ground


def light_slots(pyrender_renderer, scene, node, most: tuple[int, int, int]) -> dict:
    """Light node -> (kind, index) as pyrender's ``_bind_lighting`` numbers the lights for
    ``node``'s draw (``most``: its per-kind limits, directional, spot, point): in the scene's
    order, or nearest first where a kind has more lights than the shader takes."""
    from pyrender import DirectionalLight, PointLight, SpotLight

    nodes = scene.light_nodes
    if (len(scene.directional_light_nodes) > most[0] or len(scene.spot_light_nodes) > most[1]
            or len(scene.point_light_nodes) > most[2]):
        nodes = pyrender_renderer._sorted_nodes_by_distance(scene, scene.light_nodes, node)
    slots, used = {}, {"directional": 0, "spot": 0, "point": 0}
    limit = {"directional": most[0], "spot": most[1], "point": most[2]}
    for n in nodes:
        kind = ("point" if isinstance(n.light, PointLight) else "spot" if isinstance(n.light, SpotLight)
                else "directional" if isinstance(n.light, DirectionalLight) else None)
        if kind is None or used[kind] == limit[kind]:
            continue
        slots[n] = (kind, used[kind])
        used[kind] += 1
    return slots


def view_corners(K: np.ndarray, width: int, height: int, cam_to_world: np.ndarray, znear: float,
                 depth: float) -> np.ndarray:
    """World corners (8, 3) of an OpenCV camera's view (``K`` pixels, ``cam_to_world`` (4, 4))
    between ``znear`` and ``depth`` metres."""
    uv = np.array([[0, 0], [width, 0], [0, height], [width, height]], float)
    rays = np.c_[(uv - K[:2, 2]) / np.diag(K)[:2], np.ones(4)]
    pts = np.concatenate([rays * znear, rays * depth])
    return pts @ cam_to_world[:3, :3].T + cam_to_world[:3, 3]


def world_corners(bounds: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """The 8 corners (8, 3) of a mesh's local ``bounds`` (2, 3) placed by ``pose`` (4, 4)."""
    idx = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)])
    local = bounds[idx, [0, 1, 2]]
    return local @ pose[:3, :3].T + pose[:3, 3]


class ShadowMaps:
    """The depth layers of one scene's lights, drawn with pyrender's depth-only program."""

    def __init__(self, resolution: int) -> None:
        self.resolution = resolution
        self.layers: dict[object, int] = {}  # light node -> its layer
        self.matrices: list[ShadowLayer] = []
        self.view_dependent = False  # a layer follows the camera: draw again for every view
        self._texture = gl.glGenTextures(1)
        self._capacity = 0  # layers allocated: grown on demand (1024 x 1024 x 4 bytes each)
        gl.glBindTexture(gl.GL_TEXTURE_2D_ARRAY, self._texture)
        for key, value in ((gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR), (gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR),
                           (gl.GL_TEXTURE_WRAP_S, gl.GL_CLAMP_TO_BORDER), (gl.GL_TEXTURE_WRAP_T, gl.GL_CLAMP_TO_BORDER),
                           (gl.GL_TEXTURE_COMPARE_MODE, gl.GL_COMPARE_REF_TO_TEXTURE),
                           (gl.GL_TEXTURE_COMPARE_FUNC, gl.GL_LEQUAL)):
            gl.glTexParameteri(gl.GL_TEXTURE_2D_ARRAY, key, value)
        gl.glTexParameterfv(gl.GL_TEXTURE_2D_ARRAY, gl.GL_TEXTURE_BORDER_COLOR, [1.0, 1.0, 1.0, 1.0])  # outside: lit
        gl.glBindTexture(gl.GL_TEXTURE_2D_ARRAY, 0)
        self._fbo = gl.glGenFramebuffers(1)
        self._programs: dict[object, object] = {}

    @property
    def texture(self) -> int:
        return self._texture

    def _reserve(self, layers: int) -> None:
        if layers <= self._capacity:
            return
        self._capacity = MAX_LAYERS if layers > 2 else layers
        gl.glBindTexture(gl.GL_TEXTURE_2D_ARRAY, self._texture)
        gl.glTexImage3D(gl.GL_TEXTURE_2D_ARRAY, 0, gl.GL_DEPTH_COMPONENT32F, self.resolution, self.resolution,
                        self._capacity, 0, gl.GL_DEPTH_COMPONENT, gl.GL_FLOAT, None)
        gl.glBindTexture(gl.GL_TEXTURE_2D_ARRAY, 0)

    def forget_meshes(self) -> None:
        self._programs.clear()
        self.layers, self.matrices = {}, []

    def _fit(self, scene, casters: list, receivers: list, focus: np.ndarray | None) -> None:
        """Choose the layers of the brightest lights of ``scene``, up to :data:`MAX_LAYERS`."""
        from pyrender import DirectionalLight, SpotLight

        self.layers, self.matrices, self.view_dependent = {}, [], False
        corners = [world_corners(n.mesh.bounds, scene.get_pose(n)) for n in casters]
        if not corners:
            return
        cast = np.concatenate(corners)
        everything = np.concatenate([cast] + [world_corners(n.mesh.bounds, scene.get_pose(n)) for n in receivers])
        res = self.resolution
        by_strength = sorted(scene.light_nodes, key=lambda n: -n.light.intensity * float(np.max(n.light.color)))
        for node in by_strength:  # a stable sort: equal lights keep the scene's order
            if len(self.matrices) == MAX_LAYERS:
                break
            pose, light = scene.get_pose(node), node.light
            if isinstance(light, DirectionalLight):
                layer, narrowed = directional_layer(-pose[:3, 2], cast, everything, res, focus)
                self.view_dependent |= narrowed
            elif isinstance(light, SpotLight):
                fov = min(2 * light.outerConeAngle + np.deg2rad(4.0), np.deg2rad(170.0))
                layer = perspective_layer(pose[:3, 3], -pose[:3, 2], fov, everything, res)
            else:
                layer = point_layer(pose[:3, 3], cast, everything, res)
            if layer is not None:
                self.layers[node] = len(self.matrices)
                self.matrices.append(layer)

    def update(self, pyrender_renderer, scene, casters: list, receivers: list, uniforms,
               focus: np.ndarray | None = None) -> None:
        """Fit the layers to the casters' current poses (and ``focus``, see
        :func:`directional_layer`) and draw their depths into them."""
        from pyrender.constants import ProgramFlags, RenderFlags

        self._fit(scene, casters, receivers, focus)
        if not self.matrices:
            return
        self._reserve(len(self.matrices))
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self._fbo)
        gl.glDrawBuffer(gl.GL_NONE)
        gl.glReadBuffer(gl.GL_NONE)
        gl.glViewport(0, 0, self.resolution, self.resolution)
        gl.glEnable(gl.GL_DEPTH_TEST)
        gl.glDepthMask(gl.GL_TRUE)
        gl.glDepthFunc(gl.GL_LESS)
        gl.glDisable(gl.GL_CULL_FACE)  # open meshes cast from both sides
        gl.glDisable(gl.GL_BLEND)
        gl.glEnable(gl.GL_POLYGON_OFFSET_FILL)
        gl.glPolygonOffset(SLOPE_BIAS, CONSTANT_BIAS)
        identity = np.eye(4)
        draws = []
        for node in casters:
            pose = scene.get_pose(node)
            for primitive in node.mesh.primitives:
                program = self._programs.get(primitive)
                if program is None:
                    program = self._programs[primitive] = pyrender_renderer._get_primitive_program(
                        primitive, RenderFlags.NONE, ProgramFlags.NONE)
                draws.append((program, primitive, pose))
        uniforms.forget_values()  # a pass of its own (see Uniforms)
        for layer, view in enumerate(self.matrices):
            gl.glFramebufferTextureLayer(gl.GL_FRAMEBUFFER, gl.GL_DEPTH_ATTACHMENT, self._texture, 0, layer)
            gl.glClear(gl.GL_DEPTH_BUFFER_BIT)
            bound, prepared = None, set()
            for program, primitive, pose in draws:
                if program is not bound:
                    program._bind()
                    bound = program
                if program not in prepared:  # mesh_depth.vert draws P * V * M: the light's matrix in P
                    uniforms.set(program, "V", identity)
                    uniforms.set(program, "P", view.matrix)
                    prepared.add(program)
                uniforms.set(program, "M", pose)
                primitive._bind()  # the next bind replaces it: unbound once, after the loop
                draw_primitive(primitive)
            if bound is not None:
                gl.glBindVertexArray(0)
                bound._unbind()
        gl.glDisable(gl.GL_POLYGON_OFFSET_FILL)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)

    def bind(self, program, uniforms, slots: dict, on: bool) -> None:
        """Set ``program``'s shadow uniforms (the maps are on :data:`SHADOW_UNIT`): each layer's
        matrix, texel size and light, and each light's layer (-1: none) by its pyrender slot
        (``slots``: light node -> (kind, index), see :func:`light_slots`); ``on`` False: none."""
        if on:
            uniforms.set(program, "shadow_tap", TAP / self.resolution)
            for k, layer in enumerate(self.matrices):
                uniforms.set(program, f"shadow_matrix[{k}]", layer.matrix)
                uniforms.set(program, f"shadow_texel[{k}]", np.array(layer.texel))
                uniforms.set(program, f"shadow_light[{k}]", layer.light)
        for node, (kind, index) in slots.items():
            uniforms.set(program, f"{kind}_shadow[{index}]", self.layers.get(node, -1) if on else -1)

    def delete(self) -> None:
        gl.glDeleteTextures([self._texture])
        gl.glDeleteFramebuffers(1, [self._fbo])
