"""The take history panel: a list of takes, each draggable into a DAW as a ``.mid`` clip.

Dragging a row drags the whole take (the type-1 file the store wrote: tempo, track names, GM
programs, drums on channel 10). A lane's grip drags one track of the take on show. "Stems…"
copies the per-track files of the selected take into a folder; "Keep 8 bars" turns the last
bars of the live stream into a take; "Delete" (or the Delete key) asks before it deletes the
selected takes, and Ctrl+Z (or the status bar's "Undo") brings the last deleted back. File work
happens in the window's worker, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PyQt6.QtCore import QMimeData, Qt, pyqtSignal
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from jambridge.ui.drag import mime_for_file
from jambridge.ui.take_store import Take

KEEP_BARS = 8  # bars of the live stream "Keep" makes a take of
LIST_MIN_PX = 44  # the list's least height (two rows): the panels above get the rest at 640 px


class TakeList(QListWidget):
    """Takes, newest first; a row drags out as its take's ``.mid`` file."""

    def __init__(self, path_of: Callable[[Take], Path], parent=None) -> None:
        super().__init__(parent)
        self._path_of = path_of
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setMinimumHeight(LIST_MIN_PX)

    def set_takes(self, takes: Sequence[Take], select_id: int | None = None) -> None:
        current = self.current_take()
        wanted = select_id if select_id is not None else (current.id if current else None)
        self.blockSignals(True)
        self.clear()
        for take in takes:
            item = QListWidgetItem(take.label)
            item.setData(Qt.ItemDataRole.UserRole, take)
            item.setToolTip(f"{take.name}\n{take.kind}, {take.created}\n{', '.join(take.roles)}")
            self.addItem(item)
            if take.id == wanted:
                self.setCurrentItem(item)
        self.blockSignals(False)

    def current_take(self) -> Take | None:
        item = self.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def selected_takes(self) -> tuple[Take, ...]:
        """The selected takes, newest first (the current one when none is selected)."""
        rows = sorted(self.row(item) for item in self.selectedItems())
        takes = tuple(self.item(r).data(Qt.ItemDataRole.UserRole) for r in rows)
        current = self.current_take()
        return takes or ((current,) if current is not None else ())

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:  # noqa: N802 (Qt's name)
        """What a drag of ``items`` carries: the first take's file URL."""
        take = items[0].data(Qt.ItemDataRole.UserRole)
        return mime_for_file(self._path_of(take))

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt's name)
        return ["text/uri-list", "text/plain"]

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802 (Qt's name)
        return Qt.DropAction.CopyAction


class TakesPanel(QGroupBox):
    """The take list with Keep / Stems / Delete buttons (and Ctrl+Z for undoing a delete)."""

    take_selected = pyqtSignal(object)  # the Take to show in the lanes
    keep_clicked = pyqtSignal()
    stems_requested = pyqtSignal(object, str)  # Take, folder
    delete_requested = pyqtSignal(object)  # tuple of Takes, asked and confirmed
    undo_requested = pyqtSignal()  # bring back the takes deleted last

    def __init__(self, path_of: Callable[[Take], Path], parent=None) -> None:
        super().__init__("Takes (drag into your DAW)", parent)
        self.list = TakeList(path_of)
        self.list.currentItemChanged.connect(self._changed)
        self.keep_button = QPushButton(f"Keep {KEEP_BARS} bars")
        self.keep_button.setToolTip("Make a take of the last bars played live")
        self.keep_button.setEnabled(False)
        self.stems_button = QPushButton("Stems…")
        self.stems_button.setToolTip("Export one .mid per track of the selected take")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip(
            "Delete the selected takes and their files (asks first; Ctrl+Z brings them back)"
        )
        delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(self._delete)
        self.undo_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        self.undo_key.setContext(Qt.ShortcutContext.WindowShortcut)  # a text box keeps its own
        self.undo_key.activated.connect(self.undo_requested.emit)
        self.keep_button.clicked.connect(self.keep_clicked.emit)
        self.stems_button.clicked.connect(self._ask_folder)
        self.delete_button.clicked.connect(self._delete)
        buttons = QHBoxLayout()
        for b in (self.keep_button, self.stems_button, self.delete_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def set_takes(self, takes: Sequence[Take], select_id: int | None = None) -> None:
        self.list.set_takes(takes, select_id)

    def current_take(self) -> Take | None:
        return self.list.current_take()

    def set_live(self, live: bool) -> None:
        self.keep_button.setEnabled(live)

    def _changed(self, current: QListWidgetItem | None, _previous) -> None:
        if current is not None:
            self.take_selected.emit(current.data(Qt.ItemDataRole.UserRole))

    def _ask_folder(self) -> None:
        take = self.current_take()
        if take is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Export stems to")
        if folder:
            self.stems_requested.emit(take, folder)

    def _delete(self) -> None:
        takes = self.list.selected_takes()
        if not takes:
            return
        if len(takes) == 1:
            text = f"Delete take {takes[0].label!r} and its files? Undo (Ctrl+Z) brings it back."
        else:
            ids = ", ".join(f"#{t.id}" for t in takes)
            text = f"Delete {len(takes)} takes ({ids}) and their files? "
            text += "Undo (Ctrl+Z) brings them back."
        reply = QMessageBox.question(
            self,
            "Delete takes" if len(takes) > 1 else "Delete take",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if reply == QMessageBox.StandardButton.Yes:
            self.delete_requested.emit(takes)
