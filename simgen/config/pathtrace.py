"""Settings of the path-traced colour engine (:mod:`simgen.render.pathtrace`).

A leaf schema: it imports no stage. The engine draws only the colour pass; ids, depth and every
label stay on the raster's exact passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from simgen.core.errors import require

DEVICES = ("cpu", "cuda")


@dataclass
class PathTraceConfig:
    """``spp``: samples per pixel of the colour image; ``max_depth``: longest light path in
    segments (1: only what the camera sees directly lit; -1: unbounded); ``denoise``: clean the
    image with Intel Open Image Denoise, guided by albedo and normals; ``device``: ``cpu``
    (Mitsuba's ``llvm_ad_rgb`` variant) or ``cuda`` (``cuda_ad_rgb``); ``threads``: CPU threads
    the engine may use (0: every core); ``share``: with ``renderer.engine=pathtrace``, the share
    of scenes path-traced, chosen per scene from the seed (the rest are rasterized).

    The default spp is the lowest whose denoised image came within 35 dB PSNR (8-bit) of a
    1,024-spp reference on each of tabletop, bin_picking and driving (scene 0, 320x240,
    ``benchmarks/pathtrace_spp.py``): 16 spp gave 36.3, 37.5 and 37.8 dB; 8 spp gave 34.8 dB
    on tabletop."""

    spp: int = 16
    max_depth: int = 8
    denoise: bool = True
    device: str = "cpu"
    threads: int = 0
    share: float = 1.0

    def variant(self) -> str:
        """The Mitsuba variant of ``device``."""
        return "cuda_ad_rgb" if self.device == "cuda" else "llvm_ad_rgb"

    def check(self) -> None:
        """Raise ConfigError on a value outside what the engine accepts."""
        require(self.spp >= 1, "renderer.pathtrace.spp", self.spp, "at least 1")
        require(self.max_depth == -1 or self.max_depth >= 1, "renderer.pathtrace.max_depth", self.max_depth,
                "-1 (unbounded) or at least 1")
        require(self.device in DEVICES, "renderer.pathtrace.device", self.device,
                f"one of {', '.join(DEVICES)}")
        require(self.threads >= 0, "renderer.pathtrace.threads", self.threads, "0 (every core) or more")
        require(0.0 <= self.share <= 1.0, "renderer.pathtrace.share", self.share, "must lie in [0, 1]")
