"""The inspection kind."""

from __future__ import annotations

from simgen.core.errors import ConfigError, require
from simgen.scenes.inspection.defects import ALLOWED, DEFECTS
from simgen.scenes.inspection.products import PRODUCTS
from simgen.scenes.inspection.schema import LIGHTINGS, STAGES, InspectionSceneConfig
from simgen.scenes.kind import SceneKind, register_kind


def _check_weights(weights, allowed, key: str) -> None:
    """Every name of ``weights`` is one of ``allowed``, every weight >= 0, one > 0."""
    for name, w in weights.items():
        require(name in allowed, f"{key}.{name}", w, f"not one of {key}; allowed: {', '.join(allowed)}")
        require(w >= 0, f"{key}.{name}", w, "must be >= 0")
    if sum(weights.values()) <= 0:
        raise ConfigError(f"{key}={dict(weights)}: at least one weight must be > 0")


@register_kind
class Inspection(SceneKind):
    name = "inspection"
    schema = InspectionSceneConfig
    kinematic = True  # the product rests on the stage as placed: nothing to settle

    def categories(self, scene) -> list[str]:
        """Every product kind, then every defect kind (ids stable whatever the weights)."""
        return [*PRODUCTS, *DEFECTS]

    def check_settings(self, scene) -> None:
        _check_weights(scene.products, PRODUCTS, "scene.products")
        _check_weights(scene.defect_weights, DEFECTS, "scene.defect_weights")
        _check_weights(scene.stages, STAGES, "scene.stages")
        _check_weights(scene.lighting, LIGHTINGS, "scene.lighting")
        require(0 < scene.camera.znear < scene.camera.zfar, "scene.camera.znear", scene.camera.znear,
                f"must be > 0 and < scene.camera.zfar ({scene.camera.zfar})")

    def check(self, scene) -> None:
        """Some product of weight > 0 must carry some defect kind of weight > 0."""
        if scene.defect_rate > 0:
            carried = [p for p, w in scene.products.items() if w > 0
                       and any(scene.defect_weights.get(k, 0) > 0 for k in ALLOWED[p])]
            carries = "; ".join(f"{p}: {'/'.join(kinds)}" for p, kinds in ALLOWED.items())
            require(bool(carried), "scene.defect_weights", dict(scene.defect_weights),
                    f"no product of weight > 0 can carry a defect kind of weight > 0 ({carries})")
