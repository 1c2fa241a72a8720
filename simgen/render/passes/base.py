"""What a render pass declares, and the registry of passes.

A pass is drawn by the raster renderer (:class:`simgen.render.renderer.Renderer`) on request:
``provides`` names the arrays it returns, ``order`` where it is drawn among the passes of one
request (smaller first), and :meth:`RenderPass.draw` draws into its own target and reads it back.
A pass is made once per renderer, on first use, and may keep GL objects (targets, programs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simgen.registry import Registry

if TYPE_CHECKING:
    from simgen.core.spec import CameraSpec
    from simgen.render.renderer import Renderer


class RenderPass:
    """One pass of the raster. ``provides``: the names of the arrays :meth:`draw` returns;
    ``order``: drawing order within one request."""

    provides: tuple[str, ...] = ()
    order: int = 0

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer

    def scene_loaded(self) -> None:
        """The renderer loaded a new scene: forget what was drawn for the last one."""

    def bodies_moved(self) -> None:
        """Bodies moved within the scene (a sequence's next time step)."""

    def draw(self, cam: CameraSpec, request: Any = None) -> dict[str, Any]:
        """The arrays of this pass for ``cam`` (the renderer is aimed at it); ``request``: what
        the caller passed for this pass (only ``coverage`` takes one)."""
        raise NotImplementedError


PASSES: Registry[type[RenderPass]] = Registry("render pass", "passes")


def register_pass(cls: type[RenderPass]) -> type[RenderPass]:
    """Class decorator: register ``cls`` under each name it provides."""
    for name in cls.provides:
        PASSES.register(name)(cls)
    return cls
