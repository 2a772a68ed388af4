"""Offline generation controls: bars, seed, engine, and the Generate button."""

from __future__ import annotations

import secrets

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QGroupBox, QPushButton, QSpinBox

from jambridge.ui.offline import BARS_RANGE, ENGINE_CHOICES

SEED_MAX = 2**31 - 1
ENGINE_LABELS: dict[str, tuple[str, str]] = {  # engine -> (shown as, tooltip)
    "auto": ("model if installed", "The shipped model; the rule-based generator without it"),
    "model": ("model only", "The shipped model (an error if it is not installed)"),
    "procedural": ("rules (procedural)", "The rule-based generator: no model needed"),
}


class GeneratePanel(QGroupBox):
    """Bars / seed / engine, and a Generate button that emits :attr:`generate_clicked`."""

    generate_clicked = pyqtSignal()

    def __init__(self, parent=None) -> None:
        super().__init__("Generate", parent)
        self.bars_box = QSpinBox()
        self.bars_box.setRange(*BARS_RANGE)
        self.bars_box.setValue(8)
        self.bars_box.setSuffix(" bars")
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, SEED_MAX)
        self.seed_box.setPrefix("seed ")
        self.seed_box.setToolTip("Random seed: the same seed and settings give the same clip")
        self.random_box = QCheckBox("new seed")
        self.random_box.setToolTip("Draw a new seed for every Generate (untick to keep the seed)")
        self.random_box.setChecked(True)
        self.engine_box = QComboBox()
        for engine in ENGINE_CHOICES:
            text, tip = ENGINE_LABELS[engine]
            self.engine_box.addItem(text, engine)
            self.engine_box.setItemData(
                self.engine_box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole
            )
        self.engine_box.setToolTip("What writes the clip: the model or the rules")
        self.button = QPushButton("Generate")
        self.button.setObjectName("generateButton")
        self.button.clicked.connect(self.generate_clicked.emit)
        grid = QGridLayout(self)
        grid.addWidget(self.bars_box, 0, 0)
        grid.addWidget(self.engine_box, 0, 1)
        grid.addWidget(self.seed_box, 1, 0)
        grid.addWidget(self.random_box, 1, 1)
        grid.addWidget(self.button, 2, 0, 1, 2)

    def next_seed(self) -> int:
        """The seed for the next generation (a fresh one when asked for, shown in the box)."""
        if self.random_box.isChecked():
            self.seed_box.setValue(secrets.randbelow(SEED_MAX))
        return self.seed_box.value()

    def engine(self) -> str:
        """The engine chosen (one of ENGINE_CHOICES)."""
        return self.engine_box.currentData()

    def set_engine(self, engine: str) -> None:
        """Choose ``engine`` (one of ENGINE_CHOICES)."""
        self.engine_box.setCurrentIndex(self.engine_box.findData(engine))

    def bars(self) -> int:
        return self.bars_box.value()

    def set_busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.button.setText("Generating…" if busy else "Generate")
