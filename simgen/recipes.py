"""Scene recipes: the YAML files in ``simgen/scenes/`` (and in ``$SIMGEN_SCENE_PATH``), one per scene.

Each recipe names its ``kind`` (:mod:`simgen.scenes.kind`); the file is merged onto that kind's
schema. The composition root (:func:`simgen.job.register_configs`) stores each in Hydra's
ConfigStore under the group ``scene``, so ``scene=NAME`` picks it and ``scene.KEY=VALUE``
overrides are type-checked like every other setting.
"""

from __future__ import annotations

import os
from pathlib import Path

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from simgen.config.paths import RECIPE_DIR
from simgen.core.errors import ConfigError, first_line
from simgen.scenes.kind import KINDS


def scene_dirs() -> list[Path]:
    """Folders searched for recipes: the package's ``scenes/`` and ``$SIMGEN_SCENE_PATH``."""
    extra = [Path(p) for p in os.environ.get("SIMGEN_SCENE_PATH", "").split(os.pathsep) if p]
    return [RECIPE_DIR, *extra]


def recipe_files() -> dict[str, Path]:
    """Scene name -> recipe file; later folders override earlier ones."""
    found: dict[str, Path] = {}
    for folder in scene_dirs():
        for path in sorted(folder.glob("*.yaml")):
            found[path.stem] = path
    return found


def load_recipe(path: Path):
    """The recipe at ``path`` merged onto its kind's schema (a typed OmegaConf node)."""
    try:
        raw = OmegaConf.load(path)
    except Exception as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"{path}: kind={kind!r} is not a scene kind; allowed: {', '.join(KINDS.names())}")
    try:
        node = OmegaConf.merge(OmegaConf.structured(KINDS.get(kind).schema), raw)
    except OmegaConfBaseException as exc:
        raise ConfigError(f"{path}: {first_line(exc)}") from None
    node.name = path.stem
    return node
