"""One registry for every kind of plugin: randomizers, asset builders, writers, label layers
and scene kinds.

A plugin module registers itself on import (``RANDOMIZERS.register("table")(fn)``); a registry
imports the plugins the first time it is asked for a name, so no base module imports its
plugins and the import graph has no cycles. Plugins come from three places, in this order:

- :mod:`simgen.plugins`, which imports every built-in;
- the entry points of group ``simgen.plugins`` of installed distributions (a package of your
  own scene kinds or writers declares ``[project.entry-points."simgen.plugins"]``);
- the modules named in ``$SIMGEN_PLUGINS`` (comma-separated importable module names).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from simgen.core.errors import ConfigError

T = TypeVar("T")
ENTRY_POINT_GROUP = "simgen.plugins"
PLUGINS_ENV = "SIMGEN_PLUGINS"
BUILTIN_PLUGINS = "simgen.plugins"

_loaded = False


def load_plugins() -> None:
    """Import the built-in plugins, the installed entry points and ``$SIMGEN_PLUGINS`` (once)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    importlib.import_module(BUILTIN_PLUGINS)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.value != BUILTIN_PLUGINS:
            point.load()
    for name in (n.strip() for n in os.environ.get(PLUGINS_ENV, "").split(",")):
        if not name:
            continue
        try:
            importlib.import_module(name)
        except ImportError as exc:
            _loaded = False
            raise ConfigError(f"{PLUGINS_ENV}: cannot import plugin module {name!r} ({exc})") from None


class Registry(Generic[T]):
    """Names -> plugins of one kind (``what``, for messages), chosen by the setting ``setting``.

    ``traits`` are keyword facts a plugin declares at registration (a randomizer's
    ``appearance=True``), read back with :meth:`traits`."""

    def __init__(self, what: str, setting: str) -> None:
        self.what, self.setting = what, setting
        self._items: dict[str, T] = {}
        self._traits: dict[str, dict[str, Any]] = {}

    def register(self, name: str, **traits: Any) -> Callable[[T], T]:
        def add(item: T) -> T:
            self._items[name] = item
            self._traits[name] = traits
            return item

        return add

    def names(self) -> list[str]:
        load_plugins()
        return sorted(self._items)

    def __contains__(self, name: str) -> bool:
        load_plugins()
        return name in self._items

    def get(self, name: str) -> T:
        """The plugin called ``name``, or a one-line ConfigError naming the setting and the choices."""
        load_plugins()
        if name not in self._items:
            raise ConfigError(f"{self.setting}: {name!r} is not a {self.what}; available: {', '.join(self.names())}")
        return self._items[name]

    def traits(self, name: str) -> dict[str, Any]:
        self.get(name)
        return self._traits[name]
