"""The depth sensor model: what a structured-light or stereo sensor (the Kinect v1 by default)
would measure of the exact z-depth, written as its own layer beside it (never instead).

See :class:`simgen.config.sensor.DepthSensorConfig` for the model and its settings.
"""

from __future__ import annotations

import cv2
import numpy as np

from simgen.config.sensor import DepthSensorConfig


def axial_std(z: np.ndarray | float, cfg: DepthSensorConfig) -> np.ndarray | float:
    """First-order std (metres) of the measured depth at z metres, quantization aside:
    disparity_noise_px / (focal_px x baseline) x z^2 + noise_floor."""
    return cfg.disparity_noise_px / (cfg.focal_px * cfg.baseline) * np.square(z) + cfg.noise_floor


def depth_edges(depth: np.ndarray, threshold: float, width: int) -> np.ndarray:
    """(H, W) bool: pixels whose depth differs from a 4-neighbour's by more than ``threshold``
    x the nearer of the two (a step to no surface counts), widened by ``width`` pixels."""
    edge = np.zeros(depth.shape, bool)
    for a, b, out_a, out_b in ((depth[:, :-1], depth[:, 1:], edge[:, :-1], edge[:, 1:]),
                               (depth[:-1, :], depth[1:, :], edge[:-1, :], edge[1:, :])):
        near = np.where((a > 0) & (b > 0), np.minimum(a, b), np.maximum(a, b))
        step = np.abs(a - b) > threshold * near
        out_a |= step
        out_b |= step
    if width > 0 and edge.any():
        size = 2 * width + 1
        edge = cv2.dilate(edge.view(np.uint8), np.ones((size, size), np.uint8)).astype(bool)
    return edge


def sense_depth(depth: np.ndarray, luminance: np.ndarray, cfg: DepthSensorConfig,
                rng: np.random.Generator) -> np.ndarray:
    """(H, W) float32 measured depth (metres along the optical axis, 0 = no measurement) of the
    exact ``depth`` (H, W) float32 metres, 0 = nothing, and the rendered image's linear
    ``luminance`` (H, W) in [0, 1]."""
    fb = np.float32(cfg.focal_px * cfg.baseline)  # pixel metres: disparity = fb / z
    z = np.asarray(depth, np.float32)
    valid = (z > 0) & (z >= cfg.range_min) & (z <= cfg.range_max)
    disparity = np.where(valid, fb / np.where(valid, z, 1.0), 0.0).astype(np.float32)
    disparity += np.float32(cfg.disparity_noise_px) * rng.standard_normal(z.shape, dtype=np.float32)
    if cfg.disparity_step_px > 0:
        step = np.float32(cfg.disparity_step_px)
        disparity = np.round(disparity / step) * step
    valid &= disparity > 0
    measured = np.where(valid, fb / np.where(valid, disparity, 1.0), 0.0).astype(np.float32)
    if cfg.noise_floor > 0:
        measured += np.float32(cfg.noise_floor) * rng.standard_normal(z.shape, dtype=np.float32)
    drop = ~valid | depth_edges(z, cfg.edge_threshold, cfg.edge_width)
    drop |= (luminance < cfg.dark_luminance) | (luminance > cfg.specular_luminance)
    if cfg.dropout_probability > 0:
        drop |= rng.random(z.shape, dtype=np.float32) < cfg.dropout_probability
    measured[drop | (measured <= 0)] = 0.0
    return measured
