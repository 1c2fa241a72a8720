"""The camera effects of one view, drawn from the scene's appearance stream.

Each effect has its own generator, ``looks_rng(seed, scene_index, SENSOR_KEY, view, k)`` with
``k`` its place in :data:`EFFECTS`, so changing one effect's settings never changes what another
draws; the noise field, the rain and the depth sensor draw from streams of their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from simgen.config.sensor import SensorConfig
from simgen.core.seeding import looks_rng

SENSOR_KEY = 0x5E450  # spawn key of the image stage within a scene's appearance stream
EFFECTS = ("exposure", "white_balance", "gamma", "noise", "defocus", "motion_blur", "vignetting",
           "chromatic_aberration", "jpeg")  # append new effects: a place is a stream
NOISE_FIELD, RAIN, DEPTH_SENSOR = 100, 101, 102  # stream keys of the per-pixel draws


def view_rng(seed: int, scene_index: int, view: int, key: int) -> np.random.Generator:
    """The image stage's generator ``key`` for view ``view`` of scene ``scene_index``."""
    return looks_rng(seed, scene_index, SENSOR_KEY, view, key)


@dataclass(frozen=True)
class Look:
    """The effects drawn for one view; None = not applied. Units as in SensorConfig."""

    exposure_stops: float | None = None
    wb_gains: tuple[float, float, float] | None = None
    gamma: float | None = None
    noise: tuple[float, float | None] | None = None  # (read std, electrons per level or None)
    defocus_radius: float | None = None
    motion: tuple[float, float] | None = None  # (length px, angle radians)
    vignetting: float | None = None
    ca_shift: float | None = None
    jpeg_quality: int | None = None

    @property
    def linear(self) -> bool:
        """Whether any effect acts on linear light (the image is decoded for it)."""
        return any(v is not None for v in (self.exposure_stops, self.wb_gains, self.noise, self.defocus_radius,
                                           self.motion, self.vignetting, self.ca_shift))

    @property
    def any(self) -> bool:
        return self.linear or self.gamma is not None or self.jpeg_quality is not None


def might_apply(cfg: SensorConfig, moving: bool) -> bool:
    """Whether any camera effect can be drawn at all (a probability above 0)."""
    return any(getattr(cfg, name).probability > 0 for name in EFFECTS
               if name != "motion_blur" or moving or not cfg.motion_blur.sequences_only)


def draw_look(cfg: SensorConfig, seed: int, scene_index: int, view: int, moving: bool) -> Look:
    """The effects of view ``view`` of scene ``scene_index``. ``moving``: the job's scenes move
    (sequence.length > 1), which motion blur with ``sequences_only`` needs."""
    drawn: dict = {}
    for k, name in enumerate(EFFECTS):
        c = getattr(cfg, name)
        if c.probability <= 0 or (name == "motion_blur" and c.sequences_only and not moving):
            continue
        rng = view_rng(seed, scene_index, view, k + 1)
        if rng.random() >= c.probability:
            continue
        drawn[name] = _draw(name, c, rng)
    return Look(**{_FIELD[name]: value for name, value in drawn.items()})


REFERENCE_PIXELS = 640 * 480  # the image size the sensor settings' pixel sizes are meant for


def at_resolution(look: Look, width: int, height: int) -> Look:
    """``look`` for a (width, height) image: blur radii, blur lengths, colour shifts and noise
    are set in pixels of a 640x480 image, and the same 3 px blur or read noise made a 320x240
    image unreadable. Lengths scale with the image's linear size ``s``; noise as if pixels were
    binned: read noise by ``s``, electrons per level by ``1 / s^2`` (shot noise by ``s``).
    At 640x480 the look is returned as it is, so those images stay byte-identical."""
    s = math.sqrt(width * height / REFERENCE_PIXELS)
    if s == 1.0 or not look.linear:
        return look
    noise = None if look.noise is None else (look.noise[0] * s, None if look.noise[1] is None else look.noise[1] / s**2)
    return replace(look, noise=noise,
                   defocus_radius=None if look.defocus_radius is None else look.defocus_radius * s,
                   motion=None if look.motion is None else (look.motion[0] * s, look.motion[1]),
                   ca_shift=None if look.ca_shift is None else look.ca_shift * s)


_FIELD = {"exposure": "exposure_stops", "white_balance": "wb_gains", "gamma": "gamma", "noise": "noise",
          "defocus": "defocus_radius", "motion_blur": "motion", "vignetting": "vignetting",
          "chromatic_aberration": "ca_shift", "jpeg": "jpeg_quality"}


def _draw(name: str, c, rng: np.random.Generator):
    u = rng.uniform
    if name == "exposure":
        return float(u(c.stops_min, c.stops_max))
    if name == "white_balance":
        return (float(u(c.red_gain_min, c.red_gain_max)), 1.0, float(u(c.blue_gain_min, c.blue_gain_max)))
    if name == "gamma":
        return float(u(c.gamma_min, c.gamma_max))
    if name == "noise":
        read = float(u(c.read_std_min, c.read_std_max))
        electrons = float(u(c.electrons_per_level_min, c.electrons_per_level_max))
        return read, electrons if c.shot else None
    if name == "defocus":
        return float(u(c.radius_min, c.radius_max))
    if name == "motion_blur":
        return float(u(c.length_min, c.length_max)), math.radians(float(u(c.angle_min_deg, c.angle_max_deg)))
    if name == "vignetting":
        return float(u(c.strength_min, c.strength_max))
    if name == "chromatic_aberration":
        return float(u(c.shift_min, c.shift_max))
    if name == "jpeg":
        return int(rng.integers(c.quality_min, c.quality_max + 1))
    raise KeyError(name)
