"""Headless OpenGL setup, kept in one place: EGL, the numpy 2 shim for pyrender, pyglet.

Everything that renders imports pyrender through :func:`import_pyrender`, so the environment is
set before PyOpenGL is first imported.
"""

from __future__ import annotations

import os
from types import ModuleType

_pyrender: ModuleType | None = None


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

        _pyrender = pyrender
    return _pyrender
