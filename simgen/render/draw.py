"""pyrender's forward pass, drawn without its per-primitive Python overhead.

pyrender 0.1.45 looks up every uniform location, rebinds the camera and every light, and
queries ``GL_MAX_TEXTURE_IMAGE_UNITS`` twice for each primitive of each pass: most of a
20-object frame's CPU time. This draws the same primitives with the same programs, uniform
values and GL state, in the same order, so the pixels are the same (tests compare them with
pyrender's own pass), but it binds camera and lights once per program per pass and caches
programs per primitive and uniform locations per program. Within a pass, a GL setting or
uniform value equal to the one already set is not sent again (fewer PyOpenGL calls, each a few
microseconds of Python; the GL state at every draw is the same).
"""

from __future__ import annotations

import ctypes

import numpy as np
from OpenGL import GL as gl

_VECTOR = {1: gl.glUniform1fv, 2: gl.glUniform2fv, 3: gl.glUniform3fv, 4: gl.glUniform4fv}
_MATRIX = {2: gl.glUniformMatrix2fv, 3: gl.glUniformMatrix3fv, 4: gl.glUniformMatrix4fv}


def draw_primitive(primitive) -> None:
    """Draw a bound pyrender primitive, every instance of it."""
    n = 1 if primitive.poses is None else len(primitive.poses)
    if primitive.indices is not None:
        gl.glDrawElementsInstanced(primitive.mode, primitive.indices.size, gl.GL_UNSIGNED_INT, ctypes.c_void_p(0), n)
    else:
        gl.glDrawArraysInstanced(primitive.mode, 0, len(primitive.positions), n)


class Uniforms:
    """Uniform setting with locations cached per program; values converted as pyrender does
    (float32 vectors, row-major matrices, Python ints and floats), names a program lacks skipped.

    The values sent are remembered per program and name, and a value equal to the one sent is
    skipped, until :meth:`forget_values` (at the start of each pass: code that sets uniforms
    other than through this object may run between passes).
    """

    def __init__(self) -> None:
        self._locations: dict[tuple[int, str], int] = {}
        self._values: dict[tuple[int, str], object] = {}

    def forget_values(self) -> None:
        self._values.clear()

    def set(self, program, name: str, value) -> None:
        key = (program._program_id, name)
        loc = self._locations.get(key)
        if loc is None:
            loc = self._locations[key] = gl.glGetUniformLocation(program._program_id, name)
        if loc == -1:
            return
        if isinstance(value, np.ndarray):
            data = value.astype(np.float32)
            sent = (data.shape, data.tobytes())
            if self._values.get(key) == sent:
                return
            if value.ndim == 1:
                _VECTOR[value.shape[0]](loc, 1, data)
            else:
                _MATRIX[value.shape[0]](loc, 1, gl.GL_TRUE, data)
        elif isinstance(value, bool | int):
            sent = ("i", int(value))
            if self._values.get(key) == sent:
                return
            gl.glUniform1i(loc, int(value))
        else:
            sent = ("f", float(value))
            if self._values.get(key) == sent:
                return
            gl.glUniform1f(loc, float(value))
        self._values[key] = sent


class GLState:
    """Capabilities and fixed-function settings of one pass, sent only when they change; every
    setting starts unknown (so is sent) at the start of a pass."""

    def __init__(self) -> None:
        self._now: dict[object, object] = {}

    def forget(self) -> None:
        self._now.clear()

    def enable(self, cap: int, on: bool) -> None:
        if self._now.get(cap) is not on:
            (gl.glEnable if on else gl.glDisable)(cap)
            self._now[cap] = on

    def call(self, fn, *args) -> None:
        """``fn(*args)`` unless the last call of ``fn`` had the same arguments."""
        if self._now.get(fn) != args:
            fn(*args)
            self._now[fn] = args


class _LightingProxy:
    """Hands pyrender's ``_bind_lighting`` a program whose ``set_uniform`` uses the cache."""

    def __init__(self, program, uniforms: Uniforms) -> None:
        self.program, self.uniforms = program, uniforms

    def set_uniform(self, name, value, unsigned=False) -> None:
        self.uniforms.set(self.program, name, np.asarray(value) if isinstance(value, list | tuple) else value)


