"""The interface every scene kind declares, and the registry of kinds.

A kind (tabletop, bin_picking, driving, or one of your own, see :mod:`simgen.registry`) is a
package holding its recipe schema, randomizers, checks and asset builders; its ``SceneKind``
subclass tells the rest of simgen what it needs to know without probing the recipe:
categories, views per frame, whether things move, whether bodies are settled by physics.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simgen.registry import Registry


class SceneKind:
    """A scene kind. ``schema``: the dataclass a recipe of this kind is checked against (it has
    ``name``, ``kind``, ``randomizers``, ``depth_scale`` in metres per depth unit).
    ``sequences``: things move, so ``sequence.length`` may exceed 1. ``kinematic``: poses are
    final as the randomizers give them (no settling)."""

    name: ClassVar[str]
    schema: ClassVar[type]
    sequences: ClassVar[bool] = False
    kinematic: ClassVar[bool] = False

    def categories(self, scene: Any) -> list[str]:
        """Category names in recipe order (id = position + 1), so ids are stable across runs;
        by default the categories of ``scene.assets``."""
        return list(dict.fromkeys(entry.category for entry in scene.assets))

    def views_per_frame(self, scene: Any) -> int:
        """Images of each time step (cameras per frame)."""
        return int(scene.views_per_scene)

    def check_settings(self, scene: Any) -> None:
        """Rules of single settings of the typed recipe ``scene``, checked before every number's
        range; raise ConfigError naming the first setting that is wrong."""

    def give_way(self, scene: Any, set_here: set[str]) -> None:
        """Let settings the command line did not set (``set_here``: the dotted keys it set, such
        as ``scene.conditions.night``) give way to those it did where together they break a rule
        (change ``scene`` in place); by default nothing gives way."""

    def check(self, scene: Any) -> None:
        """Rules across settings of the typed recipe ``scene``, checked once every number is in
        range; raise ConfigError naming the first setting that is wrong."""


KINDS: Registry[type[SceneKind]] = Registry("scene kind", "kind")


def register_kind(cls: type[SceneKind]) -> type[SceneKind]:
    """Class decorator: make ``cls`` the kind called ``cls.name``."""
    return KINDS.register(cls.name)(cls)


def kind_of(scene: Any) -> SceneKind:
    """The kind of the typed recipe ``scene``."""
    return KINDS.get(scene.kind)()
