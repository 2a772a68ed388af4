"""Where the window talks to the user: the latest info line and the error line, side by side in
the status bar.

Every error (a port that vanished, a missing model, a bad preset) ends up here as one line;
nothing reaches the user as a traceback. Info and warning lines ("take #1 saved", "cannot list
MIDI ports") show on the left for a few seconds; the last error stays on the right, in red,
until the next one or :meth:`MessageArea.clear_error`. Each has its own label, so one never
hides the other; a line too long for its label is cut with "…" and the labels' tooltip holds
the last lines in full. An info line may carry one button (:meth:`MessageArea.offer`: "take #7
deleted [Undo]"); the button goes when the line does. The last lines are kept in
:attr:`MessageArea.history` (tests read it).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

from PyQt6.QtCore import QObject, Qt, QTimer
from PyQt6.QtWidgets import QLabel, QPushButton, QSizePolicy, QStatusBar

log = logging.getLogger("jambridge.ui")
HISTORY = 50  # lines kept
INFO_MS = 6000  # how long an info line stays (a warning twice as long)
INFO_STRETCH, ERROR_STRETCH = 3, 2  # share of the bar when both show
WARNING_COLOUR = "#f4d35e"
ERROR_COLOUR = "#ff6b6b"


class ElidedLabel(QLabel):
    """A one-line label that cuts its text with "…" to its width instead of growing."""

    def __init__(self, object_name: str) -> None:
        super().__init__("")
        self.setObjectName(object_name)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(0)

    def set_line(self, text: str) -> None:
        """Show ``text`` (cut to fit); an empty text hides the label."""
        self._full = text
        self._fit()
        self.setVisible(bool(text))

    def line(self) -> str:
        """The whole text, uncut."""
        return self._full

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        width = max(self.contentsRect().width(), 0)
        fitted = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width)
        self.setText(fitted)


class MessageArea(QObject):
    """Wraps a QStatusBar: :meth:`info`, :meth:`warning`, :meth:`error`.

    A child of the status bar, its fade timer a child of it, the timer's slot a bound method
    (never a lambda): Qt stops the timer with the window, and once the window's Python objects
    are collected (closed, its deletion still pending) PyQt skips the call instead of running a
    freed lambda (that segfaulted; tests/test_ui_lifetime.py).
    """

    def __init__(self, status_bar: QStatusBar) -> None:
        super().__init__(status_bar)
        self.bar = status_bar
        self.info_label = ElidedLabel("infoLabel")
        self.error_label = ElidedLabel("errorLabel")
        self.error_label.setStyleSheet(f"color: {ERROR_COLOUR}; font-weight: bold;")
        self.action_button = QPushButton()  # the info line's button, when it has one
        self.action_button.setObjectName("infoAction")
        self.action_button.setVisible(False)
        self.action_button.clicked.connect(self._act)
        self._action: Callable[[], None] | None = None
        status_bar.addWidget(self.info_label, INFO_STRETCH)
        status_bar.addWidget(self.action_button)
        status_bar.addWidget(self.error_label, ERROR_STRETCH)
        self.info_label.set_line("")
        self.error_label.set_line("")
        self._fade = QTimer(self)
        self._fade.setSingleShot(True)
        self._fade.timeout.connect(self._fade_out)
        self.history: deque[tuple[str, str]] = deque(maxlen=HISTORY)  # (level, text)

    def info(self, text: str) -> None:
        self._keep("info", text)
        self._show_info(text, "", INFO_MS)

    def offer(self, text: str, action: str, callback: Callable[[], None]) -> None:
        """An info line with a button named ``action`` that calls ``callback`` once; the button
        goes with the line (it fades, or the next line replaces it)."""
        self.info(text)
        self._action = callback
        self.action_button.setText(action)
        self.action_button.setVisible(True)
        self._fade.start(2 * INFO_MS)

    def warning(self, text: str) -> None:
        self._keep("warning", text)
        self._show_info("⚠ " + text, WARNING_COLOUR, 2 * INFO_MS)

    def error(self, text: str) -> None:
        """Show ``text`` in red until the next error or :meth:`clear_error`."""
        self._keep("error", text)
        self.error_label.set_line("✖ " + text)

    def clear_error(self) -> None:
        self.error_label.set_line("")

    def say(self, level: str, text: str) -> None:
        """``info``, ``warning`` or ``error`` by name (the bridge's log lines)."""
        {"error": self.error, "warning": self.warning}.get(level, self.info)(text)

    def errors(self) -> list[str]:
        """The error lines kept, oldest first (each starts with its time, HH:MM:SS)."""
        return [t for level, t in self.history if level == "error"]

    def _show_info(self, text: str, colour: str, ms: int) -> None:
        self.info_label.setStyleSheet(f"color: {colour};" if colour else "")
        self.info_label.set_line(text)
        self.action_button.setVisible(False)
        self._action = None
        if ms:
            self._fade.start(ms)

    def _fade_out(self) -> None:
        """The fade timer's slot: the info line and its button go."""
        self._show_info("", "", 0)

    def _act(self) -> None:
        action, self._action = self._action, None
        self.action_button.setVisible(False)
        if action is not None:
            action()

    def _keep(self, level: str, text: str) -> None:
        getattr(log, level)(text)
        self.history.append((level, f"{time.strftime('%H:%M:%S')} {text}"))
        lines = "\n".join(f"{lv}: {t}" for lv, t in list(self.history)[-12:])
        self.info_label.setToolTip(lines)
        self.error_label.setToolTip(lines)
