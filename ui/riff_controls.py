"""How the prompt riff plays in offline generation: the mode (keep / develop / continue), how
far toward the 16th grid it is quantized, drumify, and develop's kind, amount and return period.

Plain widgets that read as :class:`~jambridge.riff.RiffSettings` (:meth:`RiffControls.settings`);
develop's row shows only in develop mode. The library checks the values (a return period no
longer than the riff is its error, shown on the error line).
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from jambridge.riff import KINDS, MODES, RiffSettings

MODE_TIPS: dict[str, str] = {
    "keep": "keep: the riff loops exactly while the other tracks answer it",
    "develop": "develop: the riff is varied, and comes back exactly every few bars",
    "continue": "continue: the riff opens the song and the model carries on",
}
KIND_TIPS: dict[str, str] = {
    "rhythm": "rhythm: the riff's rhythm with new notes",
    "notes": "notes: the riff's notes in a new rhythm",
    "free": "free: both change",
}
RETURN_MAX = 64  # bars: RiffSettings' limit


def _amount_box(prefix: str, tip: str, value: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0.0, 1.0)
    box.setSingleStep(0.25)
    box.setDecimals(2)
    box.setPrefix(prefix)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def _choices(items: tuple[str, ...], tips: dict[str, str], tip: str) -> QComboBox:
    box = QComboBox()
    for item in items:
        box.addItem(item, item)
        box.setItemData(box.count() - 1, tips[item], Qt.ItemDataRole.ToolTipRole)
    box.setToolTip(tip)
    return box


class RiffControls(QWidget):
    """Mode, quantize, drumify; develop's kind, amount and return period (develop only)."""

    changed = pyqtSignal()  # any value moved

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = RiffSettings()
        self.mode_box = _choices(MODES, MODE_TIPS, "How the prompt riff plays")
        self.mode_box.setObjectName("riffMode")
        self.quantize_box = _amount_box(
            "quantize ", "The riff's onsets toward the 16th grid: 0 as played .. 1 on the grid",
            defaults.quantize,
        )  # fmt: skip
        self.drumify_box = QCheckBox("drumify")
        self.drumify_box.setToolTip("Drums written to the riff: kick and snare on its accents")
        self.kind_box = _choices(KINDS, KIND_TIPS, "develop: what changes")
        self.kind_box.setCurrentIndex(KINDS.index(defaults.kind))
        self.amount_box = _amount_box(
            "amount ", "develop: the share of the riff's notes that change", defaults.amount
        )
        self.return_box = QSpinBox()
        self.return_box.setRange(0, RETURN_MAX)
        self.return_box.setSpecialValueText("↺ auto")
        self.return_box.setPrefix("↺ ")
        self.return_box.setSuffix(" bars")
        self.return_box.setToolTip(
            "develop: the riff comes back exactly every N bars (auto: 4 for a riff of up to 2 "
            "bars, else 8, 16 past 4)"
        )
        self.develop_widgets = (self.kind_box, self.amount_box, self.return_box)
        column = QVBoxLayout(self)  # two rows, each as wide as its own widgets need
        column.setContentsMargins(0, 0, 0, 0)
        for widgets in ((self.mode_box, self.quantize_box, self.drumify_box),
                        self.develop_widgets):  # fmt: skip
            row = QHBoxLayout()
            row.setSpacing(4)
            for widget in widgets:
                row.addWidget(widget, 1)
            column.addLayout(row)
        for box in (self.mode_box, self.kind_box):
            box.currentIndexChanged.connect(lambda _i: self._changed())
        for spin in (self.quantize_box, self.amount_box, self.return_box):
            spin.valueChanged.connect(lambda _v: self._changed())
        self.drumify_box.toggled.connect(lambda _v: self._changed())
        self._show_develop()

    def settings(self) -> RiffSettings:
        """What the widgets say."""
        return RiffSettings(
            mode=self.mode_box.currentData(),
            amount=self.amount_box.value(),
            kind=self.kind_box.currentData(),
            return_every=self.return_box.value(),
            quantize=self.quantize_box.value(),
            drumify=self.drumify_box.isChecked(),
        )

    def set_mode(self, mode: str) -> None:
        """Choose ``mode`` (one of MODES)."""
        self.mode_box.setCurrentIndex(MODES.index(mode))

    def _changed(self) -> None:
        self._show_develop()
        self.changed.emit()

    def _show_develop(self) -> None:
        develop = self.mode_box.currentData() == "develop"
        for widget in self.develop_widgets:
            widget.setVisible(develop)
