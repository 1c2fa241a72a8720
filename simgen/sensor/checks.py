"""Value checks of the ``sensor`` settings: each failure is one ConfigError line naming the
setting, its value and what is allowed (the rules of simgen.config.ranges)."""

from __future__ import annotations

from simgen.config import sensor as s
from simgen.config.ranges import SHARE, Range, check_ranges
from simgen.core.errors import ConfigError

PX = Range(0, 100, unit="pixels")
GAIN = Range(0, 10, open_lo=True, unit="(a gain)")
METRES = Range(0, 1000, unit="metres")

RULES: dict[type, dict[str, Range]] = {
    s.ExposureConfig: {"probability": SHARE, "stops_min": Range(-10, 10, unit="stops"),
                       "stops_max": Range(-10, 10, unit="stops")},
    s.WhiteBalanceConfig: {"probability": SHARE, "red_gain_min": GAIN, "red_gain_max": GAIN,
                           "blue_gain_min": GAIN, "blue_gain_max": GAIN},
    s.GammaConfig: {"probability": SHARE, "gamma_min": Range(0.1, 10), "gamma_max": Range(0.1, 10)},
    s.NoiseConfig: {"probability": SHARE, "read_std_min": Range(0, 255, unit="linear levels"),
                    "read_std_max": Range(0, 255, unit="linear levels"),
                    "electrons_per_level_min": Range(0, 1e6, open_lo=True, unit="electrons per level"),
                    "electrons_per_level_max": Range(0, 1e6, open_lo=True, unit="electrons per level")},
    s.DefocusConfig: {"probability": SHARE, "radius_min": PX, "radius_max": PX},
    s.MotionBlurConfig: {"probability": SHARE, "length_min": PX, "length_max": PX,
                         "angle_min_deg": Range(-360, 360, unit="degrees"),
                         "angle_max_deg": Range(-360, 360, unit="degrees")},
    s.VignettingConfig: {"probability": SHARE, "strength_min": SHARE, "strength_max": SHARE},
    s.ChromaticAberrationConfig: {"probability": SHARE, "shift_min": Range(0, 20, unit="pixels"),
                                  "shift_max": Range(0, 20, unit="pixels")},
    s.JpegConfig: {"probability": SHARE, "quality_min": Range(1, 100), "quality_max": Range(1, 100)},
    s.DepthSensorConfig: {"baseline": Range(0, 10, open_lo=True, unit="metres"),
                          "focal_px": Range(0, 1e5, open_lo=True, unit="pixels"),
                          "disparity_noise_px": Range(0, 100, unit="pixels"),
                          "disparity_step_px": Range(0, 100, unit="pixels (0: not quantized)"),
                          "noise_floor": METRES, "range_min": METRES, "range_max": Range(0, 1e5, open_lo=True, unit="metres"),
                          "edge_threshold": Range(0, open_lo=True, unit="(a share of the depth)"),
                          "edge_width": Range(0, 50, unit="pixels"), "dark_luminance": SHARE,
                          "specular_luminance": SHARE, "dropout_probability": SHARE},
}


def check_sensor(cfg: s.SensorConfig) -> None:
    """Raise ConfigError for the first ``sensor.*`` value out of range (or a minimum above its
    maximum)."""
    check_ranges(cfg, "sensor", RULES)
    d = cfg.depth
    if d.dark_luminance >= d.specular_luminance:
        raise ConfigError(f"sensor.depth.specular_luminance={d.specular_luminance!r}: must be > "
                          f"sensor.depth.dark_luminance ({d.dark_luminance!r})")
