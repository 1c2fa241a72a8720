"""The scan pattern of a spinning multi-beam LiDAR: which directions it fires, in what order.

LiDAR frame (KITTI's Velodyne axes): x forward, y left, z up, metres. The head turns clockwise
seen from above (azimuth, counter-clockwise from x, decreasing), starting behind the car, so it
looks forward half way through the turn: that column fires at the frame's instant, as KITTI's
camera is triggered when its Velodyne faces forward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.config.lidar import LidarConfig


@dataclass(frozen=True)
class ScanPattern:
    """Every ray of one turn, column by column (all beams of a column, then the next column).

    ``directions`` (n, 3) float64 unit vectors in the LiDAR frame; ``beam`` (n,) int beam index
    (0 = highest); ``column`` (n,) int; ``phase`` (n,) float in [0, 1): the share of the turn
    done when the ray fires (0.5: facing forward); ``columns`` per turn."""

    directions: np.ndarray
    beam: np.ndarray
    column: np.ndarray
    phase: np.ndarray
    columns: int

    def __len__(self) -> int:
        return len(self.directions)


def elevations_deg(cfg: LidarConfig) -> np.ndarray:
    """Each beam's elevation (beams,) degrees, highest first."""
    if cfg.elevations_deg:
        return np.sort(np.asarray(cfg.elevations_deg, float))[::-1]
    return np.linspace(cfg.elevation_max_deg, cfg.elevation_min_deg, int(cfg.beams))


def scan_pattern(cfg: LidarConfig) -> ScanPattern:
    """The rays of one turn of ``cfg``'s LiDAR (columns = round(360 / azimuth resolution))."""
    columns = max(1, int(round(360.0 / cfg.azimuth_resolution_deg)))
    elevation = np.deg2rad(elevations_deg(cfg))
    phase_of_column = np.arange(columns) / columns
    azimuth = np.pi - 2.0 * np.pi * phase_of_column  # from behind, clockwise: forward at phase 0.5
    col, beam = np.meshgrid(np.arange(columns), np.arange(len(elevation)), indexing="ij")
    col, beam = col.ravel(), beam.ravel()
    e, a = elevation[beam], azimuth[col]
    directions = np.stack([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)], axis=-1)
    return ScanPattern(directions=directions, beam=beam, column=col, phase=phase_of_column[col], columns=columns)
