"""Which formats a job writes: every format named, however it was named.

Hydra replaces a list when a later config sets it again, so ``export=[bop,kitti]`` would keep
only the last group file's ``export.formats``. Here the formats of every chosen ``export``
option (``simgen/conf/export/NAME.yaml``) and of ``export.formats`` are joined instead: COCO first
(the index of every dataset), then the others in sorted order, so the order of the names does
not change the job.
"""

from __future__ import annotations

from collections.abc import Iterable

from omegaconf import OmegaConf

from simgen.core.errors import ConfigError

GROUP = "export"
INDEX_FORMAT = "coco"


def chosen_options(overrides: Iterable[str]) -> list[str]:
    """The ``export`` group options named by command-line ``overrides`` (``export=a``,
    ``export=[a,b]``, ``+export=a``), in order; [] when none is."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    names: list[str] = []
    for override in OverridesParser.create().parse_overrides(list(overrides)):
        if override.key_or_group != GROUP or override.is_delete():
            continue
        value = override.value()
        names += [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return names


def option_formats(option: str) -> list[str]:
    """``export.formats`` as set by the group file ``simgen/conf/export/OPTION.yaml``."""
    from simgen.config.paths import CONFIG_DIR

    path = CONFIG_DIR / GROUP / f"{option}.yaml"
    try:
        node = OmegaConf.load(path)
    except FileNotFoundError:
        options = ", ".join(sorted(p.stem for p in path.parent.glob("*.yaml")))
        raise ConfigError(f"export={option} is not available; choose one of: {options}") from None
    found = OmegaConf.select(node, "export.formats") or OmegaConf.select(node, "formats") or []
    return [str(f) for f in found]


def combine(formats: Iterable[str], options: Iterable[str] = ()) -> list[str]:
    """``formats`` joined with the formats of every group option in ``options``: COCO first,
    the rest sorted, each once."""
    names = set(formats) | {f for option in options for f in option_formats(option)}
    names.discard(INDEX_FORMAT)
    return [INDEX_FORMAT, *sorted(names)]
