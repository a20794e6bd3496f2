"""The package reads in pipeline order: no module imports a later stage, and there is no cycle.

Stages, earliest first (``lstm_sym/__init__.py`` draws them): the shared vocabulary, DEFINE
(``spec``), framework layouts (``frameworks``), READ (``problem``), DERIVE (``derive``),
EVALUATE (``evaluate``), the gradient-flow analysis (``flow``), the facade (``model``,
``solution``), the products (``latex``, ``codegen``, ``check``, ...) and the command line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import lstm_sym

PACKAGE = Path(lstm_sym.__file__).parent

#: stage of each top-level module or package; a module may import its own stage or earlier
STAGES = [
    {
        "_version",
        "choices",
        "errors",
        "signals",
        "limits",
        "files",
        "progress",
        "names",
        "numbers",
        "equations",
    },
    {"spec"},
    {"frameworks"},
    {"problem"},
    {"derive"},
    {"evaluate"},
    {"flow"},
    {"solution", "expression", "model", "testing", "arrays"},
    {"latex", "codegen", "check", "convert", "listing", "classroom", "gradcheck"},
    {"cli", "commands", "__main__"},
]
STAGE = {name: n for n, group in enumerate(STAGES) for name in group}

#: imports against the order, each inside a function and for display only
EXCEPTIONS = {
    # Jupyter's rich display of a solution or an expression typesets names as the sheets do
    ("solution", "latex"),
    ("expression", "latex"),
}


def _is_module(dotted: str) -> bool:
    """Whether ``dotted`` names a module or package of lstm_sym."""
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _unit(module: str) -> str:
    """The stage unit of a dotted module name: ``lstm_sym.spec.cells`` -> ``spec``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports() -> list[tuple[str, str, Path]]:
    """(importer, imported, file) for every import of one lstm_sym module by another."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = parts if is_package else parts[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if not target.startswith("lstm_sym"):
                continue
            for alias in node.names:
                if node.module is None and _is_module(f"{target}.{alias.name}"):
                    found.append((".".join(parts), f"{target}.{alias.name}", path))
                else:
                    found.append((".".join(parts), target, path))
    return found


def test_no_import_against_the_pipeline() -> None:
    """Every import goes to the same stage or an earlier one (the public package excepted)."""
    wrong = []
    for importer, imported, _path in _imports():
        a, b = _unit(importer), _unit(imported)
        if a == "__init__":
            continue  # the public package loads its names lazily from every stage
        if b == "__init__":
            wrong.append(f"{importer} imports the package itself")
            continue
        if (a, b) in EXCEPTIONS:
            continue
        assert a in STAGE and b in STAGE, f"{a} or {b} has no stage: add it to STAGES"
        if STAGE[b] > STAGE[a]:
            wrong.append(f"{importer} -> {imported}")
    assert not wrong, "imports against the pipeline order:\n" + "\n".join(sorted(set(wrong)))


def test_no_import_cycle_between_modules() -> None:
    """Module-level imports (not those inside functions) form no cycle."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        name = ".".join(parts)
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom) and node.level:
                base = parts if is_package else parts[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
                for alias in node.names:
                    module = f"{target}.{alias.name}"
                    graph.setdefault(name, set()).add(module if _is_module(module) else target)
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, node, nxt]))
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
