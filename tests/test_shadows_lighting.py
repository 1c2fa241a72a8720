"""Shadows and lighting: the shadow a cube casts matches its analytic outline, shadows change
the colour image only, spot cones, black-body colours, and their settings' checks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import (
    HEIGHT,
    SMALL_RUN,
    WIDTH,
    make_box,
    make_camera,
    register_test_configs,
    run_simgen,
    translation,
)
from omegaconf import OmegaConf
from scipy.ndimage import binary_erosion
from scipy.spatial import ConvexHull

from simgen.core.camera import backproject, look_at, opencv_to_opengl_pose
from simgen.core.kelvin import kelvin_to_rgb
from simgen.core.spec import AssetRef, BodySpec, LightSpec, Material, SceneSpec
from simgen.physics.state import posed_state

CUBE = 0.2  # metres, resting on the plane z = 0
TOWARDS_LIGHT = np.array([1.0, 0.5, 1.6]) / np.linalg.norm([1.0, 0.5, 1.6])


def _plane(instance_id: int = 1) -> BodySpec:
    return BodySpec(instance_id=instance_id, asset=AssetRef(kind="primitive", shape="box", size=(3.0, 3.0, 0.1)),
                    pose=translation(0, 0, -0.05), static=True, support_top=0.0, material=Material())


def _plane_points(passes, cam, plane_id: int = 1):
    """(rows, cols, (n, 2) world x, y on z = 0) of the pixels that see the plane, away from
    its outline (anti-aliasing blends edge pixels with their neighbours)."""
    rows, cols = np.nonzero(binary_erosion(passes["ids"] == plane_id, iterations=1))
    pts = backproject(cam.K, cols + 0.5, rows + 0.5, passes["depth"][rows, cols])
    world = pts @ cam.cam_to_world[:3, :3].T + cam.cam_to_world[:3, 3]
    return rows, cols, world[:, :2]


def _signed_distance(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Distance (n,) of 2D points to a convex counter-clockwise polygon (k, 2): < 0 inside."""
    edges = np.roll(polygon, -1, axis=0) - polygon
    normals = np.stack([edges[:, 1], -edges[:, 0]], axis=1) / np.linalg.norm(edges, axis=1)[:, None]  # outward
    return ((points[:, None, :] - polygon[None]) * normals[None]).sum(axis=2).max(axis=1)


def _shadow_polygon() -> np.ndarray:
    """The cube's shadow on z = 0: its corners moved along the light onto the plane, hull."""
    h = CUBE / 2
    corners = np.array([[x, y, z] for x in (-h, h) for y in (-h, h) for z in (0.0, CUBE)])
    on_plane = corners[:, :2] - TOWARDS_LIGHT[:2] * (corners[:, 2:3] / TOWARDS_LIGHT[2])
    return on_plane[ConvexHull(on_plane).vertices]  # counter-clockwise


def test_cube_shadow_matches_the_projected_outline(renderer):
    light = LightSpec(kind="directional", color=(1.0, 1.0, 1.0), intensity=2.5,
                      pose=opencv_to_opengl_pose(look_at(TOWARDS_LIGHT * 5, np.zeros(3))))
    cam = make_camera((-0.55, -0.6, 0.65), (-0.08, -0.05, 0.0))  # sees the shadow side
    spec = SceneSpec(index=0, seed=0, bodies=[_plane(), make_box(2, (CUBE,) * 3, translation(0, 0, CUBE / 2))],
                     lights=[light], cameras=[cam], ambient=(0.15, 0.15, 0.15))
    renderer.load(posed_state(spec))
    passes = renderer.render(cam, ("color", "ids", "depth"))
    grey = passes["color"].astype(float).mean(axis=2)
    rows, cols, xy = _plane_points(passes, cam)
    d = _signed_distance(xy, _shadow_polygon())
    inside, outside = grey[rows[d < -0.01], cols[d < -0.01]], grey[rows[d > 0.01], cols[d > 0.01]]
    assert inside.size > 300 and outside.size > 3000
    assert inside.max() < outside.min() - 40  # every shadowed pixel darker than every lit one
    assert outside.std() < 3  # the lit plane is even: no acne
    # no peter-panning: the plane right beside the cube's foot, on the shadow side, is dark
    foot = np.abs(xy).max(axis=1) - CUBE / 2
    beside = (foot > 0.004) & (foot < 0.012) & (d < -0.004)
    assert beside.sum() > 10 and grey[rows[beside], cols[beside]].max() < outside.min() - 40
    # the cube's lit top face has no shadow on it (acne)
    r, c = np.nonzero(passes["ids"] == 2)
    z = (backproject(cam.K, c + 0.5, r + 0.5, passes["depth"][r, c]) @ cam.cam_to_world[:3, :3].T)[:, 2] + cam.cam_to_world[2, 3]
    top = np.zeros(grey.shape, bool)
    top[r[np.abs(z - CUBE) < 2e-3], c[np.abs(z - CUBE) < 2e-3]] = True
    top_grey = grey[binary_erosion(top, iterations=1)]
    assert top_grey.size > 100 and top_grey.min() > outside.min() - 5
    renderer.shadows = False
    try:
        unshadowed = renderer.render(cam, ("color",))["color"].astype(float).mean(axis=2)
    finally:
        renderer.shadows = True
    assert unshadowed[rows[d < -0.01], cols[d < -0.01]].min() > outside.min() - 5  # the shadow was the map's


