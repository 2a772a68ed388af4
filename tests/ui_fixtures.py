"""Fixtures for the desktop app's tests: an offscreen Qt, private config/data folders, and the
real window built on them. A test module uses them with
``pytest_plugins = ["tests.ui_fixtures"]``.

Qt runs offscreen (no display needed); presets, captures and takes go to ``tmp_path`` so the
user's own folders are never touched.
"""

from __future__ import annotations

import os

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
def make_window(qtbot, ui_home):
    """A factory for the real window (presets loaded); windows are stopped and closed after."""
    from jambridge.ui.app import build_window

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
