"""Dragging clips out of the window as real ``.mid`` files (a DAW takes them as a new clip).

:func:`mime_for_file` builds the mime data (a file URL, as a file manager's drag carries);
:class:`DragHandle` is the grip a take row or a lane offers: pressing and moving it starts a
:class:`QDrag` with the file its ``provider`` names. The files already exist (the take store
writes them when a take is made), so starting a drag does no file work on the Qt thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import QMimeData, QPoint, Qt, QUrl, pyqtSignal
from PyQt6.QtGui import QDrag, QMouseEvent
from PyQt6.QtWidgets import QApplication, QLabel, QWidget

MIDI_MIME = "audio/midi"  # also offered: the file's bytes under this type, for apps that want it


def mime_for_file(path: Path, with_bytes: bool = False) -> QMimeData:
    """Mime data carrying ``path`` as a file URL (``text/uri-list``), plus its name as text.

    Args:
        path: an existing ``.mid`` file.
        with_bytes: also attach the file's bytes as ``audio/midi`` (reads the file).
    """
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(Path(path).resolve()))])
    mime.setText(Path(path).name)
    if with_bytes:
        mime.setData(MIDI_MIME, Path(path).read_bytes())
    return mime


class DragHandle(QLabel):
    """A grip that drags the file ``provider()`` returns (None: nothing to drag, says why via
    :attr:`refused`)."""

    started = pyqtSignal(str)  # the path being dragged
    refused = pyqtSignal(str)  # why nothing can be dragged now

    def __init__(
        self,
        provider: Callable[[], Path | None],
        text: str = "⠿ drag",
        why_empty: str = "nothing to drag yet: generate or capture a clip first",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(text, parent)
        self.provider = provider
        self.why_empty = why_empty
        self._press: QPoint | None = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolTip("Drag into a DAW track as a .mid clip")
        self.setObjectName("dragHandle")

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if self._press is None:
            return
        moved = (event.position().toPoint() - self._press).manhattanLength()
        if moved < QApplication.startDragDistance():
            return
        self._press = None
        self.start_drag()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        self._press = None

    def mime_data(self) -> QMimeData | None:
        """The mime data a drag would carry now, or None (and :attr:`refused` is emitted)."""
        path = self.provider()
        if path is None or not Path(path).is_file():
            self.refused.emit(self.why_empty if path is None else f"{path} is gone")
            return None
        return mime_for_file(path)

    def start_drag(self) -> Qt.DropAction | None:
        """Start the drag (blocks in Qt's drag loop until the drop, as every drag does)."""
        mime = self.mime_data()
        if mime is None:
            return None
        self.started.emit(mime.urls()[0].toLocalFile())
        drag = QDrag(self)
        drag.setMimeData(mime)
        return drag.exec(Qt.DropAction.CopyAction)
