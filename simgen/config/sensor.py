"""Settings of the image stage (:mod:`simgen.sensor`): the camera and sensor model applied to
every colour image after it is drawn, and the optional depth sensor model.

Each camera effect is applied to a view with its ``probability``; its parameters are drawn per
view, uniformly between their ``_min`` and ``_max``, from the scene's appearance stream
(:func:`simgen.core.seeding.looks_rng`), so they never move a body or change a label. The group
``sensor=off|mild|strong`` (simgen/conf/sensor/) picks a set; every key stays overridable.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ExposureConfig:
    """Exposure error in stops: linear light is multiplied by ``2 ** stops``."""

    probability: float = 0.0
    stops_min: float = 0.0
    stops_max: float = 0.0


@dataclass
class WhiteBalanceConfig:
    """White-balance error: red and blue gains relative to green (1 = neutral), in linear light."""

    probability: float = 0.0
    red_gain_min: float = 1.0
    red_gain_max: float = 1.0
    blue_gain_min: float = 1.0
    blue_gain_max: float = 1.0


@dataclass
class GammaConfig:
    """Tone curve: the sRGB-encoded value v (0..1) becomes ``v ** (1 / gamma)`` (1 = unchanged,
    above 1 brighter mid-tones, below 1 darker)."""

    probability: float = 0.0
    gamma_min: float = 1.0
    gamma_max: float = 1.0


@dataclass
class NoiseConfig:
    """Sensor noise in linear light, in *linear levels*: the linear value x 255 (the signal an
    8-bit linear sensor would read). Shot noise (with ``shot``) is Poisson in electrons: a pixel
    of s levels collects s x ``electrons_per_level`` electrons, so its variance is
    s / electrons_per_level levels^2 (fewer electrons per level = a higher ISO, noisier).
    Read noise is Gaussian with standard deviation ``read_std`` levels, independent of the signal."""

    probability: float = 0.0
    read_std_min: float = 0.0
    read_std_max: float = 0.0
    shot: bool = True
    electrons_per_level_min: float = 40.0
    electrons_per_level_max: float = 40.0


@dataclass
class DefocusConfig:
    """Defocus blur: a disk (pillbox) kernel of ``radius`` pixels, in linear light."""

    probability: float = 0.0
    radius_min: float = 0.0
    radius_max: float = 0.0


@dataclass
class MotionBlurConfig:
    """Motion blur: a line kernel ``length`` pixels long in a direction drawn in
    ``angle_min_deg``..``angle_max_deg`` (0 = horizontal, counter-clockwise). With
    ``sequences_only`` it acts only on jobs whose scenes move (sequence.length > 1)."""

    probability: float = 0.0
    length_min: float = 0.0
    length_max: float = 0.0
    angle_min_deg: float = 0.0
    angle_max_deg: float = 180.0
    sequences_only: bool = True


@dataclass
class VignettingConfig:
    """Vignetting: light falls off as ``1 - strength * (r / r_corner) ** 2`` (``strength`` is
    the share of light lost in the corners)."""

    probability: float = 0.0
    strength_min: float = 0.0
    strength_max: float = 0.0


@dataclass
class ChromaticAberrationConfig:
    """Lateral chromatic aberration: red is magnified and blue shrunk about the image centre so
    that each lies ``shift`` pixels from green in the corners (green stays put)."""

    probability: float = 0.0
    shift_min: float = 0.0
    shift_max: float = 0.0


@dataclass
class JpegConfig:
    """JPEG re-compression (encoded and decoded again) at a quality in range (1..100); the
    dataset's own file format stays ``export.image_format``."""

    probability: float = 0.0
    quality_min: int = 95
    quality_max: int = 95


@dataclass
class DepthSensorConfig:
    """The ``depth_sensor`` layer (written beside the exact depth when ``export.layers`` names
    it): a structured-light / stereo sensor in the manner of the Kinect v1 (defaults: baseline
    7.5 cm, focal length 580 px, disparity in 1/8 px steps, 0.4..4.5 m).

    Depth z (metres, along the optical axis) becomes disparity d = f B / z (pixels), gets
    Gaussian noise of ``disparity_noise_px`` and is rounded to ``disparity_step_px`` (0: not
    quantized); back in depth, Gaussian noise of ``noise_floor`` metres is added. To first
    order the axial noise is std(z) = disparity_noise_px / (f B) x z^2 + noise_floor. A pixel
    reads 0 (no measurement) when: nothing is there; z is outside ``range_min``..``range_max``;
    it lies on a depth edge (a 4-neighbour differs by more than ``edge_threshold`` x z),
    widened by ``edge_width`` pixels; its rendered luminance (linear, 0..1) is below
    ``dark_luminance`` (too dark to see the pattern) or above ``specular_luminance``
    (a saturated highlight); or, at random, with ``dropout_probability``."""

    baseline: float = 0.075
    focal_px: float = 580.0
    disparity_noise_px: float = 0.07
    disparity_step_px: float = 0.125
    noise_floor: float = 0.0
    range_min: float = 0.4
    range_max: float = 4.5
    edge_threshold: float = 0.04
    edge_width: int = 1
    dark_luminance: float = 0.02
    specular_luminance: float = 0.98
    dropout_probability: float = 0.0


@dataclass
class SensorConfig:
    """The camera and sensor model (applied in this order, in linear light unless said):
    defocus, motion blur, chromatic aberration, vignetting, exposure, noise, white balance,
    sRGB encoding, gamma, JPEG. Fog and rain (from the scene's atmosphere) come before all of
    them. ``depth``: the depth sensor model of the ``depth_sensor`` layer."""

    exposure: ExposureConfig = field(default_factory=ExposureConfig)
    white_balance: WhiteBalanceConfig = field(default_factory=WhiteBalanceConfig)
    gamma: GammaConfig = field(default_factory=GammaConfig)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    defocus: DefocusConfig = field(default_factory=DefocusConfig)
    motion_blur: MotionBlurConfig = field(default_factory=MotionBlurConfig)
    vignetting: VignettingConfig = field(default_factory=VignettingConfig)
    chromatic_aberration: ChromaticAberrationConfig = field(default_factory=ChromaticAberrationConfig)
    jpeg: JpegConfig = field(default_factory=JpegConfig)
    depth: DepthSensorConfig = field(default_factory=DepthSensorConfig)
