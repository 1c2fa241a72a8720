"""The import graph of ``simgen/``, read from the source with :mod:`ast`: no cycles, no module
importing a later stage than its own (the order of :data:`simgen.stages.STAGE_ORDER`), and
``simgen/config/`` a leaf that imports only itself and ``simgen/core/``.

Every ``import`` and ``from ... import`` counts, at module level or inside a function (a lazy
import is still an edge); imports under ``if TYPE_CHECKING:`` do not run and are left out, as are
names handed to :func:`importlib.import_module` at run time (the registry's plugin loading).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from simgen.stages import STAGE_ORDER

PACKAGE = Path(__file__).resolve().parents[1] / "simgen"
CONFIG_MAY_IMPORT = ("simgen.config", "simgen.core")


def module_files(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` under ``package`` (a package is its __init__)."""
    root = package.parent
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name == "TYPE_CHECKING":
                skipped |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skipped


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports (to the deepest module that exists:
    ``from simgen.export import coco`` is an edge to ``simgen.export.coco``,
    ``from simgen.core.errors import require`` one to ``simgen.core.errors``)."""
    modules = module_files(package)
    top = package.name

    def known(name: str) -> str:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        skipped = _type_checking_only(tree)
        edges = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                edges |= {known(a.name) for a in node.names if a.name == top or a.name.startswith(top + ".")}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here
                    for _ in range(node.level - 1):
                        base = base.rpartition(".")[0]
                    source = f"{base}.{node.module}" if node.module else base
                else:
                    source = node.module or ""
                if source != top and not source.startswith(top + "."):
                    continue
                for alias in node.names:
                    child = f"{source}.{alias.name}"
                    edges.add(child if child in modules else known(source))
        edges.discard(name)
        edges.discard("")
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or None (iterative depth-first search)."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(graph, WHITE)
    for start in sorted(graph):
        if colour[start] != WHITE:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        colour[start] = GREY
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                colour[path.pop()] = BLACK
                stack.pop()
            elif colour.get(nxt, BLACK) == GREY:
                return path[path.index(nxt):] + [nxt]
            elif colour.get(nxt) == WHITE:
                colour[nxt] = GREY
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def _inside(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(PACKAGE)


def test_the_graph_sees_every_module_and_lazy_imports(graph):
    assert len(graph) > 50 and "simgen.job" in graph and "simgen.config.schema" in graph
    assert "simgen.config.schema" in graph["simgen.job"]
    assert "simgen.export.coco" in graph["simgen.plugins"]  # from simgen.export import coco
    assert "simgen.job" in graph["simgen.tools.cli"]
    assert "simgen.farm.runner" in graph["simgen.tools.cli"]  # imported inside a function


def test_simgen_has_no_import_cycle(graph):
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_config_imports_only_config_and_errors(graph):
    outside = {f"{m} imports {d}" for m, deps in graph.items() if _inside(m, ("simgen.config",))
               for d in deps if not _inside(d, CONFIG_MAY_IMPORT)}
    assert sorted(outside) == []


def test_a_cycle_through_a_lazy_relative_import_is_found(tmp_path):
    """The checks above can fail: a small package with a cycle closed inside a function."""
    pkg = tmp_path / "simgen"
    (pkg / "config").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "config" / "__init__.py").write_text("")
    (pkg / "config" / "schema.py").write_text("from simgen.core.errors import ConfigError\n")
    (pkg / "config" / "checks.py").write_text("def f():\n    from ..stage import run\n")
    (pkg / "errors.py").write_text("")
    (pkg / "stage.py").write_text("from simgen.config import checks\n")
    (pkg / "typed.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from simgen import stage\n")
    found = import_graph(pkg)
    assert found["simgen.typed"] == set()
    assert find_cycle(found) == ["simgen.config.checks", "simgen.stage", "simgen.config.checks"]
    assert "simgen.stage" in found["simgen.config.checks"]
    assert not _inside("simgen.stage", CONFIG_MAY_IMPORT)


def room(module: str) -> str:
    """The stage a module belongs to: its package under ``simgen/`` or its top-level module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def later_stage_imports(graph: dict[str, set[str]], order: tuple[str, ...]) -> list[str]:
    """Every import of a module of a later stage than the importer's, and every module whose
    stage ``order`` does not list."""
    rank = {name: k for k, name in enumerate(order)}
    found = sorted(f"{m} is in no stage of the order" for m in graph if room(m) not in rank)
    for module, deps in sorted(graph.items()):
        for dep in sorted(deps):
            if room(module) in rank and room(dep) in rank and rank[room(dep)] > rank[room(module)]:
                found.append(f"{module} ({room(module)}) imports {dep} ({room(dep)}), a later stage")
    return found


def test_no_module_imports_a_later_stage(graph):
    assert later_stage_imports(graph, STAGE_ORDER) == []


def test_an_import_of_a_later_stage_is_found(tmp_path):
    """The stage rule can fail: a convention module reaching into the renderer, lazily."""
    pkg = tmp_path / "simgen"
    for room_name in ("core", "render"):
        (pkg / room_name).mkdir(parents=True)
        (pkg / room_name / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "camera.py").write_text("def f():\n    from simgen.render.draw import g\n")
    (pkg / "render" / "draw.py").write_text("from simgen.core import camera\n\ndef g():\n    pass\n")
    (pkg / "extra.py").write_text("")
    found = later_stage_imports(import_graph(pkg), ("simgen", "core", "render"))
    assert found == ["simgen.extra is in no stage of the order",
                     "simgen.core.camera (core) imports simgen.render.draw (render), a later stage"]
