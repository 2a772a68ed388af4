"""Capture controls: how many bars, into which role, from which input channel; arm or retro.

Armed capture records the next N bars from the next bar line; retro capture takes the last N
bars already played into "JamBridge In" (like a DAW's capture MIDI). Both need the bridge
running; the panel only emits what was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
)

from jambridge.bridge.controls import CAPTURE_BARS_RANGE
from jambridge.music import ROLES


@dataclass(frozen=True)
class CaptureRequest:
    """What to capture."""

    kind: str  # "armed" (the next bars) or "retro" (the last bars heard)
    bars: int  # CAPTURE_BARS_RANGE
    role: str  # the role the riff becomes
    channel: int | None  # 0-based input channel; None: every channel


class CapturePanel(QGroupBox):
    """Arm / retro capture controls."""

    requested = pyqtSignal(object)  # a CaptureRequest

    def __init__(self, parent=None) -> None:
        super().__init__("Capture", parent)
        self.bars_box = QSpinBox()
        self.bars_box.setRange(*CAPTURE_BARS_RANGE)
        self.bars_box.setValue(2)
        self.bars_box.setSuffix(" bars")
        self.role_box = QComboBox()
        self.role_box.addItems(ROLES)
        self.role_box.setCurrentText("bass")
        self.channel_box = QComboBox()
        self.channel_box.addItem("all channels", None)
        for ch in range(16):
            self.channel_box.addItem(f"channel {ch + 1}", ch)
        self.arm_button = QPushButton("● Arm")
        self.arm_button.setToolTip("Record the next bars from the next bar line")
        self.retro_button = QPushButton("⟲ Retro")
        self.retro_button.setToolTip("Take the bars you just played")
        self.state_label = QLabel("")
        self.arm_button.clicked.connect(lambda: self._request("armed"))
        self.retro_button.clicked.connect(lambda: self._request("retro"))
        self.channel_box.setToolTip("The input channel the riff is played on")
        grid = QGridLayout(self)  # three rows: what to capture, the buttons, the state
        fields = QHBoxLayout()
        fields.setSpacing(4)
        for box in (self.bars_box, self.role_box, self.channel_box):
            fields.addWidget(box, 1)
        grid.addLayout(fields, 0, 0, 1, 2)
        grid.addWidget(self.arm_button, 1, 0)
        grid.addWidget(self.retro_button, 1, 1)
        grid.addWidget(self.state_label, 2, 0, 1, 2)
        self.set_live(False)

    def request(self, kind: str) -> CaptureRequest:
        """The request the panel's fields describe."""
        return CaptureRequest(
            kind, self.bars_box.value(), self.role_box.currentText(), self.channel_box.currentData()
        )

    def set_live(self, live: bool) -> None:
        """Capture works only while the bridge runs."""
        for button in (self.arm_button, self.retro_button):
            button.setEnabled(live)
        self.state_label.setText(
            "arm, then play; or play, then retro" if live else "start the bridge to capture"
        )

    def set_state(self, text: str) -> None:
        self.state_label.setText(text)

    def _request(self, kind: str) -> None:
        self.requested.emit(self.request(kind))
