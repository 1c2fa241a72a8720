"""One EGL display per process: renderers opened and closed in one process (the scene loop run
in process, the tests' shared renderer beside a test's own) draw the same pictures as the first."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import HEIGHT, WIDTH, make_box, make_camera, make_spec, translation

from simgen.config.schema import RendererConfig
from simgen.core.platform import egl_address
from simgen.core.spec import Material, Texture
from simgen.physics.state import posed_state


@pytest.fixture(scope="module")
def small_scene():
    """Two boxes (one textured) on a slab, one camera: a posed state and its camera."""
    slab = make_box(1, (0.6, 0.6, 0.02), translation(0, 0, -0.01), category=None, static=True, support_top=0.0)
    plain = make_box(2, (0.1, 0.1, 0.1), translation(0.05, 0.0, 0.05))
    checker = make_box(3, (0.08, 0.12, 0.06), translation(-0.1, 0.08, 0.03))
    checker.material = Material(texture=Texture(kind="checker", colors=((0.9, 0.2, 0.1), (0.1, 0.3, 0.8)), tile=0.02))
    spec = make_spec([slab, plain, checker], [make_camera((0.45, 0.3, 0.4), (0, 0, 0))])
    return posed_state(spec), spec.cameras[0]


def _draw(renderer, state, cam) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    renderer.load(state)
    p = renderer.render(cam, ("color", "ids", "depth"))
    return p["color"].copy(), p["depth"].copy(), p["ids"].copy()


def _same(a, b) -> None:
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_a_renderer_closed_and_another_opened_draw_the_same(small_scene):
    from simgen.render.renderer import Renderer

    state, cam = small_scene
    cfg = RendererConfig(width=WIDTH, height=HEIGHT)
    first = Renderer(cfg)
    display = egl_address(first._offscreen._platform._egl_display)
    before = _draw(first, state, cam)
    first.close()
    second = Renderer(cfg)
    try:
        assert egl_address(second._offscreen._platform._egl_display) == display  # one display per process
        _same(_draw(second, state, cam), before)
    finally:
        second.close()
    assert len(np.unique(before[2])) == 4 and before[0].std() > 5  # background, slab, two boxes: a real picture


def test_closing_a_second_renderer_leaves_the_first_drawing(renderer, small_scene):
    """The session's renderer stays usable after a test opened and closed its own."""
    from OpenGL import EGL as egl

    from simgen.render.renderer import Renderer

    state, cam = small_scene
    before = _draw(renderer, state, cam)
    other = Renderer(RendererConfig(width=WIDTH, height=HEIGHT))
    try:
        _same(_draw(other, state, cam), before)
    finally:
        other.close()
    mine = renderer._offscreen._platform
    assert egl_address(egl.eglGetCurrentContext()) == egl_address(mine._egl_context)  # current again
    mine.make_current()  # its display was not terminated
    _same(_draw(renderer, state, cam), before)
