"""Dependency rules around the app: the library never imports Qt, and the app never imports
torch. Each check runs in a fresh interpreter with the forbidden package blocked."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import textwrap

import jambridge
import jambridge.ui

BLOCKER = textwrap.dedent(
    """
    import importlib, importlib.abc, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"imported {name}")
            return None

    sys.meta_path.insert(0, Block())
    for module in MODULES:
        importlib.import_module(module)
    print("ok")
    """
)
# apps and tools (the two app benchmarks measure the window, so they import Qt)
NOT_LIBRARY = (
    "jambridge.ui",
    "jambridge.export",
    "jambridge.training",
    "jambridge.bench.startup",
    "jambridge.bench.stream",
)


def run_blocked(blocked: tuple[str, ...], modules: list[str]) -> subprocess.CompletedProcess:
    code = f"BLOCKED = {blocked!r}\nMODULES = {modules!r}\n" + BLOCKER
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def library_modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(jambridge.__path__, "jambridge.")]
    return [n for n in names if not n.startswith(NOT_LIBRARY) and not n.endswith("__main__")]


def test_the_library_never_imports_qt():
    modules = library_modules()
    assert "jambridge.commands.app" in modules and "jambridge.bridge.session" in modules
    result = run_blocked(("PyQt6", "PyQt5", "PySide6"), modules)
    assert result.stdout.strip() == "ok", result.stderr[-2000:]


def test_the_app_never_imports_torch():
    app = [f"jambridge.ui.{m.name}" for m in pkgutil.iter_modules(jambridge.ui.__path__)]
    assert "jambridge.ui.main_window" in app
    result = run_blocked(("torch",), [*app, "jambridge.engine.live", "jambridge.bridge.session"])
    assert result.stdout.strip() == "ok", result.stderr[-2000:]
