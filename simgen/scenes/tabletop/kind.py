"""The tabletop kind."""

from __future__ import annotations

from simgen.core.errors import require
from simgen.randomizers.lights import check_lights
from simgen.scenes.checks import PLACEMENTS, check_piled_scene
from simgen.scenes.kind import SceneKind, register_kind
from simgen.scenes.tabletop.randomizers import check_recipe
from simgen.scenes.tabletop.schema import TabletopSceneConfig


@register_kind
class Tabletop(SceneKind):
    name = "tabletop"
    schema = TabletopSceneConfig

    def check_settings(self, scene) -> None:
        check_piled_scene(scene)
        require(scene.placement in PLACEMENTS, "scene.placement", scene.placement, f"allowed: {', '.join(PLACEMENTS)}")

    def check(self, scene) -> None:  # light kinds, distractor sources, walls, texture folders
        check_lights(scene.lights)
        check_recipe(scene)
