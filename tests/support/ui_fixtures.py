"""Fixtures for the desktop app's tests: an offscreen Qt, private config/data folders, the
real window built on them, and the real window over a scripted bridge session. A test module
uses them with ``pytest_plugins = ["tests.support.ui_fixtures"]``.

Qt runs offscreen (no display needed); presets, captures and takes go to ``tmp_path`` so the
user's own folders are never touched.
"""

from __future__ import annotations

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import pytest  # noqa: E402

WAIT_MS = 15_000  # longest wait for a worker result (a loaded 2-core machine)


@pytest.fixture
def ui_home(tmp_path, monkeypatch):
    """Private XDG folders: user presets in ``config``, captures and takes in ``data``."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def make_window(qtbot, qapp, ui_home):
    """A factory for the real window (presets loaded); windows are stopped and closed after."""
    from jambridge.ui.app import apply_look, build_window

    apply_look(qapp)  # the app's own style and palette: what is drawn is what users see
    made = []

    def make(options=None, preset: str = "techno", takes_dir=None):
        w = build_window(
            options, preset=preset, takes_dir=takes_dir or ui_home / "takes", list_ports=False
        )
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(lambda: w.studio.preset is not None and w.presets.combo.count() > 0,
                        timeout=WAIT_MS)  # fmt: skip
        made.append(w)
        return w

    yield make
    for w in made:
        w.live.stop()
        w.live.adapter.wait(WAIT_MS)
        w.studio.wait(WAIT_MS)


@pytest.fixture
def window(make_window):
    """The window with the techno preset loaded and no bridge running."""
    return make_window()


class ScriptedSession:
    """Stands in for BridgeSession behind the real adapter: the test sets the position (and
    tempo) and sends events; steering calls are recorded."""

    def __init__(self, settings, on_event) -> None:
        self.settings = settings
        self.on_event = on_event
        self.bar, self.beat = 1, 1  # 1-based song position reported by status()
        self.bpm = 120.0  # tempo reported by status()
        self.calls: list[tuple] = []

    def start(self) -> ScriptedSession:
        return self

    def stop(self) -> None:
        pass

    def status(self):
        from jambridge.bridge.events import BridgeStatus

        return BridgeStatus(
            sync="internal", playing=True, bpm=self.bpm, bar=self.bar, beat=self.beat,
            clock="internal", gen_ms_last=1.0, gen_ms_max=1.0, underruns=0, late_p99_ms=0.0,
            late_max_ms=0.0, open_notes=0, notes_on=0, notes_off=0, ignored_input=0,
            capture_armed=False, latency_ms=0.0, generator_ok=True,
        )  # fmt: skip

    def send(self, *events) -> None:
        """Deliver ``events`` from another thread, in order (the dispatcher's way)."""
        thread = threading.Thread(target=lambda: [self.on_event(e) for e in events])
        thread.start()
        thread.join()

    def __getattr__(self, name: str):  # set_track, regenerate, play, ...: record the call
        return lambda *args, **kw: self.calls.append((name, args, kw))


@pytest.fixture
def scripted(qtbot, qapp, ui_home):
    """(window, session): the real window with a scripted session started."""
    from PyQt6.QtCore import Qt

    from jambridge.ui.app import apply_look, build_window

    apply_look(qapp)
    from jambridge.live_options import LiveOptions

    sessions: list[ScriptedSession] = []

    def factory(settings, on_event):
        sessions.append(ScriptedSession(settings, on_event))
        return sessions[-1]

    w = build_window(
        LiveOptions(engine="pattern"), takes_dir=ui_home / "takes", factory=factory,
        list_ports=False,
    )  # fmt: skip
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.studio.preset is not None, timeout=WAIT_MS)
    qtbot.mouseClick(w.transport.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.live.running, timeout=WAIT_MS)
    yield w, sessions[0]
    w.live.stop()
    w.live.adapter.wait(WAIT_MS)
    w.studio.wait(WAIT_MS)


def click_generate(qtbot, w, engine: str = "model", bars: int = 4, seed: int | None = None):
    """Click Generate (``engine``, ``bars``; a fixed ``seed`` when given) and wait until the new
    take is stored and shown; the take."""
    from PyQt6.QtCore import Qt

    if seed is not None:
        w.generator.random_box.setChecked(False)
        w.generator.seed_box.setValue(seed)
    w.generator.set_engine(engine)
    w.generator.bars_box.setValue(bars)
    before = w.takes.list.count()
    qtbot.mouseClick(w.generator.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.takes.list.count() == before + 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: w.studio.shown_take is not None, timeout=WAIT_MS)
    return w.studio.shown_take
