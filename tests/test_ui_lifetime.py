"""The window's timers never outlive what they call.

pytest-qt closes a test's window and calls ``deleteLater()``; the deletion waits for the next
nested event loop, but every later test's hooks call ``processEvents()``. Meanwhile ``gc`` may
collect the window's Python objects while its C++ widgets, timers included, live on: a timer
whose slot was a lambda then called the freed lambda and the process segfaulted (seen after
test_ui_live.py, in message_area.py's fade lambda). Each scenario runs in a fresh interpreter
(a segfault must not take pytest with it) and says ``ok`` only when nothing crashed and no
Python error escaped a Qt callback. A second test keeps the rule that avoids it in ui/'s
source: timers have a parent (or a context object) and their slots are never lambdas.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import jambridge.ui

ROOT = Path(__file__).resolve().parents[1]
UI = Path(jambridge.ui.__file__).parent

SCENARIO = textwrap.dedent(
    """
    import gc, sys, time
    from PyQt6.QtCore import QEventLoop, QTimer
    from PyQt6.QtWidgets import QApplication
    from jambridge.live_options import LiveOptions
    from jambridge.ui import message_area
    from jambridge.ui.app import build_window
    from tests.support.ui_fixtures import ScriptedSession

    escaped = []
    sys.excepthook = lambda kind, value, tb: escaped.append(f"{kind.__name__}: {value}")
    message_area.INFO_MS = 400  # the fades (Undo's is twice this) end within the run

    def until(app, done, seconds=30.0):
        end = time.monotonic() + seconds
        while not done() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)
        assert done(), "the window did not get ready"

    def spin(app, seconds):  # what pytest-qt's hooks do between tests: no nested loop
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def used_and_closed(app, takes):
        \"\"\"A live window that said things, closed and left to deleteLater as pytest-qt
        leaves it; nothing of it stays referenced from here.\"\"\"
        w = build_window(LiveOptions(engine="pattern"), takes_dir=takes, list_ports=False,
                         factory=lambda settings, on_event: ScriptedSession(settings, on_event))
        w.show()
        until(app, lambda: w.studio.preset is not None)
        w.start_bridge()
        until(app, lambda: w.live.running)  # the display timer runs
        w.messages.warning("cannot list MIDI ports")
        w.messages.offer("take #1 deleted", "Undo", lambda: None)  # the Undo button's fade
        w.close()
        w.deleteLater()
        return w if MODE == "kept" else None

    app = QApplication([])
    kept = used_and_closed(app, sys.argv[1])
    spin(app, 0.2)  # the bridge's last words arrive
    gc.collect()
    garbage = [[str(i) * 3 for i in range(50)] for _ in range(20000)]  # reuse freed memory
    spin(app, 1.5)  # past every fade
    loop = QEventLoop()  # a nested loop: the deletion runs now
    QTimer.singleShot(100, loop.quit)
    loop.exec()
    gc.collect()
    spin(app, 1.0)
    assert not escaped, escaped
    print("ok")
    """
)


@pytest.mark.qt
@pytest.mark.parametrize("mode", ["collected", "kept"])
def test_a_closed_window_s_timers_never_call_into_freed_objects(tmp_path, mode):
    """collected: the window's Python objects are garbage while its C++ side waits for
    deletion; kept: a reference outlives the C++ window (its deletion ran)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONFAULTHANDLER="1")
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    script = f"MODE = {mode!r}\n" + SCENARIO
    run = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "takes")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0 and run.stdout.strip() == "ok", (
        f"exit {run.returncode}\n{run.stdout}\n{run.stderr[-3000:]}"
    )


def _timer_faults(path: Path) -> list[str]:
    """Where ``path`` makes a QTimer without a parent, a singleShot without a context object,
    or connects a timer's timeout to a lambda."""
    faults = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func, where = node.func, f"{path.name}:{node.lineno}"
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        args = [*node.args, *(k.value for k in node.keywords)]
        if name == "QTimer" and not args:
            faults.append(f"{where}: QTimer() without a parent")
        elif name == "singleShot" and len(args) < 3:
            faults.append(f"{where}: singleShot without a context object")
        elif name == "singleShot" and isinstance(args[-1], ast.Lambda):
            faults.append(f"{where}: singleShot calls a lambda")
        is_timeout = isinstance(func, ast.Attribute) and func.attr == "connect"
        is_timeout = is_timeout and getattr(func.value, "attr", "") == "timeout"
        if is_timeout and any(isinstance(a, ast.Lambda) for a in args):
            faults.append(f"{where}: a timer's timeout connected to a lambda")
    return faults


def test_ui_timers_are_parented_and_call_no_lambdas():
    faults = [f for path in sorted(UI.glob("*.py")) for f in _timer_faults(path)]
    assert faults == []
