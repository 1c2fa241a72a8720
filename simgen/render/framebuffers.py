"""Framebuffers simgen owns, with pyrender drawing into them.

pyrender 0.1.45 always draws into a 4x multisampled framebuffer, resolves it and reads back
colour *and* depth of the whole image for every pass. simgen needs less, differently:

- colour: ``msaa`` samples (0 = none), colour read back only;
- labels: one sample per pixel (ids must not blend), ids and depth read back.

(Amodal coverage has its own integer target: :mod:`simgen.render.passes.coverage`.)

:func:`attach` replaces the two pyrender methods that choose the target and read it back on
one pyrender ``Renderer`` instance; everything else (shaders, lights, meshes) stays pyrender's.
Per-pass cost on llvmpipe is mostly clearing, resolving and reading pixels, so this is where
the label passes' time goes (see benchmarks/).
"""

from __future__ import annotations

import time

import numpy as np
from OpenGL import GL as gl

from simgen.core.errors import ConfigError

COLOR, LABELS = "color", "labels"


def _renderbuffer(fmt, width: int, height: int, samples: int) -> int:
    rb = gl.glGenRenderbuffers(1)
    gl.glBindRenderbuffer(gl.GL_RENDERBUFFER, rb)
    if samples:
        gl.glRenderbufferStorageMultisample(gl.GL_RENDERBUFFER, samples, fmt, width, height)
    else:
        gl.glRenderbufferStorage(gl.GL_RENDERBUFFER, fmt, width, height)
    return rb


def _framebuffer(width: int, height: int, samples: int, depth: bool) -> int:
    fb = gl.glGenFramebuffers(1)
    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, fb)
    gl.glFramebufferRenderbuffer(gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0, gl.GL_RENDERBUFFER,
                                 _renderbuffer(gl.GL_RGBA8, width, height, samples))
    if depth:
        gl.glFramebufferRenderbuffer(gl.GL_FRAMEBUFFER, gl.GL_DEPTH_ATTACHMENT, gl.GL_RENDERBUFFER,
                                     _renderbuffer(gl.GL_DEPTH_COMPONENT24, width, height, samples))
    status = gl.glCheckFramebufferStatus(gl.GL_FRAMEBUFFER)
    if status != gl.GL_FRAMEBUFFER_COMPLETE:
        raise RuntimeError(f"OpenGL framebuffer incomplete (status {status:#x})")
    return fb


def linear_depth(buffer: np.ndarray, znear: float, zfar: float) -> np.ndarray:
    """Metric z (metres) from a [0, 1] depth buffer of a perspective projection; 0 = nothing."""
    ndc = 2.0 * buffer - 1.0
    z = (2.0 * znear * zfar) / (zfar + znear - ndc * (zfar - znear))
    z[buffer >= 1.0] = 0.0
    return z.astype(np.float32)


class GLWait:
    """Seconds spent waiting for the GL to finish drawing before read-backs: rasterization on
    llvmpipe's threads, or the GPU. The rest of a pass is CPU-side work (Python, uniforms)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def finish(self) -> None:
        t0 = time.perf_counter()
        gl.glFinish()
        self.seconds += time.perf_counter() - t0

    def take(self) -> float:
        seconds, self.seconds = self.seconds, 0.0
        return seconds


class Framebuffers:
    """The three targets of one renderer; the mode is chosen before each pyrender call."""

    def __init__(self, width: int, height: int, msaa: int) -> None:
        most = int(gl.glGetIntegerv(gl.GL_MAX_SAMPLES))
        if msaa > most:
            renderer = gl.glGetString(gl.GL_RENDERER).decode(errors="replace")
            raise ConfigError(f"renderer.msaa={msaa}: this OpenGL ({renderer}) draws at most {most} samples per pixel")
        self.width, self.height, self.msaa = width, height, msaa
        self.labels = _framebuffer(width, height, 0, depth=True)
        self.color_ms = _framebuffer(width, height, msaa, depth=True) if msaa else None
        self.color_resolved = _framebuffer(width, height, 0, depth=False) if msaa else None
        self.mode = COLOR
        self.viewport = (width, height)
        self.gl_wait = GLWait()
        gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)

    def _draw_target(self) -> int:
        return self.color_ms if self.mode == COLOR and self.msaa else self.labels

    def configure(self, flags) -> None:
        """Stands in for pyrender's ``_configure_forward_pass_viewport``."""
        gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, self._draw_target())
        gl.glViewport(0, 0, *self.viewport)
        gl.glEnable(gl.GL_DEPTH_TEST)
        gl.glDepthMask(gl.GL_TRUE)
        gl.glDepthFunc(gl.GL_LESS)
        gl.glDepthRange(0.0, 1.0)

    def read(self, scene, flags):
        """Stands in for pyrender's ``_read_main_framebuffer``: reads only what the mode needs."""
        w, h = self.viewport
        self.gl_wait.finish()
        if self.mode == COLOR:
            source = self.labels
            if self.msaa:
                gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, self.color_ms)
                gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, self.color_resolved)
                gl.glBlitFramebuffer(0, 0, w, h, 0, 0, w, h, gl.GL_COLOR_BUFFER_BIT, gl.GL_NEAREST)
                source = self.color_resolved
            gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, source)
            rgb = np.frombuffer(gl.glReadPixels(0, 0, w, h, gl.GL_RGB, gl.GL_UNSIGNED_BYTE), np.uint8)
            return rgb.reshape(h, w, 3)[::-1], None
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, self.labels)
        rgba = np.frombuffer(gl.glReadPixels(0, 0, w, h, gl.GL_RGBA, gl.GL_UNSIGNED_BYTE), np.uint32)
        ids = (rgba.reshape(h, w)[::-1] & 0xFFFFFF).astype(np.int32)  # little-endian RGB
        depth = np.frombuffer(gl.glReadPixels(0, 0, w, h, gl.GL_DEPTH_COMPONENT, gl.GL_FLOAT), np.float32)
        cam = scene.main_camera_node.camera
        return ids, linear_depth(depth.reshape(h, w)[::-1], cam.znear, cam.zfar)


def attach(pyrender_renderer, framebuffers: Framebuffers) -> None:
    """Make one pyrender ``Renderer`` draw into and read from ``framebuffers``."""
    pyrender_renderer._configure_forward_pass_viewport = framebuffers.configure
    pyrender_renderer._read_main_framebuffer = framebuffers.read
