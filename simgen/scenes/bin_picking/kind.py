"""The bin-picking kind."""

from __future__ import annotations

from simgen.scenes.bin_picking.randomizers import check_recipe
from simgen.scenes.bin_picking.schema import BinPickingSceneConfig
from simgen.scenes.checks import check_piled_scene
from simgen.scenes.kind import SceneKind, register_kind


@register_kind
class BinPicking(SceneKind):
    name = "bin_picking"
    schema = BinPickingSceneConfig

    def check_settings(self, scene) -> None:
        check_piled_scene(scene)

    def check(self, scene) -> None:
        check_recipe(scene)
