"""A command-line override that OmegaConf refuses, said in simgen's words: the setting, what is
allowed, and for a typo the nearest valid name.

OmegaConf's own wording names its internal classes (``Key 'scnee' not in 'SimgenConfig'``,
``could not be converted to Integer``) and Hydra adds advice that does not apply (``To append
to your config use +scnee=...``); this module reads the exception's fields instead of its text.
"""

from __future__ import annotations

import difflib
import re

from simgen.config.paths import CONFIG_DIR

# OmegaConf's type names -> what a value of that type looks like on the command line
_TYPES = {"Integer": "a whole number", "Float": "a number", "Boolean": "true or false", "String": "text"}
_CONVERT = re.compile(r"Value '(.*)' of type '\w+' could not be converted to (\w+)", re.S)
_BOOL = re.compile(r"Value '(.*)' is not a valid bool", re.S)
_ENUM = re.compile(r"Invalid value '(.*)', expected one of \[(.*)\]", re.S)


def _groups() -> list[str]:
    """Config groups chosen at the top level (``looks=flat``) that are no key of the config."""
    return sorted(p.name for p in CONFIG_DIR.iterdir() if p.is_dir() and p.name != "hydra")


def _unknown_key(exc) -> str | None:
    """``scene.max_objectz: not a setting of scene kind tabletop; did you mean
    scene.max_objects? scene's settings: ...`` from a ConfigAttributeError / ConfigKeyError."""
    full, parent = getattr(exc, "full_key", None), getattr(exc, "parent_node", None)
    if not full or parent is None or not hasattr(parent, "keys") or "not in" not in str(exc):
        return None
    name = str(exc.key)
    prefix = full[: len(full) - len(name)] if full.endswith(name) else ""
    keys = [str(k) for k in parent.keys() if k != "hydra"]
    if not prefix:
        keys += [g for g in _groups() if g not in keys]
    kind = ""
    if prefix == "scene." and "kind" in keys:
        kind = f" of scene kind {parent.get('kind')}"
    close = difflib.get_close_matches(name, keys, n=1, cutoff=0.6)
    owner = prefix.rstrip(".") or "simgen"
    text = f"{full}: not a setting{kind}; "
    if close:
        text += f"did you mean {prefix}{close[0]}? "
    return text + f"{owner}'s settings: {', '.join(keys)}"


def _wrong_type(exc) -> str | None:
    """``frames='ten': must be a whole number`` from a ValidationError of a typed setting."""
    full = getattr(exc, "full_key", None)
    message = (str(exc).splitlines() or [""])[0]
    if not full:
        return None
    if m := _CONVERT.match(message):
        value, target = m.groups()
        return f"{full}={value!r}: must be {_TYPES.get(target, target)}"
    if m := _BOOL.match(message):
        return f"{full}={m.group(1)!r}: must be true or false"
    if m := _ENUM.match(message):
        return f"{full}={m.group(1)!r}: allowed: {m.group(2)}"
    return None


def override_error_line(exc: BaseException) -> str | None:
    """One line for a refused override in ``exc``'s chain of causes, or None when the chain
    holds no OmegaConf key or type error (the caller then says it its own way)."""
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, ValidationError

    while exc is not None:
        if isinstance(exc, (ConfigAttributeError, ConfigKeyError)):
            return _unknown_key(exc)
        if isinstance(exc, ValidationError):
            return _wrong_type(exc)
        exc = exc.__cause__
    return None


# Settings that are documented mappings of the user's own keys: Hydra adds a key to a mapping
# only with ``+``/``++``, so ``balance.classes={cyclist:0.25}`` was refused as "not a setting".
OPEN_MAPPINGS = ("balance.classes", "balance.conditions", "balance.scenarios")


def open_mappings(overrides: list[str]) -> list[str]:
    """``overrides`` with ``++`` put before each plain override of an :data:`OPEN_MAPPINGS`
    mapping or one of its keys, so that it sets or adds them like any other setting."""
    out = []
    for arg in overrides:
        key = arg.split("=", 1)[0]
        if "=" in arg and any(key == m or key.startswith(m + ".") for m in OPEN_MAPPINGS):
            arg = "++" + arg
        out.append(arg)
    return out
