"""simgen's direct colour and id passes draw exactly what pyrender's own forward pass draws."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import HEIGHT, WIDTH
from omegaconf import OmegaConf

from simgen.config.paths import RECIPE_DIR
from simgen.physics.state import posed_state
from simgen.randomizers import RecipeContext, build_scene
from simgen.recipes import load_recipe
from simgen.render.framebuffers import COLOR, LABELS


def _pyrender_pass(renderer, mode, seg_node_map=None):
    """The same pass through pyrender's own ``Renderer.render`` into simgen's targets."""
    RF = renderer.pyrender.RenderFlags
    flags = RF.OFFSCREEN | (RF.SEG if seg_node_map is not None else 0)
    renderer.targets.mode, renderer.targets.viewport = mode, (WIDTH, HEIGHT)
    renderer.gl.viewport_width, renderer.gl.viewport_height = WIDTH, HEIGHT
    renderer.gl._sorted_mesh_nodes = lambda scene: renderer.order
    return renderer.gl.render(renderer.scene, flags, seg_node_map)


@pytest.mark.parametrize("recipe_name,index", [("tabletop", 0), ("tabletop", 1), ("bin_picking", 0)])
def test_direct_passes_match_pyrender_pixel_for_pixel(renderer, recipe_name, index):
    recipe = OmegaConf.to_object(load_recipe(RECIPE_DIR / f"{recipe_name}.yaml"))
    spec = build_scene(index, 5, RecipeContext(recipe, WIDTH, HEIGHT))
    state = posed_state(spec)  # as placed: the passes do not care whether physics ran
    renderer.load(state)
    textured = sum(1 for b in spec.bodies if b.material is not None and b.material.texture is not None)
    for cam in spec.cameras[:2]:
        ours = renderer.render(cam, ("color", "ids", "depth"))
        rgb, _ = _pyrender_pass(renderer, COLOR)
        ids, depth = _pyrender_pass(renderer, LABELS, renderer.seg_all)
        np.testing.assert_array_equal(ours["color"], rgb)
        np.testing.assert_array_equal(ours["ids"], ids)
        np.testing.assert_array_equal(ours["depth"], depth)
        assert len(np.unique(ours["ids"])) > 3 and ours["color"].std() > 5  # a real picture, many bodies
    if recipe_name == "bin_picking":
        assert textured > 0  # textures bound through the direct pass too


@pytest.mark.e2e
def test_more_samples_than_the_gl_draws_is_one_line_naming_the_setting(renderer, tmp_path):
    """Checked by the worker's renderer, after the command's checks: the command's own error
    path (one line, exit 2, no dataset), so a subprocess."""
    from helpers import error_lines, run_simgen
    from OpenGL import GL as gl

    most = int(gl.glGetIntegerv(gl.GL_MAX_SAMPLES))
    if most >= 8:
        pytest.skip(f"this OpenGL draws {most} samples: renderer.msaa=8 is valid here")
    proc = run_simgen("renderer.msaa=8", "frames=1", "farm.workers=1", f"output_dir={tmp_path / 'ds'}")
    lines = error_lines(proc.stderr)
    assert proc.returncode == 2 and len(lines) == 1 and "renderer.msaa=8" in lines[0] and f"at most {most}" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "ds" / "annotations").exists()


def test_own_textures_stay_in_gl_across_scenes(renderer):
    """A mesh file's own texture is uploaded once and drawn the same in a later scene, after a
    scene without it; the least recently used ones beyond KEPT_TEXTURES are deleted."""
    import os

    import pybullet_data
    from helpers import make_camera, make_spec, translation

    from simgen.core.spec import AssetRef, BodySpec, Material, Texture
    from simgen.render.renderer import KEPT_TEXTURES

    duck = AssetRef(kind="urdf", path=os.path.join(pybullet_data.getDataPath(), "duck_vhacd.urdf"))
    own = Material(base_color=(1.0, 1.0, 1.0, 1.0), texture=Texture(kind="asset"))
    cam = make_camera([0.0, -0.25, 0.2], [0.0, 0.0, 0.02])
    with_duck = posed_state(make_spec([BodySpec(instance_id=1, asset=duck, pose=translation(0, 0, 0), category="duck",
                                               material=own)], [cam]))
    without = posed_state(make_spec([BodySpec(instance_id=1, asset=AssetRef(kind="primitive", shape="box", size=(0.05,) * 3),
                                              pose=translation(0, 0, 0), category="box", material=Material())], [cam]))
    renderer.load(with_duck)
    first = renderer.render(cam, ("color",))["color"]
    texture = renderer._kept[duck]
    texid = texture._texid
    renderer.load(without)
    assert texture._texid == texid  # still in GL while no scene uses it
    renderer.load(with_duck)
    assert renderer._kept[duck] is texture and texture._texid == texid
    np.testing.assert_array_equal(renderer.render(cam, ("color",))["color"], first)
    for k in range(KEPT_TEXTURES):  # other assets' textures push it out of the LRU
        renderer._kept_texture(AssetRef(kind="mesh", path=f"other_{k}.obj"), np.zeros((2, 2, 3), np.uint8))
    renderer.load(without)
    assert duck not in renderer._kept and texture._texid is None
    for k in range(KEPT_TEXTURES):
        renderer._kept.pop(AssetRef(kind="mesh", path=f"other_{k}.obj"))