def test_spot_light_lights_its_cone_only(renderer):
    outer = np.deg2rad(20.0)
    light = LightSpec(kind="spot", color=(1.0, 1.0, 1.0), intensity=2.0, pose=translation(0, 0, 1.0),  # shines down -z
                      inner_cone=float(np.deg2rad(15.0)), outer_cone=float(outer))
    cam = make_camera((0.0, -1.4, 1.6), (0.0, 0.0, 0.0))
    spec = SceneSpec(index=0, seed=0, bodies=[_plane()], lights=[light], cameras=[cam], ambient=(0.1, 0.1, 0.1))
    renderer.load(posed_state(spec))
    passes = renderer.render(cam, ("color", "ids", "depth"))
    grey = passes["color"].astype(float).mean(axis=2)
    rows, cols, xy = _plane_points(passes, cam)
    angle = np.arctan(np.linalg.norm(xy, axis=1) / 1.0)
    lit, dark = grey[rows[angle < np.deg2rad(13)], cols[angle < np.deg2rad(13)]], grey[rows[angle > np.deg2rad(22)], cols[angle > np.deg2rad(22)]]
    assert lit.size > 200 and dark.size > 2000
    assert lit.min() > dark.max() + 60
    assert dark.max() - dark.min() <= 2  # outside the cone: the ambient term alone


def _ray_hits_box(points: np.ndarray, light: np.ndarray, centre: np.ndarray, half: np.ndarray) -> np.ndarray:
    """Whether the segment from each point (n, 3) to ``light`` (3,) passes through the box of
    half-sizes ``half`` (3,) around ``centre`` (slab test)."""
    d = light - points
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = (centre - half - points) / d, (centre + half - points) / d
    near = np.nanmax(np.minimum(t1, t2), axis=1)
    far = np.nanmin(np.maximum(t1, t2), axis=1)
    return (near <= far) & (far > 0) & (near < 1)


@pytest.mark.parametrize("kind", ["spot", "point"])
def test_spot_and_point_lights_cast_the_shadow_their_rays_give(renderer, kind):
    height, box_centre, half = 1.0, np.array([0.15, 0.0, 0.15]), np.array([0.04, 0.04, 0.15])  # a post
    light = LightSpec(kind=kind, color=(1.0, 1.0, 1.0), intensity=2.0, pose=translation(0, 0, height),
                      inner_cone=float(np.deg2rad(30.0)), outer_cone=float(np.deg2rad(35.0)))
    cam = make_camera((0.25, -0.9, 1.0), (0.2, 0.0, 0.0))
    box = make_box(2, 2 * half, translation(*box_centre))
    spec = SceneSpec(index=0, seed=0, bodies=[_plane(), box], lights=[light], cameras=[cam], ambient=(0.1, 0.1, 0.1))
    renderer.load(posed_state(spec))
    passes = renderer.render(cam, ("color", "ids", "depth"))
    grey = passes["color"].astype(float).mean(axis=2)
    rows, cols, xy = _plane_points(passes, cam)
    pts = np.c_[xy, np.zeros(len(xy))]
    source = np.array([0.0, 0.0, height])
    near_axis = np.linalg.norm(xy, axis=1) < 0.45  # well inside the cone
    shadowed = _ray_hits_box(pts, source, box_centre, half - 0.01) & near_axis
    lit = ~_ray_hits_box(pts, source, box_centre, half + 0.01) & near_axis
    assert shadowed.sum() > 80 and lit.sum() > 2000
    assert grey[rows[shadowed], cols[shadowed]].max() < grey[rows[lit], cols[lit]].min() - 40


