"""The path-traced colour engine draws the raster's scene: the same pixels belong to the same
bodies, each light kind lights a grey plane alike, a seed gives the same bytes, and a missing
extra or LLVM is one line naming what to install."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from helpers import HEIGHT, WIDTH, make_box, make_camera, make_spec, translation
from omegaconf import OmegaConf
from scipy.ndimage import maximum_filter, minimum_filter
from scipy.spatial.transform import Rotation

from simgen.config.pathtrace import PathTraceConfig
from simgen.core.camera import look_at, mitsuba_perspective
from simgen.core.errors import ConfigError
from simgen.core.spec import LightSpec, Material, SceneSpec
from simgen.physics.state import posed_state
from simgen.render.pathtrace import backend

# Off-centre principal point: catches a sign slip in the principal point offset.
K = np.array([[300.0, 0.0, 167.3], [0.0, 300.0, 108.6], [0.0, 0.0, 1.0]])


def _engine_available() -> str:
    """'' where Mitsuba, pyoidn and an LLVM 16+ are there, else why not."""
    import importlib.util
    import os

    for name in ("mitsuba", "pyoidn"):
        if importlib.util.find_spec(name) is None:
            return f"{name} is not installed ({backend.INSTALL_EXTRA})"
    if not os.environ.get("DRJIT_LIBLLVM_PATH") and backend.find_llvm() is None:
        return f"no libLLVM 16+ ({backend.INSTALL_LLVM})"
    return ""


needs_engine = pytest.mark.skipif(bool(_engine_available()), reason=_engine_available() or "engine present")


@pytest.fixture(scope="module")
def tracer():
    from simgen.render.pathtrace.tracer import PathTracer

    return PathTracer(PathTraceConfig(spp=16, max_depth=4, denoise=False), WIDTH, HEIGHT)


def _check_alignment(renderer, tracer, state, cam) -> None:
    """shape_ids equal the raster id map on >= 99.5 % of the pixels whose 3 x 3 neighbourhood
    has one id; each body's silhouette IoU >= 0.99 (or differs by one edge pixel)."""
    renderer.load(state)
    raster = renderer.render(cam, ("ids",))["ids"]
    tracer.load(state)
    traced = tracer.shape_ids(cam)
    inner = maximum_filter(raster, 3) == minimum_filter(raster, 3)
    assert inner.sum() > 0.5 * raster.size
    assert (traced == raster)[inner].mean() >= 0.995
    assert set(np.unique(raster)) - {0}, "nothing drawn"
    for iid in set(np.unique(raster)) - {0}:
        a, b = raster == iid, traced == iid
        iou = (a & b).sum() / (a | b).sum()
        assert iou >= 0.99 or (a ^ b).sum() <= 1, (iid, iou, a.sum())


# ---- conventions (no engine needed) ----

def test_mitsuba_camera_from_K():
    cam_to_world = look_at((1.0, -2.0, 1.5), (0.0, 0.0, 0.0))
    s = mitsuba_perspective(K, WIDTH, HEIGHT, cam_to_world)
    assert np.isclose(np.tan(np.deg2rad(s["x_fov"]) / 2), WIDTH / 2 / K[0, 0])
    assert np.isclose(s["principal_point_offset_x"], -(K[0, 2] - WIDTH / 2) / WIDTH)
    assert np.isclose(s["principal_point_offset_y"], -(K[1, 2] - HEIGHT / 2) / HEIGHT)
    # Mitsuba looks down its +z with x left, y up: OpenCV's z forward, x and y turned around.
    assert np.allclose(s["to_world"][:3, 2], cam_to_world[:3, 2])
    assert np.allclose(s["to_world"][:3, :2], -cam_to_world[:3, :2])
    skewed = K.copy()
    skewed[1, 1] = 310.0
    with pytest.raises(ValueError, match="fx == fy"):
        mitsuba_perspective(skewed, WIDTH, HEIGHT, cam_to_world)


def test_settings_are_checked_and_name_the_variant():
    assert PathTraceConfig().variant() == "llvm_ad_rgb"
    assert PathTraceConfig(device="cuda").variant() == "cuda_ad_rgb"
    with pytest.raises(ConfigError, match="renderer.pathtrace.spp"):
        PathTraceConfig(spp=0).check()
    with pytest.raises(ConfigError, match="renderer.pathtrace.device"):
        PathTraceConfig(device="gpu").check()


