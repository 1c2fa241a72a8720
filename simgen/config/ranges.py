"""Allowed ranges of every numeric scene setting, and keys the schemas do not know.

:data:`RANGES` gives, per schema dataclass, each numeric field's interval (a list field is
checked value by value). :func:`check_ranges` walks a typed scene and refuses the first value
outside its range, and any pair ``X_min`` / ``X_max`` (or ``min_X`` / ``max_X``) whose minimum
exceeds its maximum. :func:`check_known_keys` refuses keys added with ``+KEY=VALUE`` that no
schema declares (OmegaConf keeps them silently). Cross-setting rules that need a scene kind's
knowledge stay in its ``check_recipe``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from simgen.config import schema as s
from simgen.core.errors import ConfigError


@dataclass(frozen=True)
class Range:
    """``lo`` <= value <= ``hi`` (``lo`` excluded when ``open_lo``); ``unit`` for messages."""

    lo: float = -math.inf
    hi: float = math.inf
    open_lo: bool = False
    unit: str = ""

    def holds(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        return (value > self.lo if self.open_lo else value >= self.lo) and value <= self.hi

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.hi == math.inf:
            return f"must be {'>' if self.open_lo else '>='} {self.lo:g}{unit}"
        return f"must lie in {'(' if self.open_lo else '['}{self.lo:g}, {self.hi:g}]{unit}"


POSITIVE_M = Range(0, open_lo=True, unit="metres")
NONNEG_M = Range(0, unit="metres")
SHARE = Range(0, 1)
NONNEG = Range(0)
COUNT = Range(0, 10_000, unit="(a count)")
ELEVATION = Range(-90, 90, unit="degrees")
FOV = Range(1, 170, unit="degrees")
POSITIVE = Range(0, open_lo=True)
KELVIN = Range(1667, 25000, unit="K")  # where simgen.core.kelvin's fit of black bodies holds

SHELL = {"radius_min": POSITIVE_M, "radius_max": POSITIVE_M, "elevation_min_deg": ELEVATION,
          "elevation_max_deg": ELEVATION, "fov_y_min_deg": FOV, "fov_y_max_deg": FOV,
          "target_jitter": NONNEG_M, "znear": POSITIVE_M, "zfar": POSITIVE_M}

RANGES: dict[type, dict[str, Range]] = {
    s.AssetEntryConfig: {"weight": POSITIVE, "size_min": POSITIVE_M, "size_max": POSITIVE_M,
                         "scale": POSITIVE, "mass": Range(0, open_lo=True, unit="kg"), "friction": Range(0, 10)},
    s.CameraShellConfig: SHELL,
    s.LightsConfig: {"min_lights": Range(0, 64), "max_lights": Range(0, 64), "intensity_min": NONNEG,
                     "intensity_max": NONNEG, "ambient_min": SHARE, "ambient_max": SHARE,
                     # issue 11: kinds, colour temperatures, placement, spot cones, hemisphere
                     "elevation_min_deg": Range(0, 90, unit="degrees"), "elevation_max_deg": Range(0, 90, unit="degrees"),
                     "temperature_min_k": KELVIN, "temperature_max_k": KELVIN, "distance_min": POSITIVE_M,
                     "distance_max": POSITIVE_M, "spot_aim_jitter": NONNEG_M,
                     "spot_cone_min_deg": Range(1, 89, unit="degrees"), "spot_cone_max_deg": Range(1, 89, unit="degrees"),
                     "spot_inner_fraction": SHARE, "sky_temperature_k": KELVIN, "ground_temperature_k": KELVIN,
                     "ground_ratio_min": Range(0, 2), "ground_ratio_max": Range(0, 2)},
    s.MaterialsConfig: {"metallic_min": SHARE, "metallic_max": SHARE, "roughness_min": SHARE, "roughness_max": SHARE,
                        "principled": NONNEG, "glass": NONNEG, "metal": NONNEG, "plastic": NONNEG},
    s.PhysicsConfig: {"time_step": Range(0, 1, open_lo=True, unit="seconds"), "solver_iterations": Range(1, 10_000),
                      "min_steps": Range(0, 1_000_000), "max_steps": Range(1, 1_000_000),
                      "rest_linear_speed": Range(0, open_lo=True, unit="m/s"),
                      "rest_angular_speed": Range(0, open_lo=True, unit="rad/s"),
                      "rolling_friction": Range(0, 10), "spinning_friction": Range(0, 10)},
    s.TexturesConfig: {"own": NONNEG, "plain": NONNEG, "checker": NONNEG, "stripes": NONNEG, "noise": NONNEG,
                       "marble": NONNEG, "wood": NONNEG, "scratches": NONNEG,
                       "image": NONNEG, "tile_min": POSITIVE_M, "tile_max": POSITIVE_M},
    s.BackgroundConfig: {"image_probability": SHARE, "plain_probability": SHARE, "tile_min": POSITIVE_M,
                         "tile_max": POSITIVE_M},
}


def add_ranges(table: dict[type, dict[str, Range]]) -> None:
    """Add a scene kind's schemas' ranges (its schema module calls this when imported)."""
    RANGES.update(table)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numeric_fields(obj: Any, prefix: str):
    """(dotted key, dataclass type, field name, value) for every numeric field (or list of
    numbers) under the dataclass instance ``obj``, depth first."""
    for f in fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}.{f.name}"
        if is_dataclass(value):
            yield from numeric_fields(value, key)
        elif isinstance(value, list) and value and all(is_dataclass(v) for v in value):
            for k, item in enumerate(value):
                yield from numeric_fields(item, f"{key}[{k}]")
        elif is_number(value) or (isinstance(value, list) and value and all(is_number(v) for v in value)):
            yield key, type(obj), f.name, value


def rule(cls: type, name: str, rules: dict[type, dict[str, Range]] | None = None) -> Range | None:
    """The range of field ``name`` of schema ``cls`` (looked up through its base classes) in
    ``rules`` (default :data:`RANGES`)."""
    rules = RANGES if rules is None else rules
    for base in cls.__mro__:
        if name in rules.get(base, {}):
            return rules[base][name]
    return None


def partner(name: str) -> str | None:
    """The ``max`` field paired with a ``min`` field name (``radius_min`` -> ``radius_max``)."""
    parts = name.split("_")
    return "_".join("max" if p == "min" else p for p in parts) if "min" in parts else None


def check_ranges(scene: Any, prefix: str = "scene", rules: dict[type, dict[str, Range]] | None = None) -> None:
    """Raise ConfigError naming the first numeric setting of ``scene`` outside its range, or
    the first ``min`` setting above its ``max``. ``rules``: another table than :data:`RANGES`
    (a stage's own settings, e.g. simgen.sensor.checks)."""
    for key, cls, name, value in numeric_fields(scene, prefix):
        r = rule(cls, name, rules)
        if r is None:
            continue
        values = value if isinstance(value, list) else [value]
        for k, v in enumerate(values):
            if not r.holds(float(v)):
                where = f"{key}[{k}]" if isinstance(value, list) else key
                raise ConfigError(f"{where}={v!r}: {r.describe()}")
    _check_pairs(scene, prefix)


def _check_pairs(obj: Any, prefix: str) -> None:
    names = {f.name for f in fields(obj)}
    for f in fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}.{f.name}"
        if is_dataclass(value):
            _check_pairs(value, key)
        elif isinstance(value, list) and value and all(is_dataclass(v) for v in value):
            for k, item in enumerate(value):
                _check_pairs(item, f"{key}[{k}]")
        hi_name = partner(f.name)
        if hi_name not in names or value is None:
            continue
        hi = getattr(obj, hi_name)
        lows, highs = (value, hi) if isinstance(value, list) else ([value], [hi])
        if len(lows) == len(highs) and any(a > b for a, b in zip(lows, highs, strict=True)):
            raise ConfigError(f"{prefix}.{hi_name}={hi!r}: must be >= {prefix}.{f.name} ({value!r})")


def check_known_keys(obj: Any, prefix: str = "") -> None:
    """Raise ConfigError for the first key under the dataclass ``obj`` that its schema does not
    declare (added with ``+KEY=VALUE``)."""
    declared = {f.name for f in fields(obj)}
    extra = sorted(k for k in vars(obj) if k not in declared and not k.startswith("_"))
    if extra:
        key = f"{prefix}{extra[0]}"
        kind = f" of scene kind {obj.kind}" if prefix == "scene." and hasattr(obj, "kind") else ""
        raise ConfigError(f"{key}: not a setting{kind}; `simgen --cfg job` lists every setting")
    for f in fields(obj):
        value = getattr(obj, f.name)
        if is_dataclass(value):
            check_known_keys(value, f"{prefix}{f.name}.")
        elif isinstance(value, list):
            for k, item in enumerate(value):
                if is_dataclass(item):
                    check_known_keys(item, f"{prefix}{f.name}[{k}].")