def test_black_body_colours_warm_to_cool():
    ratios = [kelvin_to_rgb(k)[2] / kelvin_to_rgb(k)[0] for k in (2000, 2700, 4000, 5500, 6500, 9000, 15000)]
    assert all(a < b for a, b in zip(ratios, ratios[1:], strict=False))
    assert max(kelvin_to_rgb(3000)) == 1.0 and kelvin_to_rgb(3000)[2] < 0.3  # candle-warm
    assert np.allclose(kelvin_to_rgb(6500), 1.0, atol=0.07)  # about white


def test_shadows_change_colour_only_in_process(renderer):
    from simgen.config.paths import RECIPE_DIR
    from simgen.randomizers import RecipeContext, build_scene
    from simgen.recipes import load_recipe

    recipe = OmegaConf.to_object(load_recipe(RECIPE_DIR / "tabletop.yaml"))
    spec = build_scene(2, 3, RecipeContext(recipe, WIDTH, HEIGHT))
    renderer.load(posed_state(spec))
    cam = spec.cameras[0]
    on = renderer.render(cam, ("color", "ids", "depth"))
    renderer.shadows = False
    try:
        off = renderer.render(cam, ("color", "ids", "depth"))
    finally:
        renderer.shadows = True
    np.testing.assert_array_equal(on["ids"], off["ids"])
    np.testing.assert_array_equal(on["depth"], off["depth"])
    changed = np.abs(on["color"].astype(int) - off["color"].astype(int)).max(axis=2) > 8
    assert changed.mean() > 0.002  # shadows were drawn: a real difference in the colour image
    assert (on["color"].astype(int).sum() < off["color"].astype(int).sum())  # and they only darken


@pytest.mark.e2e
def test_shadows_on_and_off_write_identical_annotations(tmp_path):
    roots = {}
    for flag in ("true", "false"):
        roots[flag] = tmp_path / f"shadows_{flag}"
        proc = run_simgen("scene=tabletop", "frames=4", "seed=3", "farm.workers=1", f"renderer.shadows={flag}",
                          f"output_dir={roots[flag]}", *SMALL_RUN)
        assert proc.returncode == 0, proc.stderr
    # the labels: COCO files and every per-pixel label layer (depth, object ids, semantic)
    labels = sorted(p.relative_to(roots["true"]) for folder in ("annotations", "layers")
                    for p in (roots["true"] / folder).rglob("*") if p.is_file())
    assert any(p.parts[0] == "annotations" for p in labels) and any(p.parts[0] == "layers" for p in labels)
    for rel in labels:
        a, b = (roots[f] / rel for f in ("true", "false"))
        assert a.read_bytes() == b.read_bytes(), rel
    coco = json.loads((roots["true"] / "annotations" / "instances_train.json").read_text())
    assert len(coco["annotations"]) > 4  # real objects were labeled
    images = sorted((roots["true"] / "images").rglob("*.png")) + sorted((roots["true"] / "images").rglob("*.jpg"))
    assert images and any(p.read_bytes() != (roots["false"] / p.relative_to(roots["true"])).read_bytes() for p in images)


@pytest.mark.parametrize("override, start", [
    ("renderer.shadow_resolution=16", "renderer.shadow_resolution=16: must lie in 64..8192"),
    ("renderer.shadow_taps=2", "renderer.shadow_taps=2: allowed: 1, 4"),
    ("+scene.lights.kind_weights.lamp=1", "scene.lights.kind_weights.lamp: not a light kind"),
    ("scene.lights.kind_weights={directional:0,point:0,spot:0}", "scene.lights.kind_weights="),
    ("scene.lights.temperature_min_k=500", "scene.lights.temperature_min_k=500"),
    ("scene.lights.spot_cone_max_deg=95", "scene.lights.spot_cone_max_deg=95"),
])
def test_lighting_settings_are_checked_in_one_line(override, start):
    from simgen.core.errors import SimgenError
    from simgen.job import load_job

    register_test_configs()
    with pytest.raises(SimgenError) as info:
        load_job([override])
    assert str(info.value).startswith(start) and "\n" not in str(info.value)