def test_smooth_shading_rule_is_the_rasters():
    from simgen.render.pathtrace.geometry import SMOOTH_PRIMITIVES
    from simgen.render.renderer import SMOOTH_PRIMITIVES as RASTER

    assert SMOOTH_PRIMITIVES == RASTER


def test_newest_llvm_16_or_later_is_chosen(tmp_path):
    for name in ("libLLVM.so.15", "libLLVM.so.17.0", "libLLVM.so.19.1", "libLLVM-19.so"):
        (tmp_path / name).touch()
    assert backend.find_llvm([str(tmp_path / "libLLVM.so.*")]) == str(tmp_path / "libLLVM.so.19.1")
    (tmp_path / "libLLVM.so.19.1").unlink()
    (tmp_path / "libLLVM.so.17.0").unlink()
    assert backend.find_llvm([str(tmp_path / "libLLVM.so.*")]) is None


def test_missing_extra_is_one_line_naming_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mitsuba", None)  # import mitsuba now raises ImportError
    monkeypatch.setenv("DRJIT_LIBLLVM_PATH", "/nowhere/libLLVM.so.19.1")
    with pytest.raises(ConfigError) as info:
        backend.import_mitsuba("llvm_ad_rgb")
    message = str(info.value)
    assert "\n" not in message and 'pip install -e ".[photoreal]"' in message
    monkeypatch.setitem(sys.modules, "pyoidn", None)
    with pytest.raises(ConfigError, match=r"\[photoreal\]"):
        backend.import_oidn()


def test_missing_llvm_is_one_line_naming_the_package(monkeypatch):
    monkeypatch.delenv("DRJIT_LIBLLVM_PATH", raising=False)
    monkeypatch.setattr(backend, "LLVM_PATTERNS", ())
    with pytest.raises(ConfigError) as info:
        backend.import_mitsuba("llvm_ad_rgb")
    message = str(info.value)
    assert "\n" not in message and "apt-get install libllvm19" in message


# ---- the engine ----

@needs_engine
def test_shape_ids_align_with_the_raster_and_follow_set_pose(renderer, tracer):
    floor = make_box(1, (2.0, 2.0, 0.1), translation(0, 0, -0.05), category=None, static=True,
                     support_top=0.0)
    turned = translation(0.05, 0.02, 0.1)
    turned[:3, :3] = Rotation.from_euler("xyz", [0.3, -0.2, 0.7]).as_matrix()
    cube = make_box(2, (0.2, 0.15, 0.12), turned)
    bar = make_box(3, (0.05, 0.4, 0.08), translation(-0.2, 0.1, 0.04))
    cam = make_camera((0.7, -0.8, 0.6), (0, 0, 0.05), K=K)
    state = posed_state(make_spec([floor, cube, bar], [cam]))
    _check_alignment(renderer, tracer, state, cam)
    moved = translation(0.15, -0.1, 0.1)
    renderer.set_pose(2, moved)
    tracer.set_pose(2, moved)
    raster, traced = renderer.render(cam, ("ids",))["ids"], tracer.shape_ids(cam)
    inner = maximum_filter(raster, 3) == minimum_filter(raster, 3)
    assert (traced == raster)[inner].mean() >= 0.995


def _recipe_state(kind: str):
    from simgen.config.paths import RECIPE_DIR
    from simgen.randomizers import RecipeContext, build_scene
    from simgen.recipes import load_recipe

    scene = OmegaConf.to_object(load_recipe(RECIPE_DIR / f"{kind}.yaml"))
    spec = build_scene(0, 0, RecipeContext(scene=scene, width=WIDTH, height=HEIGHT))
    return posed_state(spec), spec.sequence()[0].cameras[0]


@needs_engine
@pytest.mark.parametrize("kind", ["tabletop", "bin_picking", "driving"])
def test_shape_ids_align_on_recipe_scenes(renderer, tracer, kind):
    state, cam = _recipe_state(kind)
    _check_alignment(renderer, tracer, state, cam)


