"""Start the desktop app: the QApplication, the parts, the window (``jambridge app``).

:func:`build_window` assembles a window from its parts (tests and the benchmark call it with
their own take folder and session factory); :func:`main` runs the app until the window closes.
Unexpected exceptions in Qt callbacks go to the log and the window's message area (PyQt would
otherwise abort the process), never to the user as a traceback.
"""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication

from jambridge.live_options import LiveOptions
from jambridge.ui.live import Live
from jambridge.ui.main_window import MainWindow
from jambridge.ui.session_adapter import SessionAdapter, SessionFactory
from jambridge.ui.studio import Studio
from jambridge.ui.take_store import TakeStore
from jambridge.ui.timeline_model import BarTimeline
from jambridge.ui.worker import error_text

log = logging.getLogger("jambridge.ui")
DISABLED_TEXT = "#6b707c"  # greyed-out controls (Start while running, capture while stopped)
PALETTE: dict[QPalette.ColorRole, str] = {  # a dark theme: lanes read best on black
    QPalette.ColorRole.Window: "#23262e",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1b1d23",
    QPalette.ColorRole.AlternateBase: "#2b2f38",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#2f333d",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.Highlight: "#5bc0eb",
    QPalette.ColorRole.HighlightedText: "#111111",
    QPalette.ColorRole.ToolTipBase: "#2b2f38",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
}


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (made once), styled."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv or sys.argv[:1]))
        app.setApplicationName("JamBridge")
        apply_look(app)
    return app


def apply_look(app: QApplication) -> None:
    """The app's look: Fusion with the dark palette (tests apply it to their own app too)."""
    app.setStyle("Fusion")
    palette = QPalette()
    for role, colour in PALETTE.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.WindowText):  # fmt: skip
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(DISABLED_TEXT))
    app.setPalette(palette)


def build_window(
    options: LiveOptions | None = None,
    preset: str = "techno",
    takes_dir: Path | str | None = None,
    factory: SessionFactory | None = None,
    list_ports: bool = True,
) -> MainWindow:
    """Assemble the window and start loading presets, takes and ports (off the Qt thread)."""
    options = options or LiveOptions(preset=preset)
    timeline = BarTimeline()
    studio = Studio(TakeStore(takes_dir), timeline)
    adapter = SessionAdapter(factory)
    live = Live(adapter, timeline, studio)
    window = MainWindow(studio, live, options)
    studio.setParent(window)
    adapter.setParent(window)
    live.setParent(window)
    studio.refresh_presets(select=preset)
    studio.load_preset(preset)
    studio.load_takes()
    if list_ports:
        adapter.list_ports(options.midi_api)
    return window


def _install_excepthook(window: MainWindow) -> None:
    def hook(kind, value, tb) -> None:
        log.error("uncaught exception", exc_info=(kind, value, tb))
        window.messages.error(error_text(value))

    sys.excepthook = hook


def _close_on_signals(window: MainWindow) -> QTimer:
    """Ctrl-C / SIGTERM close the window (which stops the bridge: no note left hanging). Qt's
    loop does not run Python signal handlers by itself; a timer lets it every 200 ms."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: window.close())
    timer = QTimer(window)  # stops with the window
    timer.timeout.connect(_let_python_run)  # a module function: no lambda for gc to free
    timer.start(200)
    return timer


def _let_python_run() -> None:
    """The signal timer's slot: doing nothing is enough for Python to run its handlers."""


def main(options: LiveOptions | None = None, preset: str = "techno") -> int:
    """Run the app until its window closes; returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = application()
    window = build_window(options, preset)
    _install_excepthook(window)
    _close_on_signals(window)
    window.show()
    return app.exec()
