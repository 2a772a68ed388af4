"""Preset picker: the shipped presets and the user's own; save the current settings as one.

The panel shows each preset by its display name ("Deep House", the preset's ``name``), the
user's own marked "(yours)", and emits the chosen preset's file name; loading and saving files
is the window's business (done off the Qt thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

USER_MARK = " (yours)"  # shown after a user preset's name


@dataclass(frozen=True)
class PresetEntry:
    """One preset in the picker."""

    name: str  # what load_preset takes: the file name without .json ("deephouse")
    title: str  # what the user reads: the preset's own name ("Deep House")
    user: bool  # the user's own (in the user folder), not shipped

    @property
    def label(self) -> str:
        return self.title + (USER_MARK if self.user else "")


class PresetsPanel(QGroupBox):
    """A preset combo box and a save button."""

    chosen = pyqtSignal(str)  # preset name
    save_requested = pyqtSignal(str)  # name for a new user preset

    def __init__(self, parent=None) -> None:
        super().__init__("Preset", parent)
        self.combo = QComboBox()
        self.combo.setMinimumWidth(150)
        self.combo.setToolTip("Shipped presets, and yours (marked: yours)")
        self.combo.currentIndexChanged.connect(self._picked)
        self.save_button = QPushButton("Save as…")
        self.save_button.setToolTip("Save the current lanes and tempo as your own preset")
        self.save_button.clicked.connect(self._ask_name)
        self.description = QLabel("")
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: #9aa0ac;")
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.description)

    def set_presets(self, entries: Sequence[PresetEntry], current: str | None) -> None:
        """List ``entries`` and select the one named ``current`` without emitting."""
        self.combo.blockSignals(True)
        self.combo.clear()
        for entry in entries:
            self.combo.addItem(entry.label, entry.name)
            self.combo.setItemData(self.combo.count() - 1, entry.name, Qt.ItemDataRole.ToolTipRole)
        index = self.combo.findData(current) if current else -1
        self.combo.setCurrentIndex(max(index, 0) if self.combo.count() else -1)
        self.combo.blockSignals(False)

    def current(self) -> str | None:
        return self.combo.currentData()

    def select(self, name: str) -> None:
        """Pick ``name`` as if the user had (emits :attr:`chosen` when it changes)."""
        index = self.combo.findData(name)
        if index >= 0:
            self.combo.setCurrentIndex(index)

    def set_description(self, text: str) -> None:
        self.description.setText(text)

    def _picked(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name:
            self.chosen.emit(name)

    def _ask_name(self) -> None:
        name, ok = QInputDialog.getText(self, "Save preset", "Name of your preset:")
        if ok and name.strip():
            self.save_requested.emit(name.strip())
