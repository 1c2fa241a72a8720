"""Value checks that several scene kinds share: object counts, asset entries, settling, the
camera shell. A kind's :meth:`~simgen.scenes.kind.SceneKind.check` calls the ones it needs."""

from __future__ import annotations

from typing import Any

from simgen.assets.catalog import check_source
from simgen.core.errors import ConfigError, SimgenError, require

PLACEMENTS = ("rest", "drop")


def check_objects(scene: Any) -> None:
    """``min_objects`` / ``max_objects``."""
    require(scene.min_objects >= 0, "scene.min_objects", scene.min_objects, "must be >= 0")
    require(scene.max_objects >= scene.min_objects, "scene.max_objects", scene.max_objects,
            f"must be >= scene.min_objects ({scene.min_objects})")


def check_assets(entries: Any, key: str = "scene.assets", allow_empty: bool = False) -> None:
    """Every asset entry: weight, sizes, a source that resolves."""
    require(allow_empty or len(entries) > 0, key, [], "must list at least one asset source")
    for k, entry in enumerate(entries):
        require(entry.weight > 0, f"{key}[{k}].weight", entry.weight, "must be > 0")
        require(len(entry.size_min) == len(entry.size_max), f"{key}[{k}].size_max", entry.size_max,
                "must have as many values as size_min")
        try:
            check_source(entry.source)
        except SimgenError as exc:
            raise ConfigError(f"{key}[{k}].source: {exc}") from None


def check_physics(ph: Any) -> None:
    """Settling settings (``scene.physics``)."""
    require(ph.time_step > 0, "scene.physics.time_step", ph.time_step, "must be > 0 seconds")
    require(ph.solver_iterations >= 1, "scene.physics.solver_iterations", ph.solver_iterations, "must be >= 1")
    for key in ("rolling_friction", "spinning_friction"):
        require(getattr(ph, key) >= 0, f"scene.physics.{key}", getattr(ph, key), "must be >= 0")
    require(0 <= ph.min_steps <= ph.max_steps, "scene.physics.min_steps", ph.min_steps,
            f"must lie in 0..scene.physics.max_steps ({ph.max_steps})")


def check_camera(c: Any) -> None:
    """Clip planes of ``scene.camera``."""
    require(0 < c.znear < c.zfar, "scene.camera.znear", c.znear, f"must be > 0 and < scene.camera.zfar ({c.zfar})")


def check_piled_scene(scene: Any) -> None:
    """What tabletop and bin picking share: objects, assets, physics, cameras."""
    check_objects(scene)
    check_assets(scene.assets)
    check_physics(scene.physics)
    check_camera(scene.camera)
