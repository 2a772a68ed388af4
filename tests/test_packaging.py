"""Packaging: pyproject lists every package of the tree, a built wheel holds every module, the
shipped model and the presets, and the dependencies are what the code imports."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
FOLDERS = {name: ROOT / folder for name, folder in SETUPTOOLS["package-dir"].items()}
# import name -> distribution name, where they differ
DISTRIBUTION = {
    "rtmidi": "python-rtmidi",
    "PyQt6": "pyqt6",
    "pytestqt": "pytest-qt",
    "jack": "jack-client",
}
# modules that run only with the train extra (torch, onnx): training and export
TRAIN_ONLY = ("jambridge/training/", "export/")


def packages_on_disk() -> set[str]:
    """Every folder with an ``__init__.py`` under the mapped folders, as a dotted name."""
    found = set()
    for name, folder in FOLDERS.items():
        for init in folder.rglob("__init__.py"):
            found.add(".".join((name, *init.parent.relative_to(folder).parts)))
    return found


def test_pyproject_lists_every_package_in_the_tree():
    assert set(SETUPTOOLS["packages"]) == packages_on_disk()


@pytest.mark.slow
def test_a_built_wheel_holds_every_module_the_model_and_the_presets(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    for item in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / item, tree / item)
    for folder in {p.relative_to(ROOT) for p in FOLDERS.values()}:
        shutil.copytree(ROOT / folder, tree / folder, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(tree), "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path / "dist")],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"{name.replace('.', '/')}/{path.relative_to(folder).as_posix()}"
        for name, folder in FOLDERS.items()
        for path in folder.rglob("*.py")
        if "__pycache__" not in path.parts
    }
    expected |= {f"jambridge/presets/{p.name}" for p in (ROOT / "presets").glob("*.json")}
    expected |= {
        f"jambridge/models/default/{p.name}" for p in (ROOT / "jambridge/models/default").iterdir()
    }
    assert sorted(expected - names) == []


def distributions(requirements: list[str]) -> set[str]:
    return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower() for r in requirements}


def third_party_imports(path: Path, module_level_only: bool) -> set[str]:
    """Distributions a file imports (all imports, or only those run at import time)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    if module_level_only:  # module level includes the bodies of top-level if/try blocks
        skip = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        nodes = [n for top in nodes if not isinstance(top, skip) for n in ast.walk(top)]
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    local = {p.stem for p in (ROOT / "tests").iterdir()}  # tests import their siblings
    names -= {*sys.stdlib_module_names, *local, "jambridge", "tests", "__future__"}
    return {DISTRIBUTION.get(n, n).lower() for n in names}


def runtime_files() -> list[Path]:
    files = [p for folder in FOLDERS.values() for p in folder.rglob("*.py")]
    return [p for p in files if not p.relative_to(ROOT).as_posix().startswith(TRAIN_ONLY)]


def runtime_dependencies() -> set[str]:
    deps = distributions(PYPROJECT["project"]["dependencies"])
    return {d.removesuffix("-gpu") for d in deps}  # onnxruntime-gpu is imported as onnxruntime


def test_what_the_runtime_imports_at_load_is_a_runtime_dependency():
    imported = set().union(*(third_party_imports(p, True) for p in runtime_files()))
    assert imported - runtime_dependencies() == set()


def test_every_runtime_dependency_is_imported_by_the_runtime():
    imported = set().union(*(third_party_imports(p, False) for p in runtime_files()))
    assert runtime_dependencies() - imported == set()


def test_tests_import_only_declared_dependencies():
    extras = PYPROJECT["project"]["optional-dependencies"]
    declared = runtime_dependencies() | set().union(*(distributions(e) for e in extras.values()))
    imported = set().union(*(third_party_imports(p, False) for p in (ROOT / "tests").glob("*.py")))
    assert imported - declared == set()
