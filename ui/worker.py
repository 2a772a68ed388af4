"""Run slow calls (generation, file work, session start/stop) off the Qt thread.

:class:`Worker` hands a callable to a private :class:`QThreadPool` and delivers the result or
the error back on the Qt thread through queued signals. Errors the user can fix
(:class:`~jambridge.errors.JamBridgeError`) arrive as their message; anything else arrives as
``"internal error: Type: message"`` with the traceback in the log, never on screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, QRunnable, Qt, QThreadPool, pyqtSignal, pyqtSlot

from jambridge.errors import JamBridgeError

log = logging.getLogger(__name__)


def error_text(err: BaseException) -> str:
    """What the window says about ``err``: its message when it is ours, else a short line."""
    text = " ".join(str(err).split())  # one line, however the message was laid out
    if isinstance(err, JamBridgeError):
        return text
    return f"internal error: {type(err).__name__}: {text}"


class _Job(QObject):
    """Carries one call's outcome back to the Qt thread (lives there; emitted from the pool)."""

    done = pyqtSignal(object)
    failed = pyqtSignal(str)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[], Any], job: _Job, name: str) -> None:
        super().__init__()
        self._fn, self._job, self._name = fn, job, name

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as err:  # everything goes back as a message, nothing escapes
            if not isinstance(err, JamBridgeError):
                log.exception("%s failed", self._name)
            self._job.failed.emit(error_text(err))
            return
        self._job.done.emit(result)


class Worker(QObject):
    """A small pool for the app's slow calls. ``busy`` counts calls under way."""

    busy_changed = pyqtSignal(int)

    def __init__(self, threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._jobs: set[_Job] = set()  # keeps each job alive until its signal has arrived

    @property
    def busy(self) -> int:
        return len(self._jobs)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        name: str = "task",
    ) -> None:
        """Run ``fn()`` in the pool; ``on_done(result)`` or ``on_error(text)`` runs on the Qt
        thread afterwards."""
        job = _Job(self)
        self._jobs.add(job)

        @pyqtSlot(object)
        def finished(result: Any) -> None:
            self._forget(job)
            if on_done is not None:
                on_done(result)

        @pyqtSlot(str)
        def errored(text: str) -> None:
            self._forget(job)
            if on_error is not None:
                on_error(text)

        job.done.connect(finished, Qt.ConnectionType.QueuedConnection)
        job.failed.connect(errored, Qt.ConnectionType.QueuedConnection)
        self.busy_changed.emit(len(self._jobs))
        self._pool.start(_Runnable(fn, job, name))

    def _forget(self, job: _Job) -> None:
        self._jobs.discard(job)
        job.deleteLater()
        self.busy_changed.emit(len(self._jobs))

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until the pool is idle (shutdown and tests only). True when it is."""
        return self._pool.waitForDone(timeout_ms)
