"""Asset sources: a glob that holds a broken file still draws, and draws reproducibly."""

from __future__ import annotations

import numpy as np
import trimesh

from simgen.assets.catalog import draw_asset


def test_glob_skips_broken_files_reproducibly(tmp_path):
    for k in range(3):
        trimesh.creation.box(extents=(0.05, 0.05, 0.05 + 0.01 * k)).export(tmp_path / f"good{k}.obj")
    (tmp_path / "broken.obj").write_text("v nan nan nan\nv nan 0 0\nv 0 nan 0\nf 1 2 3\n")
    source = str(tmp_path / "*.obj")
    first = [draw_asset(np.random.default_rng(7), source, [], []).path for _ in range(1)]
    draws = [draw_asset(rng, source, [], []).path for rng in [np.random.default_rng(7)] for _ in range(40)]
    assert not any(p.endswith("broken.obj") for p in draws)
    assert len(set(draws)) == 3
    again = [draw_asset(rng, source, [], []).path for rng in [np.random.default_rng(7)] for _ in range(40)]
    assert draws == again and draws[0] == first[0]
