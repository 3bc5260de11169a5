"""The package follows its pipeline: read (git/) -> classify/ -> decide/ -> report/ -> commands/ -> cli.

Every import in every module counts: at the top, inside a function (imported late for speed) and
under ``TYPE_CHECKING`` (an arrow for the type checker is an arrow for the reader too). A module
may import its own layer or any layer below; nothing imports upward, and no modules import each
other in a circle, however long. A new module must be placed in ``LAYERS`` before it passes, so
that where it sits is a decision, not an accident.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

LAYERS: Mapping[str, int] = {
    # the ground floor: shared vocabulary and configuration, importable by every stage
    "guardtrail": 0,  # the package's __init__: its version
    "guardtrail.errors": 0,
    "guardtrail.model": 0,
    "guardtrail.rules": 0,
    "guardtrail.rule_table": 0,
    "guardtrail.rule_files": 0,
    "guardtrail.policy": 0,
    "guardtrail.git": 1,
    "guardtrail.classify": 2,
    "guardtrail.decide": 3,
    "guardtrail.report": 4,
    "guardtrail.terminal": 4,  # presentation beside report/: colour and progress
    "guardtrail.commands": 5,
    "guardtrail.cli": 6,
    "guardtrail.__main__": 6,
}


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    found: dict[str, Path] = {}
    for path in sorted((SRC / "guardtrail").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported(module: str, path: Path) -> Iterator[str]:
    """The package modules ``module`` imports, wherever in its file the import statement stands.

    ``from package import name`` imports the submodule when ``name`` is one, else the package.
    """
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.split(".")[0] == "guardtrail")
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                source = ".".join([*anchor, *([source] if source else [])])
            if source.split(".")[0] != "guardtrail":
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                yield submodule if submodule in MODULES else source


def _graph() -> dict[str, set[str]]:
    return {
        module: {target for target in _imported(module, path) if target != module} for module, path in MODULES.items()
    }


def _layer(module: str) -> int | None:
    """The layer of the longest entry in ``LAYERS`` that names the module or a package above it."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        layer = LAYERS.get(".".join(parts[:end]))
        if layer is not None:
            return layer
    return None


def _cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_every_module_has_a_layer() -> None:
    assert [module for module in MODULES if _layer(module) is None] == []


def test_no_module_imports_a_higher_layer() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in _graph().items()
        for target in targets
        if (_layer(target) or 0) > (_layer(module) or 0)
    )
    assert upward == [], "imports upward:\n" + "\n".join(upward)


def test_no_modules_import_each_other_in_a_circle() -> None:
    circles = _cycles(_graph())
    assert circles == [], "import circles:\n" + "\n".join(" <-> ".join(circle) for circle in circles)


def test_the_reader_sees_every_kind_of_import() -> None:
    """The walk counts imports inside functions and under TYPE_CHECKING, which the test relies on."""
    graph = _graph()
    assert "guardtrail.commands.check" in graph["guardtrail.cli"]  # imported inside a command function
    assert "guardtrail.decide.gate" in graph["guardtrail.commands"]  # under TYPE_CHECKING
    assert "guardtrail.classify.analysers.dispatch" in graph["guardtrail.classify.analysers"]  # from pkg import mod
