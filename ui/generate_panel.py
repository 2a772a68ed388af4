"""Offline generation controls: bars, seed, engine, and the Generate button."""

from __future__ import annotations

import secrets

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QGroupBox, QPushButton, QSpinBox

from jambridge.ui.offline import BARS_RANGE, ENGINE_CHOICES

SEED_MAX = 2**31 - 1


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
        self.random_box = QCheckBox("new seed each time")
        self.random_box.setChecked(True)
        self.engine_box = QComboBox()
        self.engine_box.addItems(ENGINE_CHOICES)
        self.engine_box.setToolTip("auto: the shipped model, or the procedural generator without")
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
        return self.engine_box.currentText()

    def bars(self) -> int:
        return self.bars_box.value()

    def set_busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.button.setText("Generating…" if busy else "Generate")
