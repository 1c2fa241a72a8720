"""``simgen --cfg job`` with explanations: the composed configuration as YAML, each section
headed by the first sentence of its schema's docstring and each setting followed by the
comment its schema gives it in the source.

Hydra's own ``--cfg job`` printed about 400 lines of bare keys; the schemas already say what
the settings mean, so this reads them from there (one place to keep up to date). The YAML
loads back to exactly what Hydra prints.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import fields, is_dataclass
from functools import cache

import yaml

HEADER = ("# simgen's settings, as composed from the command line (simgen/config/schema.py and the "
          "README's tables say more); set any with KEY=VALUE")
DOC_CHARS = 110  # a section's comment is cut to this many characters
_FIELD_COMMENT = re.compile(r"^\s+(\w+)\s*:[^#]*#\s*(.+)$")


@cache
def field_comments(cls: type) -> dict[str, str]:
    """Setting name -> the ``# comment`` after its line in ``cls``'s source (and its bases')."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not is_dataclass(klass):
            continue
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        for line in source.splitlines():
            m = _FIELD_COMMENT.match(line)
            if m:
                found[m.group(1)] = m.group(2).strip()
    return found


def section_comment(cls: type | None) -> str:
    """The first sentence of a schema's docstring, on one line, cut to :data:`DOC_CHARS`."""
    doc = inspect.getdoc(cls) if cls is not None and is_dataclass(cls) else None
    if not doc or doc.startswith(f"{cls.__name__}("):  # none of its own: the dataclass signature
        return ""
    text = re.sub(r":\w+:`([^`]*)`", r"\1", " ".join(doc.split())).replace("``", "")
    sentence = re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= DOC_CHARS else sentence[: DOC_CHARS - 3].rstrip() + "..."


def _key(key: str) -> str:
    """``key`` as a YAML mapping key (quoted where YAML needs it)."""
    return yaml.safe_dump({key: 0}, width=10**6).strip()[: -len(": 0")]


def _scalar(key: str, value) -> str:
    """``key: value`` as YAML on one line (flat lists in flow style)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    return f"{_key(key)}: {text.removesuffix('...').strip()}"


def _lines(node, indent: int) -> list[str]:
    from omegaconf import DictConfig, ListConfig, OmegaConf

    cls = OmegaConf.get_type(node)
    comments = field_comments(cls) if cls is not None and is_dataclass(cls) else {}
    declared = {f.name for f in fields(cls)} if cls is not None and is_dataclass(cls) else set()
    pad = "  " * indent
    out = []
    for key in node.keys():
        child = node._get_node(key)
        note = f"  # {comments[key]}" if key in comments and key in declared else ""
        if isinstance(child, DictConfig) and not child._is_none() and not child._is_missing() and len(child):
            doc = section_comment(OmegaConf.get_type(child))
            if doc:
                out.append(f"{pad}# {doc}")
            out.append(f"{pad}{_key(str(key))}:{note}")
            out += _lines(child, indent + 1)
            continue
        value = OmegaConf.to_container(child, resolve=False) if isinstance(child, (DictConfig, ListConfig)) else child._value()
        if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
            out.append(f"{pad}{_key(str(key))}:{note}")
            text = yaml.safe_dump(value, default_flow_style=False, sort_keys=False, width=10**6)
            out += [pad + line for line in text.splitlines()]
        else:
            out.append(f"{pad}{_scalar(str(key), value)}{note}")
    return out


def explained_yaml(cfg) -> str:
    """``cfg`` (a composed DictConfig, without ``hydra``) as commented YAML text."""
    return "\n".join([HEADER, *_lines(cfg, 0)]) + "\n"
