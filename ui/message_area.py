"""Where the window talks to the user: info lines in the status bar, errors in red beside them.

Every error (a port that vanished, a missing model, a bad preset) ends up here as one line;
nothing reaches the user as a traceback. The last lines are kept in :attr:`MessageArea.history`
(the tooltip shows them, tests read them).
"""

from __future__ import annotations

import logging
import time
from collections import deque

from PyQt6.QtWidgets import QLabel, QStatusBar

log = logging.getLogger("jambridge.ui")
HISTORY = 50  # lines kept
INFO_MS = 6000  # how long an info line stays


class MessageArea:
    """Wraps a QStatusBar: :meth:`info`, :meth:`warning`, :meth:`error`."""

    def __init__(self, status_bar: QStatusBar) -> None:
        self.bar = status_bar
        self.error_label = QLabel("")
        self.error_label.setObjectName("errorLabel")
        self.error_label.setStyleSheet("color: #ff6b6b; font-weight: bold;")
        self.error_label.setWordWrap(False)
        status_bar.addPermanentWidget(self.error_label, 1)
        self.history: deque[tuple[str, str]] = deque(maxlen=HISTORY)  # (level, text)

    def info(self, text: str) -> None:
        self._keep("info", text)
        self.bar.showMessage(text, INFO_MS)

    def warning(self, text: str) -> None:
        self._keep("warning", text)
        self.bar.showMessage("⚠ " + text, 2 * INFO_MS)

    def error(self, text: str) -> None:
        """Show ``text`` in red until the next error or :meth:`clear_error`."""
        self._keep("error", text)
        self.error_label.setText("✖ " + text)

    def clear_error(self) -> None:
        self.error_label.setText("")

    def say(self, level: str, text: str) -> None:
        """``info``, ``warning`` or ``error`` by name (the bridge's log lines)."""
        {"error": self.error, "warning": self.warning}.get(level, self.info)(text)

    def errors(self) -> list[str]:
        """The error lines kept, oldest first (each starts with its time, HH:MM:SS)."""
        return [t for level, t in self.history if level == "error"]

    def _keep(self, level: str, text: str) -> None:
        getattr(log, level)(text)
        self.history.append((level, f"{time.strftime('%H:%M:%S')} {text}"))
        lines = [f"{lv}: {t}" for lv, t in list(self.history)[-12:]]
        self.error_label.setToolTip("\n".join(lines))
