"""Colours of street things, drawn from palettes of what streets show (linear RGB in [0, 1]).

Palettes are written in display values (what a photo shows) and squared here, since the
renderer writes colours with gamma 2.
"""

from __future__ import annotations

import numpy as np

from simgen.core.spec import Material
from simgen.randomizers.materials import colour


def _linear(display) -> np.ndarray:
    return np.asarray(display, float) ** 2


CAR_PAINT = _linear([(0.9, 0.9, 0.9), (0.1, 0.1, 0.11), (0.65, 0.66, 0.68), (0.38, 0.39, 0.41), (0.15, 0.2, 0.4),
                     (0.6, 0.1, 0.1), (0.2, 0.35, 0.6), (0.2, 0.35, 0.25), (0.65, 0.58, 0.45), (0.9, 0.75, 0.2),
                     (0.85, 0.4, 0.1), (0.1, 0.45, 0.45), (0.35, 0.22, 0.15), (0.35, 0.2, 0.4), (0.5, 0.55, 0.3)])
CAR_WEIGHTS = np.array([5, 5, 4, 4, 2, 2, 2, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.3, 0.3])
BUS_PAINT = _linear([(0.95, 0.8, 0.2), (0.8, 0.15, 0.15), (0.9, 0.9, 0.9), (0.2, 0.4, 0.7), (0.3, 0.6, 0.35)])
WALLS = _linear([(0.85, 0.78, 0.62), (0.75, 0.75, 0.73), (0.62, 0.32, 0.24), (0.9, 0.9, 0.87), (0.9, 0.82, 0.56),
                 (0.45, 0.45, 0.47), (0.85, 0.62, 0.52), (0.58, 0.64, 0.7)])
COATS = _linear([(0.45, 0.3, 0.18), (0.6, 0.45, 0.3), (0.15, 0.12, 0.1), (0.8, 0.75, 0.65), (0.5, 0.5, 0.48)])
JEANS = _linear([(0.2, 0.25, 0.4), (0.12, 0.12, 0.14), (0.4, 0.38, 0.33), (0.25, 0.3, 0.5)])

SCENERY = Material(base_color=(1.0, 1.0, 1.0, 1.0), metallic=0.0, roughness=0.95)


def _pick(rng: np.random.Generator, palette: np.ndarray, weights=None) -> np.ndarray:
    p = None if weights is None else np.asarray(weights, float) / np.sum(weights)
    return palette[int(rng.choice(len(palette), p=p))]


def _hsv(rng: np.random.Generator, s=(0.2, 0.8), v=(0.25, 0.9)) -> np.ndarray:
    return _linear(colour(rng, s, v))


def look(rng: np.random.Generator, shape: str) -> tuple[float, ...]:
    """The colour (or variant) parameters a road-user builder takes after its dimensions."""
    if shape in ("car", "van"):
        return tuple(_pick(rng, CAR_PAINT, CAR_WEIGHTS))
    if shape == "truck":
        return tuple(_pick(rng, np.vstack([CAR_PAINT, BUS_PAINT])))
    if shape == "bus":
        return tuple(_pick(rng, BUS_PAINT))
    if shape == "pedestrian":
        return (*_hsv(rng), *_pick(rng, JEANS), float(rng.uniform(0.2, 1.0)))
    if shape == "cyclist":
        return (*_hsv(rng, v=(0.2, 0.8)), *_hsv(rng))
    if shape == "traffic_sign":
        return (float(rng.integers(0, 5)),)
    if shape == "traffic_light":
        return (float(rng.integers(0, 3)),)
    if shape == "animal":
        return tuple(_pick(rng, COATS))
    if shape in ("debris", "cargo"):
        return tuple(_hsv(rng, s=(0.1, 0.5), v=(0.3, 0.7)))
    return ()


def road_user_material(rng: np.random.Generator, shape: str) -> Material:
    """White base (the mesh's face colours carry the look); vehicles get a glossy finish."""
    glossy = shape in ("car", "van", "truck", "bus")
    return Material(base_color=(1.0, 1.0, 1.0, 1.0), metallic=float(rng.uniform(0.0, 0.3)) if glossy else 0.0,
                    roughness=float(rng.uniform(0.3, 0.55)) if glossy else 0.85)


def wall(rng: np.random.Generator) -> np.ndarray:
    return _pick(rng, WALLS) * rng.uniform(0.85, 1.05)


def dims(rng: np.random.Generator, lo, hi) -> tuple[float, ...]:
    """Dimensions between ``lo`` and ``hi`` that grow together (a long car is also wide)."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    t = np.clip(rng.uniform() + rng.normal(0.0, 0.15, size=len(lo)), 0.0, 1.0)
    return tuple(float(v) for v in lo + (hi - lo) * t)
