"""Unoccluded silhouettes of many bodies in one draw: one bit per body, OR-ed per pixel.

Depth testing is off and the colour target is ``GL_RGBA32UI`` with ``glLogicOp(GL_OR)``, so
every fragment of body k sets bit k of its pixel whatever is in front of it: one pass and one
read-back give every body's amodal mask (128 bodies per pass). The vertex stage is pyrender's
own segmentation shader with the same camera and model matrices as the id pass, so each body
covers exactly the pixels it would cover alone in the id pass (same grid, same coverage rule).
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np
from OpenGL import GL as gl

BITS_PER_PASS = 128  # 4 channels x 32 bits
FRAGMENT = str(Path(__file__).parent / "shaders" / "coverage.frag")


def _vertex_defines(primitive) -> dict[str, int]:
    """Attribute locations pyrender binds for ``primitive`` (its buffer layout, in order)."""
    from pyrender.constants import BufFlags

    defines, loc = {}, 1
    for flag, name in ((BufFlags.NORMAL, "NORMAL_LOC"), (BufFlags.TANGENT, "TANGENT_LOC"),
                       (BufFlags.TEXCOORD_0, "TEXCOORD_0_LOC"), (BufFlags.TEXCOORD_1, "TEXCOORD_1_LOC"),
                       (BufFlags.COLOR_0, "COLOR_0_LOC"), (BufFlags.JOINTS_0, "JOINTS_0_LOC"),
                       (BufFlags.WEIGHTS_0, "WEIGHTS_0_LOC")):
        if primitive.buf_flags & flag:
            defines[name] = loc
            loc += 1
    defines["INST_M_LOC"] = loc
    return defines


class CoverageTarget:
    """A ``GL_RGBA32UI`` framebuffer of the renderer's size and the draw into it."""

    def __init__(self, width: int, height: int, program_cache, gl_wait) -> None:
        self.width, self.height = width, height
        self.gl_wait = gl_wait  # a framebuffers.GLWait
        self._programs = program_cache
        self.fbo = gl.glGenFramebuffers(1)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.fbo)
        rb = gl.glGenRenderbuffers(1)
        gl.glBindRenderbuffer(gl.GL_RENDERBUFFER, rb)
        gl.glRenderbufferStorage(gl.GL_RENDERBUFFER, gl.GL_RGBA32UI, width, height)
        gl.glFramebufferRenderbuffer(gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0, gl.GL_RENDERBUFFER, rb)
        status = gl.glCheckFramebufferStatus(gl.GL_FRAMEBUFFER)
        if status != gl.GL_FRAMEBUFFER_COMPLETE:
            raise RuntimeError(f"OpenGL coverage framebuffer incomplete (status {status:#x})")

    def draw(self, items, V: np.ndarray, P: np.ndarray, viewport: tuple[int, int]) -> np.ndarray:
        """Draw ``items`` = [(bit index < 128, pose (4, 4), pyrender Mesh)] with view ``V`` and
        projection ``P`` on a viewport (w, h) at the target's origin; returns the (h, w, 4)
        uint32 words, rows top to bottom."""
        w, h = viewport
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.fbo)
        gl.glViewport(0, 0, w, h)
        gl.glClearBufferuiv(gl.GL_COLOR, 0, np.zeros(4, np.uint32))
        gl.glDisable(gl.GL_DEPTH_TEST)
        gl.glDisable(gl.GL_BLEND)
        gl.glDisable(gl.GL_MULTISAMPLE)
        gl.glEnable(gl.GL_CULL_FACE)  # as pyrender's id pass: closed meshes cover the same pixels
        gl.glCullFace(gl.GL_BACK)
        gl.glPolygonMode(gl.GL_FRONT_AND_BACK, gl.GL_FILL)
        gl.glEnable(gl.GL_COLOR_LOGIC_OP)
        gl.glLogicOp(gl.GL_OR)
        bound = None
        for bit, pose, mesh in items:
            word = np.zeros(4, np.uint32)
            word[bit // 32] = np.uint32(1) << np.uint32(bit % 32)
            for primitive in mesh.primitives:
                program = self._programs.get_program("segmentation.vert", FRAGMENT, defines=_vertex_defines(primitive))
                if program._program_id is None:  # compiled on first use, as pyrender does
                    program._add_to_context()
                if program is not bound:
                    program._bind()
                    gl.glUniformMatrix4fv(gl.glGetUniformLocation(program._program_id, "V"), 1, gl.GL_TRUE, V.astype(np.float32))
                    gl.glUniformMatrix4fv(gl.glGetUniformLocation(program._program_id, "P"), 1, gl.GL_TRUE, P.astype(np.float32))
                    loc_m = gl.glGetUniformLocation(program._program_id, "M")
                    loc_bit = gl.glGetUniformLocation(program._program_id, "bit")
                    bound = program
                gl.glUniformMatrix4fv(loc_m, 1, gl.GL_TRUE, pose.astype(np.float32))
                gl.glUniform4uiv(loc_bit, 1, word)
                primitive._bind()
                n = 1 if primitive.poses is None else len(primitive.poses)
                if primitive.indices is not None:
                    gl.glDrawElementsInstanced(primitive.mode, primitive.indices.size, gl.GL_UNSIGNED_INT,
                                               ctypes.c_void_p(0), n)
                else:  # flat-shaded meshes come unindexed
                    gl.glDrawArraysInstanced(primitive.mode, 0, len(primitive.positions), n)
                primitive._unbind()
        if bound is not None:
            bound._unbind()
        gl.glDisable(gl.GL_COLOR_LOGIC_OP)
        gl.glEnable(gl.GL_DEPTH_TEST)
        self.gl_wait.finish()
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, self.fbo)
        words = np.frombuffer(gl.glReadPixels(0, 0, w, h, gl.GL_RGBA_INTEGER, gl.GL_UNSIGNED_INT), np.uint32)
        return words.reshape(h, w, 4)[::-1]
