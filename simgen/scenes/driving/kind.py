"""The driving kind: road users move along set paths (kinematic), scenes are sequences, and
classes are the recipe's ``classes`` rather than asset entries."""

from __future__ import annotations

from simgen.scenes.driving.checks import check_recipe, times_of_day_give_way
from simgen.scenes.driving.schema import DrivingSceneConfig
from simgen.scenes.kind import SceneKind, register_kind


@register_kind
class Driving(SceneKind):
    name = "driving"
    schema = DrivingSceneConfig
    sequences = True
    kinematic = True

    def categories(self, scene) -> list[str]:
        return scene.categories()

    def views_per_frame(self, scene) -> int:
        return len(scene.rig.cameras)

    def give_way(self, scene, set_here: set[str]) -> None:
        times_of_day_give_way(scene.conditions, set_here)

    def check(self, scene) -> None:
        check_recipe(scene)
