"""The ``normals`` pass: every body drawn with a shader that writes its view-space unit
normal into a float framebuffer of its own (``shaders/normals.*``).

It goes through pyrender's segmentation path (no lights, no multisampling, every node in the
seg map drawn) with three things swapped for the pass only: the program cache (our shaders),
the target it binds and the read-back (float RGB). Pixel centres and depth testing are those
of the id pass, so normals cover exactly the pixels that have depth.
"""

from __future__ import annotations

import numpy as np
from OpenGL import GL as gl

from simgen.core.camera import CV_TO_GL
from simgen.core.spec import CameraSpec
from simgen.render.passes.base import RenderPass, register_pass
from simgen.render.shaders import SHADER_DIR

VERTEX, FRAGMENT = str(SHADER_DIR / "normals.vert"), str(SHADER_DIR / "normals.frag")


def _program_cache():
    from pyrender.shader_program import ShaderProgramCache

    class NormalShaders(ShaderProgramCache):
        def get_program(self, vertex_shader, fragment_shader, geometry_shader=None, defines=None):
            return super().get_program(VERTEX, FRAGMENT, None, defines)

    return NormalShaders()


class NormalsTarget:
    """Its own float framebuffer (width x height) and program cache; create once per renderer."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.fbo = gl.glGenFramebuffers(1)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.fbo)
        for attachment, fmt in ((gl.GL_COLOR_ATTACHMENT0, gl.GL_RGBA32F), (gl.GL_DEPTH_ATTACHMENT, gl.GL_DEPTH_COMPONENT24)):
            rb = gl.glGenRenderbuffers(1)
            gl.glBindRenderbuffer(gl.GL_RENDERBUFFER, rb)
            gl.glRenderbufferStorage(gl.GL_RENDERBUFFER, fmt, width, height)
            gl.glFramebufferRenderbuffer(gl.GL_FRAMEBUFFER, attachment, gl.GL_RENDERBUFFER, rb)
        status = gl.glCheckFramebufferStatus(gl.GL_FRAMEBUFFER)
        if status != gl.GL_FRAMEBUFFER_COMPLETE:
            raise RuntimeError(f"OpenGL float framebuffer incomplete (status {status:#x})")
        self.programs = _program_cache()

    def _configure(self, flags) -> None:
        gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, self.fbo)
        gl.glViewport(0, 0, self.width, self.height)
        gl.glEnable(gl.GL_DEPTH_TEST)
        gl.glDepthMask(gl.GL_TRUE)
        gl.glDepthFunc(gl.GL_LESS)
        gl.glDepthRange(0.0, 1.0)

    def _read(self, scene, flags):
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, self.fbo)
        data = gl.glReadPixels(0, 0, self.width, self.height, gl.GL_RGB, gl.GL_FLOAT)
        return np.frombuffer(data, np.float32).reshape(self.height, self.width, 3)[::-1], None

    def draw(self, gl_renderer, scene, seg_node_map: dict, flags) -> np.ndarray:
        """(H, W, 3) float32 unit normals in the OpenCV camera frame, facing the camera; 0 where
        nothing was drawn. ``gl_renderer`` is the pyrender ``Renderer`` already aimed."""
        saved = (gl_renderer._program_cache, gl_renderer._configure_forward_pass_viewport, gl_renderer._read_main_framebuffer,
                 gl_renderer.viewport_width, gl_renderer.viewport_height)
        gl_renderer._program_cache = self.programs
        gl_renderer._configure_forward_pass_viewport = self._configure
        gl_renderer._read_main_framebuffer = self._read
        gl_renderer.viewport_width, gl_renderer.viewport_height = self.width, self.height
        try:
            n_gl, _ = gl_renderer.render(scene, flags, seg_node_map)
        finally:
            (gl_renderer._program_cache, gl_renderer._configure_forward_pass_viewport, gl_renderer._read_main_framebuffer,
             gl_renderer.viewport_width, gl_renderer.viewport_height) = saved
        normals = n_gl * np.diag(CV_TO_GL)[:3].astype(np.float32)  # OpenGL camera axes -> OpenCV
        length = np.linalg.norm(normals, axis=-1, keepdims=True)
        return np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)


@register_pass
class Normals(RenderPass):
    """``normals``: (H, W, 3) float32 unit normals in the OpenCV camera frame, 0 = nothing."""

    provides, order = ("normals",), 3

    def __init__(self, renderer) -> None:
        super().__init__(renderer)
        self._target = NormalsTarget(renderer.width, renderer.height)

    def draw(self, cam: CameraSpec, request=None) -> dict[str, np.ndarray]:
        r = self.renderer
        flags = r.pyrender.RenderFlags.SEG | r.pyrender.RenderFlags.OFFSCREEN
        return {"normals": self._target.draw(r.gl, r.scene, r.seg_all, flags)}