def _lit_plane(kind: str) -> tuple[SceneSpec, object]:
    plane = make_box(1, (6.0, 6.0, 0.02), translation(0, 0, -0.01), category=None, static=True)
    plane.material = Material(base_color=(0.5, 0.5, 0.5, 1.0), roughness=0.7)
    cam = make_camera((0.6, -0.9, 1.6), (0, 0, 0), zfar=20.0)
    pose = look_at((0.0, 0.0, 1.0), (0.3, 0.2, 0.0)) @ np.diag([1.0, -1.0, -1.0, 1.0])  # shines down -z
    light = LightSpec(kind=kind, color=(1.0, 0.9, 0.8), intensity=2.0 if kind == "directional" else 1.5,
                      pose=pose, inner_cone=0.2, outer_cone=0.7)
    spec = SceneSpec(index=0, seed=0, bodies=[plane], lights=[light], cameras=[cam], ambient=(0.0, 0.0, 0.0))
    return spec, cam


@needs_engine
@pytest.mark.parametrize("kind", ["directional", "point", "spot"])
def test_each_light_kind_lights_a_grey_plane_as_the_raster_does(renderer, tracer, kind):
    spec, cam = _lit_plane(kind)
    state = posed_state(spec)
    renderer.load(state)
    raster = renderer.render(cam, ("color",))["color"].astype(float)
    tracer.load(state)
    traced = tracer.color(cam, seed=1).astype(float)
    assert raster.mean() > 10
    assert abs(traced.mean() / raster.mean() - 1.0) <= 0.10, (traced.mean(), raster.mean())


@needs_engine
def test_same_seed_same_bytes_denoised():
    from simgen.render.pathtrace.tracer import PathTracer

    spec, cam = _lit_plane("spot")
    spec.ambient, spec.ambient_ground = (0.3, 0.35, 0.4), (0.1, 0.08, 0.05)
    spec.bodies.append(make_box(2, (0.3, 0.3, 0.3), translation(0.2, 0.1, 0.15)))
    spec.background = (0.2, 0.3, 0.4)
    small = make_camera((0.6, -0.9, 1.6), (0, 0, 0), width=80, height=60, zfar=20.0)
    denoised = PathTracer(PathTraceConfig(spp=2, max_depth=3, denoise=True), 80, 60)
    denoised.load(posed_state(spec))
    a, b, c = denoised.color(small, 7), denoised.color(small, 7), denoised.color(small, 8)
    assert a.shape == (60, 80, 3) and a.dtype == np.uint8
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()
    assert set(denoised.timings) == {"build", "jit", "render", "denoise"} and denoised.timings["denoise"] > 0


@needs_engine
def test_material_kinds_draw_as_glass_metal_and_coated_plastic(renderer, tracer):
    """Over a red floor lit from above: a glass cube shows the red floor through it, a
    principled grey cube does not, and metal and plastic cubes draw; the labels' ids see each."""
    spec, cam = _lit_plane("directional")
    spec.bodies[0].material = Material(base_color=(0.8, 0.05, 0.05, 1.0), roughness=0.9)
    spec.ambient = spec.ambient_ground = (0.3, 0.3, 0.3)
    kinds = {2: "glass", 3: "principled", 4: "metal", 5: "plastic"}
    for iid, kind in kinds.items():
        x = -0.45 + 0.3 * (iid - 2)
        box = make_box(iid, (0.2, 0.2, 0.2), translation(x, 0.0, 0.1))
        box.material = Material(base_color=(0.95, 0.95, 0.95, 1.0), roughness=0.05 if kind == "glass" else 0.4,
                                metallic=1.0 if kind == "metal" else 0.0, kind=kind)
        spec.bodies.append(box)
    state = posed_state(spec)
    renderer.load(state)
    ids = renderer.render(cam, ("ids",))["ids"]
    tracer.load(state)
    rgb = tracer.color(cam, seed=3).astype(float)
    redness = {kind: rgb[ids == iid][:, 0].mean() / (rgb[ids == iid][:, 1:].mean() + 1.0) for iid, kind in kinds.items()}
    assert redness["glass"] > 1.5 * redness["principled"], redness
    assert all((ids == iid).sum() > 300 for iid in kinds)
    assert rgb[ids == 4].std() > 3 and rgb[ids == 5].mean() > 20  # metal reflects its surroundings; plastic lit
