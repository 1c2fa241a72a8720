"""Settings of the LiDAR (``lidar=none|hdl64|os128``, simgen/conf/lidar/): a spinning
multi-beam scanner that rides with each frame's first camera.

The scan pattern: every beam (one elevation each) fires once per column, the columns
``azimuth_resolution_deg`` apart over a full turn. Returns nearer than ``range_min`` or farther
than ``range_max`` metres are lost. With ``sweep_time`` > 0 a turn takes that many seconds and,
in a sequence, each column sees the scene at its own firing time (a rolling sweep); 0 sees the
whole turn at the frame's instant. The sensor model (``range_noise_std``, ``dropout_probability``,
``min_intensity``) draws from the scene's LiDAR stream (:func:`simgen.core.seeding.lidar_rng`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simgen.core.errors import require

NONE = "none"  # the name of "no LiDAR": configs without one hash and write as before it existed


def _kitti_mount() -> list[float]:
    return [-0.27, 0.0, 0.08]


@dataclass
class LidarConfig:
    """A spinning LiDAR. ``name``: ``none`` (no LiDAR) or the preset's name.

    Beams: ``elevations_deg`` (each beam's elevation above the horizontal, degrees), or when it
    is empty ``beams`` evenly spaced from ``elevation_max_deg`` down to ``elevation_min_deg``.
    ``mount`` (x forward, y left, z up, metres): where the LiDAR sits from the frame's first
    camera, in that camera's level heading frame (KITTI's Velodyne is 0.27 m behind and 0.08 m
    above its colour camera). Sensor model: Gaussian range noise of ``range_noise_std`` metres
    along each ray, each return lost with ``dropout_probability``, and returns whose intensity
    (0..1, from the material and the angle of incidence) is below ``min_intensity`` lost
    (dark or grazing surfaces). ``sweep_slices``: a rolling sweep is cast in this many azimuth
    sectors, each at its own time."""

    name: str = NONE
    elevations_deg: list[float] = field(default_factory=list)
    beams: int = 64
    elevation_min_deg: float = -24.8
    elevation_max_deg: float = 2.0
    azimuth_resolution_deg: float = 0.18
    range_min: float = 0.9
    range_max: float = 120.0
    sweep_time: float = 0.0
    sweep_slices: int = 36
    mount: list[float] = field(default_factory=_kitti_mount)
    range_noise_std: float = 0.0
    dropout_probability: float = 0.0
    min_intensity: float = 0.0

    @property
    def enabled(self) -> bool:
        return self.name != NONE

    def check(self) -> None:
        """Raise ConfigError (one line naming the ``lidar.`` key) on a value outside its range."""
        if not self.enabled:
            return
        for k, e in enumerate(self.elevations_deg):
            require(-90.0 <= e <= 90.0, f"lidar.elevations_deg[{k}]", e, "must lie in [-90, 90] degrees")
        if not self.elevations_deg:
            require(1 <= self.beams <= 1024, "lidar.beams", self.beams, "must lie in 1..1024 beams")
            require(-90.0 <= self.elevation_min_deg <= self.elevation_max_deg <= 90.0, "lidar.elevation_min_deg",
                    self.elevation_min_deg, f"must lie in [-90, lidar.elevation_max_deg={self.elevation_max_deg}] degrees")
        require(0.01 <= self.azimuth_resolution_deg <= 90.0, "lidar.azimuth_resolution_deg",
                self.azimuth_resolution_deg, "must lie in [0.01, 90] degrees")
        require(0.0 <= self.range_min < self.range_max, "lidar.range_min", self.range_min,
                f"must lie in [0, lidar.range_max={self.range_max}) metres")
        require(self.range_max <= 1000.0, "lidar.range_max", self.range_max, "must be at most 1000 metres")
        require(0.0 <= self.sweep_time <= 1.0, "lidar.sweep_time", self.sweep_time, "must lie in [0, 1] seconds")
        require(1 <= self.sweep_slices <= 3600, "lidar.sweep_slices", self.sweep_slices, "must lie in 1..3600")
        require(len(self.mount) == 3, "lidar.mount", list(self.mount), "must be [x, y, z] metres")
        require(self.range_noise_std >= 0.0, "lidar.range_noise_std", self.range_noise_std, "must be >= 0 metres")
        require(0.0 <= self.dropout_probability <= 1.0, "lidar.dropout_probability", self.dropout_probability,
                "must lie in [0, 1]")
        require(0.0 <= self.min_intensity <= 1.0, "lidar.min_intensity", self.min_intensity, "must lie in [0, 1]")
