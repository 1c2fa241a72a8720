"""Shared fixtures: one renderer per test session (EGL contexts are costly and fragile)."""

from __future__ import annotations

import pytest
from helpers import HEIGHT, SMALL_RUN, WIDTH, run_simgen

from simgen.config.schema import RendererConfig


@pytest.fixture(scope="session")
def renderer():
    from simgen.render.renderer import Renderer

    r = Renderer(RendererConfig(width=WIDTH, height=HEIGHT))
    yield r
    r.close()


@pytest.fixture(scope="session")
def tabletop_dataset(tmp_path_factory):
    """A small tabletop dataset made once per test session by the real command."""
    out = tmp_path_factory.mktemp("tabletop") / "ds"
    run_simgen("scene=tabletop", "frames=8", "seed=0", f"output_dir={out}", *SMALL_RUN, expect=0)
    return out
