"""The benchmarks stay outside the product: only ``jambridge bench`` (commands/bench.py) imports
``jambridge.bench``, nothing shipped imports the tests, and every benchmark says how to run it.
Read with ``ast``, not executed."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import jambridge.bench

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = [ROOT / "jambridge", ROOT / "ui", ROOT / "export"]
MAY_RUN_BENCH = {ROOT / "jambridge" / "commands" / "bench.py"}  # `jambridge bench`


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, wherever the import stands (functions too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module)
    return out


def product_files() -> list[Path]:
    bench = ROOT / "jambridge" / "bench"
    return [p for d in PRODUCT for p in d.rglob("*.py") if bench not in p.parents]


def test_only_the_bench_command_imports_the_benchmarks_and_nothing_shipped_imports_tests():
    offenders = {}
    for path in product_files():
        names = imported(path)
        bad = {n for n in names if n == "tests" or n.startswith("tests.")}
        if path not in MAY_RUN_BENCH:
            bad |= {n for n in names if n.startswith("jambridge.bench")}
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


BENCH = [m.name for m in pkgutil.iter_modules(jambridge.bench.__path__)]


@pytest.mark.parametrize("name", BENCH)
def test_a_runnable_benchmark_says_how_to_run_it(name):
    path = Path(jambridge.bench.__path__[0]) / f"{name}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc = " ".join((ast.get_docstring(tree) or "").split())
    runnable = any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body)
    if runnable:
        assert f"python -m jambridge.bench.{name}" in doc
    else:
        assert "Not run on its own" in doc or "jambridge bench" in doc
    assert name in (importlib.import_module("jambridge.bench").__doc__ or "")