class DirectPasses:
    """Colour and id passes over one pyrender scene, drawn with one pyrender renderer's programs."""

    def __init__(self, pyrender_renderer, pyrender_module) -> None:
        self._gl = pyrender_renderer
        self._pr = pyrender_module
        self._programs: dict[tuple[object, int, tuple], object] = {}
        self.uniforms = Uniforms()
        self.state = GLState()
        # (program, uniforms, scene, node) -> None: simgen's own lighting uniforms (shadows,
        # hemisphere ambient), set after pyrender's for each program of a colour pass.
        self.extra_lighting = None
        self.variant = ()  # programs differ by it too (what the shader compiles in, see lit.frag)

    def forget_meshes(self) -> None:
        """Drop the per-primitive program cache (a new scene has new primitives)."""
        self._programs.clear()

    def _program(self, primitive, flags: int):
        key = (primitive, flags, self.variant)
        program = self._programs.get(key)
        if program is None:
            program = self._programs[key] = self._gl._get_primitive_program(
                primitive, flags, self._pr.constants.ProgramFlags.USE_MATERIAL)
        return program

    def draw(self, scene, nodes, flags: int, colours: dict | None = None) -> None:
        """Draw ``nodes`` in order into the bound target: lit and textured, or (``colours``:
        node -> (3,) 0-255) flat in each node's colour, as pyrender's SEG pass."""
        u, state = self.uniforms, self.state
        u.forget_values()
        state.forget()
        seg = colours is not None
        if seg:
            gl.glClearColor(0.0, 0.0, 0.0, 1.0)
        else:
            gl.glClearColor(*scene.bg_color)
        gl.glClear(gl.GL_COLOR_BUFFER_BIT | gl.GL_DEPTH_BUFFER_BIT)
        state.enable(gl.GL_MULTISAMPLE, not seg)
        V, P = self._gl._get_camera_matrices(scene)
        cam_pos = scene.get_pose(scene.main_camera_node)[:3, 3]
        bound, prepared, drew = None, set(), False
        for node in nodes:
            mesh = node.mesh
            if not mesh.is_visible or (seg and node not in colours):
                continue
            pose = scene.get_pose(node)
            for primitive in mesh.primitives:
                program = self._program(primitive, flags)
                if program is not bound:
                    program._bind()
                    bound = program
                if program not in prepared:  # camera and lights: once per program and pass
                    u.set(program, "V", V)
                    u.set(program, "P", P)
                    u.set(program, "cam_pos", cam_pos)
                    if not seg:
                        self._gl._bind_lighting(scene, _LightingProxy(program, u), node, flags)
                        if self.extra_lighting is not None:
                            self.extra_lighting(program, u, scene, node)
                    prepared.add(program)
                if seg:
                    u.set(program, "color", np.asanyarray(colours[node]) / 255.0)
                u.set(program, "M", pose)
                primitive._bind()  # the next primitive's bind replaces it: unbound once, after the loop
                drew = True
                if seg:
                    state.enable(gl.GL_CULL_FACE, True)
                    state.enable(gl.GL_BLEND, True)
                    state.call(gl.glCullFace, gl.GL_BACK)
                    state.call(gl.glBlendFunc, gl.GL_ONE, gl.GL_ZERO)
                    state.call(gl.glPolygonMode, gl.GL_FRONT_AND_BACK, gl.GL_FILL)
                else:
                    self._bind_material(primitive.material, program)
                state.enable(gl.GL_PROGRAM_POINT_SIZE, False)
                draw_primitive(primitive)
                self._gl._reset_active_textures()
        if drew:
            gl.glBindVertexArray(0)
        if bound is not None:
            bound._unbind()
        gl.glFlush()

    def _bind_material(self, material, program) -> None:
        """Textures, factors and state of a metallic-roughness material, as pyrender binds them."""
        pr, u = self._pr, self.uniforms
        tf, TF = material.tex_flags, pr.constants.TexFlags
        for flag, texture, name in ((TF.NORMAL, "normalTexture", "normal_texture"),
                                    (TF.OCCLUSION, "occlusionTexture", "occlusion_texture"),
                                    (TF.EMISSIVE, "emissiveTexture", "emissive_texture"),
                                    (TF.BASE_COLOR, "baseColorTexture", "base_color_texture"),
                                    (TF.METALLIC_ROUGHNESS, "metallicRoughnessTexture", "metallic_roughness_texture")):
            if tf & flag:
                unit = self._gl._get_next_active_texture()
                gl.glActiveTexture(gl.GL_TEXTURE0 + unit)
                getattr(material, texture)._bind()
                u.set(program, f"material.{name}", unit)
        u.set(program, "material.emissive_factor", material.emissiveFactor)
        u.set(program, "material.base_color_factor", material.baseColorFactor)
        u.set(program, "material.metallic_factor", material.metallicFactor)
        u.set(program, "material.roughness_factor", material.roughnessFactor)
        state = self.state
        state.enable(gl.GL_BLEND, True)
        if material.alphaMode == "BLEND":
            state.call(gl.glBlendFunc, gl.GL_SRC_ALPHA, gl.GL_ONE_MINUS_SRC_ALPHA)
        else:
            state.call(gl.glBlendFunc, gl.GL_ONE, gl.GL_ZERO)
        state.call(gl.glPolygonMode, gl.GL_FRONT_AND_BACK, gl.GL_LINE if material.wireframe else gl.GL_FILL)
        if material.doubleSided:
            state.enable(gl.GL_CULL_FACE, False)
        else:
            state.enable(gl.GL_CULL_FACE, True)
            state.call(gl.glCullFace, gl.GL_BACK)
