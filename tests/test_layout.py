"""The package's shape (issue 14): no import cycle inside ``jambridge``, no module over 400 lines,
no function over 80 lines, outside the tests.

Imports are read with ``ast``, not executed. An import counts where it runs when its module is
loaded: at module level, including the bodies of top-level ``if``/``try``/``with`` blocks, but not
under ``if TYPE_CHECKING:`` (never run) and not inside a function or class body. An import inside a
function runs at call time, when both modules are loaded, so it cannot deadlock the loading; it
is the way a lazy dependency is kept (torch, Qt, the real-time bridge) and is not counted. An
edge goes to the module named: ``import a.b`` and ``from a.b import c`` (when ``a.b.c`` is no
module) to ``a.b``, ``from a.b import c`` to ``a.b.c`` when that is a module; the parent packages
Python also loads on the way are not edges (they are loaded first, whatever the order).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
# path (from the repository root) -> why it may be longer; keep it short
ALLOWED_LONG: dict[str, str] = {}


def modules() -> dict[str, Path]:
    """Dotted name -> file of every module of the installed package (ui/ is jambridge.ui, ...)."""
    found = {}
    for package, folder in SETUPTOOLS["package-dir"].items():
        for path in (ROOT / folder).rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


MODULES = modules()


def _is_type_checking(node: ast.stmt) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _load_time_imports(body: list[ast.stmt]):
    """The import statements of ``body`` that run when the module loads."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        elif _is_type_checking(node):
            yield from _load_time_imports(node.orelse)
        else:  # if / try / with / for blocks at module level run at load
            for field in ("body", "orelse", "finalbody"):
                yield from _load_time_imports(getattr(node, field, []))
            for handler in getattr(node, "handlers", []):
                yield from _load_time_imports(handler.body)


def imports_of(name: str, path: Path) -> set[str]:
    """The package's modules that ``name`` imports when it loads."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in _load_time_imports(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]  # fmt: skip
        out |= {t for t in targets if t in MODULES and t != name}
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_walk_sees_every_module_and_an_import_cycle():
    assert {"jambridge.cli", "jambridge.ui.app", "jambridge.export.graph"} <= set(MODULES)
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_imports_run_at_load_count(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from jambridge import errors\n"
        "try:\n    import jambridge.music\nexcept ImportError:\n    pass\n"
        "if TYPE_CHECKING:\n    import jambridge.roles\n"
        "def f():\n    import jambridge.preset\n"
    )
    assert imports_of("jambridge.m", source) == {"jambridge.errors", "jambridge.music"}


def test_no_import_cycle_inside_the_package():
    graph = {name: imports_of(name, path) for name, path in MODULES.items()}
    assert [" -> ".join(c) for c in cycles(graph)] == []


def source_files() -> list[Path]:
    """Every Python file outside the tests: the package folders and tools/."""
    files = set(MODULES.values()) | set((ROOT / "tools").rglob("*.py"))
    return sorted(files)


def test_no_module_over_400_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in source_files()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert {k: v for k, v in long.items() if k not in ALLOWED_LONG} == {}


def test_no_function_over_80_lines():
    long = {}
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
                if lines > MAX_FUNCTION_LINES and f"{path.relative_to(ROOT)}" not in ALLOWED_LONG:
                    long[where] = lines
    assert long == {}
