"""The image stage (simgen.sensor): camera and sensor effects, fog and rain, the depth sensor
model, their settings, and that labels never change with them."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from simgen.config.sensor import DepthSensorConfig, SensorConfig
from simgen.core.errors import ConfigError
from simgen.core.spec import Atmosphere
from simgen.sensor import atmosphere, camera
from simgen.sensor.color import linear_to_srgb_value, to_linear
from simgen.sensor.depth import axial_std, sense_depth
from simgen.sensor.look import Look, draw_look
from simgen.sensor.stage import develop

H, W = 480, 640


def grey(level: int, h: int = H, w: int = W) -> np.ndarray:
    return np.full((h, w, 3), level, np.uint8)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def linear_levels(rgb: np.ndarray) -> np.ndarray:
    """An 8-bit sRGB image back in linear levels (value x 255), float64."""
    return to_linear(rgb).astype(np.float64) * 255.0


@pytest.mark.parametrize("read_std", [2.0, 5.0])
def test_read_noise_on_flat_grey_has_the_configured_std(read_std):
    image = grey(128)
    out = develop(image, Look(noise=(read_std, None)), rng(1))
    measured = linear_levels(out).std()
    assert measured == pytest.approx(read_std, rel=0.10)
    assert linear_levels(out).mean() == pytest.approx(linear_levels(image).mean(), abs=0.1)


def test_shot_noise_variance_grows_in_proportion_to_the_signal():
    e = 2.0  # electrons per linear level: a very high ISO
    variances = {}
    for signal in (10.0, 40.0, 160.0):  # linear levels; 20 electrons at the first: exact Poisson draws
        flat = np.full((H, W, 3), signal / 255.0, np.float32)
        noisy = camera.add_noise(flat, 0.0, e, rng(int(signal))) * 255.0
        variances[signal] = noisy.var()
        assert noisy.mean() == pytest.approx(signal, rel=0.01)
        assert variances[signal] == pytest.approx(signal / e, rel=0.10)  # var = s / electrons_per_level
    assert variances[160.0] / variances[10.0] == pytest.approx(16.0, rel=0.10)


def test_read_and_shot_noise_add_their_variances():
    flat = np.full((H, W, 3), 60.0 / 255.0, np.float32)
    noisy = camera.add_noise(flat, 3.0, 10.0, rng(2)) * 255.0
    assert noisy.var() == pytest.approx(60.0 / 10.0 + 9.0, rel=0.10)


def test_blur_kernels_keep_light_and_have_their_extent():
    disk = camera.disk_kernel(2.0)
    assert disk.sum() == pytest.approx(1.0) and disk.shape == (5, 5)
    assert disk[0, 2] > 0 and disk[0, 0] == 0  # the corner cell lies outside r = 2, an edge cell partly in
    line = camera.line_kernel(8.0, 0.0)
    assert line.sum() == pytest.approx(1.0)
    rows = np.nonzero(line.sum(axis=1))[0]
    assert len(rows) <= 2  # horizontal: one row (two at most, by the splat)
    vertical = camera.line_kernel(8.0, np.pi / 2)
    assert np.allclose(vertical, line.T, atol=1e-6)


def test_defocus_and_motion_blur_spread_a_point_and_keep_the_mean():
    image = np.zeros((64, 64, 3), np.float32)
    image[32, 32] = 1.0
    blurred = camera.defocus(image, 3.0)
    assert blurred.sum() == pytest.approx(3.0, rel=1e-4) and blurred[32, 32, 0] < 0.1
    assert blurred[32, 35, 0] > 0 and blurred[32, 37, 0] == 0  # inside and outside the disk
    streak = camera.motion_blur(image, 10.0, 0.0)[..., 0]
    assert streak[32, 27:38].sum() == pytest.approx(1.0, rel=1e-4)  # all of it along the row


def test_jpeg_changes_pixels_of_a_textured_image():
    image = np.random.default_rng(3).integers(0, 256, (H, W, 3), dtype=np.uint8)
    out = develop(image, Look(jpeg_quality=50))
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.mean(out != image) > 0.5


def test_vignetting_darkens_the_corners_by_its_strength():
    flat = np.full((H, W, 3), 0.5, np.float32)
    out = camera.vignette(flat, 0.3)
    assert out[H // 2, W // 2, 0] == pytest.approx(0.5, rel=1e-3)
    assert out[0, 0, 0] == pytest.approx(0.5 * 0.7, rel=1e-3)


def test_exposure_and_white_balance_scale_linear_light():
    flat = np.full((8, 8, 3), 0.2, np.float32)
    assert camera.expose(flat, 1.0)[0, 0, 0] == pytest.approx(0.4)
    assert np.allclose(camera.white_balance(flat, (1.1, 1.0, 0.9))[0, 0], [0.22, 0.2, 0.18])


def test_chromatic_aberration_moves_red_out_and_blue_in_at_the_corner():
    image = np.zeros((H, W, 3), np.float32)
    image[40:60, 40:60] = 1.0  # a white square near the top-left corner
    out = camera.chromatic_aberration(image, 2.0)

    def left_edge(channel):
        return np.argmax(out[50, :, channel] > 0.5)

    assert left_edge(0) < left_edge(1) < left_edge(2)  # red pushed outwards, blue inwards
    assert left_edge(1) == 40  # green stays put


def test_gamma_brightens_mid_tones_only():
    out = develop(grey(128, 4, 4), Look(gamma=1.25))
    assert out[0, 0, 0] > 128
    assert develop(grey(255, 4, 4), Look(gamma=1.25))[0, 0, 0] == 255
    assert develop(grey(0, 4, 4), Look(gamma=1.25))[0, 0, 0] == 0


def test_an_image_nothing_acts_on_is_returned_unchanged():
    image = np.random.default_rng(4).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    assert develop(image, Look()) is image


def _fog_view(z: float, density: float, color=(0.8, 0.8, 0.8)):
    depth = np.full((16, 16), z, np.float32)
    K = np.array([[100.0, 0, 8], [0, 100.0, 8], [0, 0, 1]])
    return develop(grey(40, 16, 16), Look(), depth=depth, K=K, air=Atmosphere(fog_density=density, fog_color=color))


def test_fog_moves_a_surface_monotonically_towards_the_fog_colour_with_distance():
    color = (0.8, 0.75, 0.7)
    target = np.round(linear_to_srgb_value(np.array(color)) * 255.0)
    gaps = [np.abs(_fog_view(z, 0.05, color)[8, 8].astype(float) - target).sum() for z in (0.5, 2, 5, 10, 20, 40, 80)]
    assert all(a > b for a, b in zip(gaps, gaps[1:], strict=False)), gaps
    assert gaps[-1] <= 9  # at 80 m in fog of 0.05/m (1.8 % left): within 3 levels a channel


def test_fog_follows_the_ray_and_fills_the_background():
    K = np.array([[100.0, 0, 50], [0, 100.0, 50], [0, 0, 1]])
    depth = np.full((100, 100), 10.0, np.float32)
    depth[:10, :10] = 0.0  # no surface: the sky
    lin = np.full((100, 100, 3), 0.1, np.float32)
    out = atmosphere.fog(lin, depth, K, 0.1, (0.9, 0.9, 0.9))
    assert np.allclose(out[:10, :10], 0.9)
    centre = 0.9 + (0.1 - 0.9) * np.exp(-0.1 * 10.0 * np.sqrt(1 + (0.5 / 100) ** 2 * 2))
    assert out[50, 50, 0] == pytest.approx(centre, abs=1e-5)
    assert out[99, 99, 0] > out[50, 50, 0]  # same z, longer ray at the corner: more fog


def test_rain_draws_streaks_from_its_generator():
    lin = np.full((H, W, 3), 0.1, np.float32)
    a = atmosphere.rain(lin, 0.8, rng(5))
    assert np.array_equal(a, atmosphere.rain(lin, 0.8, rng(5)))
    changed = np.any(np.abs(a - lin) > 1e-3, axis=-1)
    assert 0.005 < changed.mean() < 0.3  # thin streaks, not a veil
    assert (a >= lin - 1e-6).all()  # lit drops brighten a dark scene
    assert not np.array_equal(a, atmosphere.rain(lin, 0.8, rng(6)))


def _plane(z: float, h: int = 200, w: int = 200) -> np.ndarray:
    return np.full((h, w), z, np.float32)


def test_depth_sensor_noise_follows_the_z_squared_law():
    cfg = DepthSensorConfig(disparity_step_px=0.0, range_max=10.0)
    lum = np.full((200, 200), 0.5, np.float32)
    stds = {}
    for z in (1.0, 3.0):
        exact = _plane(z)
        sensed = sense_depth(exact, lum, cfg, rng(int(z * 10)))
        inner = sensed[1:-1, 1:-1]  # a flat plane has no edges: every pixel measures
        assert (inner > 0).all()
        assert np.array_equal(exact, _plane(z))  # the exact depth is left as it was
        stds[z] = float(inner.std())  # a Python float: pytest 9.2 refuses a numpy float32 tolerance
        assert stds[z] == pytest.approx(axial_std(z, cfg), rel=0.15)
        assert inner.mean() == pytest.approx(z, abs=3 * stds[z] / 100)
    assert stds[3.0] / stds[1.0] == pytest.approx(9.0, rel=0.15)


def test_depth_sensor_quantizes_disparity_and_drops_edges_dark_and_bright_pixels():
    cfg = DepthSensorConfig(disparity_noise_px=0.0)
    fb = cfg.focal_px * cfg.baseline
    depth = _plane(1.234, 60, 60)
    depth[:, 30:] = 2.0  # a step of 0.77 m at column 30
    depth[:5] = 0.0  # nothing there
    lum = np.full((60, 60), 0.5, np.float32)
    lum[50:, :10] = 0.001  # black cloth
    lum[50:, 50:] = 1.0  # a saturated highlight
    sensed = sense_depth(depth, lum, cfg, rng(7))
    valid = sensed > 0
    steps = fb / sensed[valid] / cfg.disparity_step_px
    assert np.allclose(steps, np.round(steps), atol=1e-3)  # disparity on the 1/8 px grid
    assert not valid[:, 28:32].any() and valid[20, 20] and valid[20, 40]  # edge dropped, widened by 1 px
    assert not valid[:6].any()  # no surface (and its edge)
    assert not valid[50:, :10].any() and not valid[50:, 52:].any()
    assert abs(sensed[20, 20] - 1.234) < 1.234**2 * cfg.disparity_step_px / fb  # within a step


def test_camera_effects_draw_from_their_own_streams():
    strong = SensorConfig()
    for name in ("exposure", "noise", "jpeg"):
        getattr(strong, name).probability = 1.0
    strong.exposure.stops_min, strong.exposure.stops_max = -1.0, 1.0
    strong.jpeg.quality_min, strong.jpeg.quality_max = 40, 90
    a = draw_look(strong, 3, 7, 1, moving=False)
    assert a == draw_look(strong, 3, 7, 1, moving=False)
    assert a != draw_look(strong, 3, 7, 2, moving=False)  # another view, another draw
    fewer = replace(strong, jpeg=replace(strong.jpeg, probability=0.0))
    b = draw_look(fewer, 3, 7, 1, moving=False)
    assert b.jpeg_quality is None and b.exposure_stops == a.exposure_stops  # others unchanged
    strong.motion_blur.probability, strong.motion_blur.length_max = 1.0, 5.0
    assert draw_look(strong, 3, 7, 1, moving=False).motion is None  # sequences_only: still scenes
    assert draw_look(strong, 3, 7, 1, moving=True).motion is not None


@pytest.mark.parametrize("override, key", [
    ("sensor.noise.read_std_min=-1", "sensor.noise.read_std_min"),
    ("sensor.jpeg.quality_max=101", "sensor.jpeg.quality_max"),
    ("sensor.exposure.probability=1.5", "sensor.exposure.probability"),
    ("sensor.defocus.radius_min=4", "sensor.defocus.radius_max"),
    ("sensor.depth.baseline=0", "sensor.depth.baseline"),
    ("sensor.depth.dark_luminance=0.99", "sensor.depth.specular_luminance"),
])
def test_bad_sensor_settings_are_one_line_errors_naming_the_setting(override, key):
    from helpers import register_test_configs

    from simgen.tools.cli import load_job

    register_test_configs()
    with pytest.raises(ConfigError) as err:
        load_job(["sensor=mild", override])
    message = str(err.value)
    assert message.startswith(f"{key}=") and "\n" not in message


def test_each_sensor_option_loads():
    from helpers import register_test_configs

    from simgen.tools.cli import load_job

    register_test_configs()
    off = load_job(["sensor=off"])[1].sensor
    assert off == SensorConfig()  # every effect's probability 0
    mild, strong = load_job(["sensor=mild"])[1].sensor, load_job(["sensor=strong"])[1].sensor
    assert 0 < mild.noise.read_std_max < strong.noise.read_std_max
    assert mild.jpeg.quality_min > strong.jpeg.quality_min


def _files(root, folder):
    return {p.relative_to(root): p.read_bytes() for p in sorted((root / folder).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def off_and_strong(tmp_path_factory):
    """The same tabletop job with the sensor off, and strong with the depth sensor layer."""
    from helpers import SMALL_RUN, run_simgen

    base = tmp_path_factory.mktemp("sensor")
    common = ["scene=tabletop", "frames=4", "seed=3", *SMALL_RUN]
    off, strong = base / "off", base / "strong"
    proc = run_simgen(*common, "sensor=off", f"output_dir={off}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc = run_simgen(*common, "sensor=strong", "export.layers=[depth,object_ids,semantic,depth_sensor]",
                      "sensor.jpeg.probability=1.0", "sensor.defocus.probability=1.0", f"output_dir={strong}")
    assert proc.returncode == 0, proc.stderr[-2000:]  # the command validated it too
    return off, strong


@pytest.mark.e2e  # runs of the command (the off_and_strong fixture)
def test_strong_sensor_changes_every_image_and_no_label(off_and_strong):
    off, strong = off_and_strong
    for folder in ("layers/depth", "layers/object_ids", "layers/semantic"):
        a, b = _files(off, folder), _files(strong, folder)
        assert a and a == b, folder  # exact depth, ids and semantic maps byte for byte
    docs = {}
    for root in (off, strong):
        docs[root] = {p.name: json.loads(p.read_text()) for p in sorted((root / "annotations").glob("*.json"))}
    assert docs[off].keys() == docs[strong].keys()
    for name, doc in docs[off].items():
        other = docs[strong][name]
        assert doc["annotations"] == other["annotations"]
        assert doc["categories"] == other["categories"]
        assert [{k: v for k, v in img.items() if k != "depth_sensor_file"} for img in other["images"]] == doc["images"]
    images_off, images_strong = _files(off, "images"), _files(strong, "images")
    assert images_off.keys() == images_strong.keys()
    assert all(images_off[k] != images_strong[k] for k in images_off)


@pytest.mark.e2e  # runs of the command (the off_and_strong fixture)
def test_depth_sensor_layer_lies_beside_the_exact_depth(off_and_strong):
    from helpers import load_coco

    from simgen.core.images import read_uint16

    _, strong = off_and_strong
    coco = load_coco(strong)
    info = coco.dataset["info"]["layers"]["depth_sensor"]
    for img in coco.dataset["images"]:
        exact = read_uint16(strong / img["depth_file"]).astype(float) * img["depth_scale"]
        sensed = read_uint16(strong / img["depth_sensor_file"]).astype(float) * info["scale"]
        hit = sensed > 0
        assert not (hit & (exact == 0)).any()
        assert 0.3 < hit.sum() / (exact > 0).sum() < 1.0  # dropouts, but most of the view measured
        err = np.abs(sensed[hit] - exact[hit])
        cfg = DepthSensorConfig()
        bound = 5 * axial_std(exact[hit], cfg) + exact[hit] ** 2 * cfg.disparity_step_px / (cfg.focal_px * cfg.baseline)
        assert (err < bound).mean() > 0.999


def _edge_width(stage, w: int, h: int) -> int:
    """Pixels of a black-to-white vertical edge that the stage's look leaves between 5% and 95%."""
    from types import SimpleNamespace

    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[:, w // 2:] = 255
    arrays = {"color": rgb, "depth": np.ones((h, w), np.float32)}
    out = stage.apply(arrays, SimpleNamespace(K=np.eye(3)), Atmosphere(), 0, 0)["color"]
    row = out[h // 2, :, 1].astype(int)
    return int(((row > 0.05 * 255) & (row < 0.95 * 255)).sum())


def test_pixel_sized_effects_scale_with_the_image_and_640x480_is_untouched():
    from simgen.sensor.look import at_resolution
    from simgen.sensor.stage import ImageStage

    cfg = SensorConfig()
    cfg = replace(cfg, defocus=replace(cfg.defocus, probability=1.0, radius_min=4.0, radius_max=4.0))
    stage = ImageStage(cfg, seed=0, moving=False, depth_layer=False)
    full, small = _edge_width(stage, 640, 480), _edge_width(stage, 320, 240)
    assert full >= 6 and abs(small - full / 2) <= 1, (full, small)  # the same blur relative to the picture
    look = Look(noise=(3.0, 20.0), defocus_radius=2.0, motion=(6.0, 0.5), ca_shift=1.0)
    assert at_resolution(look, 640, 480) is look  # byte-identical at the reference size
    half = at_resolution(look, 320, 240)
    assert (half.noise, half.defocus_radius, half.motion, half.ca_shift) == ((1.5, 80.0), 1.0, (3.0, 0.5), 0.5)
