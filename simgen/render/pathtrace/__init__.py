"""A path-traced colour engine (Mitsuba 3, Open Image Denoise): the raster's scene, lights and
camera translated faithfully, drawn with global illumination. An optional extra
(``pip install -e ".[photoreal]"``); nothing is imported until a PathTracer is made.

Modules: ``backend`` (the optional import, LLVM, variant), ``geometry`` (a body's arrays as
the raster draws them), ``shapes`` (Mitsuba meshes and BSDFs), ``lights`` (emitters and the
ambient environment), ``image`` (denoising, bytes as the raster writes them), ``tracer``
(:class:`PathTracer`).
"""

from __future__ import annotations


def __getattr__(name: str):
    if name == "PathTracer":
        from simgen.render.pathtrace.tracer import PathTracer

        return PathTracer
    raise AttributeError(name)
