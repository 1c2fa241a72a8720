"""Headless OpenGL setup, kept in one place: EGL, the numpy 2 shim for pyrender, pyglet.

Everything that renders imports pyrender through :func:`import_pyrender`, so the environment is
set before PyOpenGL is first imported.

One EGL display per process: EGL hands out one display per device and process (the same
handle to every caller), so pyrender's ``eglTerminate`` on deleting a renderer ended every
other context on it. Here a deleted renderer destroys only its own context; the display stays
initialised for the life of the process, and the renderer made before it is current again.
"""

from __future__ import annotations

import ctypes
import os
from types import ModuleType

_pyrender: ModuleType | None = None
_live: list = []  # EGL platforms of this process with a context, oldest first


def configure_egl(device_index: int | None = None) -> None:
    """Select EGL (Mesa llvmpipe without a GPU, NVIDIA with one) before OpenGL is imported.

    ``device_index`` picks the EGL device on multi-GPU nodes, where CUDA_VISIBLE_DEVICES does not
    remap EGL indices.
    """
    os.environ["PYOPENGL_PLATFORM"] = "egl"
    os.environ.setdefault("PYGLET_SHADOW_WINDOW", "0")
    if device_index is not None:
        os.environ["EGL_DEVICE_ID"] = str(device_index)


def import_pyrender(device_index: int | None = None) -> ModuleType:
    """Import pyrender configured for headless EGL rendering."""
    global _pyrender
    if _pyrender is None:
        configure_egl(device_index)
        import logging

        import numpy as np

        logging.getLogger("OpenGL").setLevel(logging.WARNING)  # its INFO line is noise to users

        if not hasattr(np, "infty"):  # pyrender 0.1.45 still uses the name numpy 2 removed
            np.infty = np.inf
        import pyrender

        _share_one_display()
        _pyrender = pyrender
    return _pyrender


def _share_one_display() -> None:
    """Make pyrender's EGL platform keep the process's display when a renderer is deleted (see
    the module doc). Its methods are replaced in place: pyrender names the class itself in
    ``super()``, so a subclass put in its place would recurse."""
    from pyrender.platforms import egl as pyrender_egl

    egl = pyrender_egl.egl  # PyOpenGL's EGL, imported once pyrender installed the EGL platform

    platform = pyrender_egl.EGLPlatform
    create = platform.init_context

    def init_context(self) -> None:
        create(self)
        _live.append(self)

    def delete_context(self) -> None:
        """Destroy this context only; the display is not terminated."""
        if self._egl_context is not None:
            if egl_address(egl.eglGetCurrentContext()) == egl_address(self._egl_context):
                egl.eglMakeCurrent(self._egl_display, egl.EGL_NO_SURFACE, egl.EGL_NO_SURFACE, egl.EGL_NO_CONTEXT)
            egl.eglDestroyContext(self._egl_display, self._egl_context)
            self._egl_context = None
        if self in _live:
            _live.remove(self)
            if _live:  # the renderer made before this one draws on where it left off
                _live[-1].make_current()
        self._egl_display = None

    platform.init_context, platform.delete_context = init_context, delete_context


def egl_address(handle) -> int | None:
    """The address an EGL handle (display, context) holds: PyOpenGL's handle objects compare
    by identity, so two handles of one display are not ``==``."""
    return ctypes.cast(handle, ctypes.c_void_p).value
