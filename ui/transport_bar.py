"""The transport bar: MIDI ports, sync mode, tempo, sync display, start / stop / panic.

Two rows, so that it fits a 1,024 px window: the routing (ports, clock, tempo, latency) above,
what is happening (sync state, BPM, bar:beat) and the Start / Stop / Panic buttons below. It
reports clicks and edits as signals and shows what it is told (:meth:`show_status`); it never
talks to the bridge itself.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from jambridge.bridge.controls import LATENCY_RANGE_MS
from jambridge.live_options import TEMPO_CLOCKS

VIRTUAL_IN = "JamBridge In"  # the virtual ports the bridge opens by default
VIRTUAL_OUT = "JamBridge Out"
VIRTUAL_SUFFIX = " (virtual)"
HAS_VIRTUAL_PORTS = sys.platform != "win32"  # Windows MM has none: loopMIDI ports instead
CLOCKS: dict[str, str] = {
    "external": "External clock (DAW)",
    "internal": "Internal clock",
    "link": "Ableton Link",  # joins the Link session on the local network only when picked
}

BPM_RANGE = (40.0, 300.0)
PORT_NAME_CHARS = 20  # a port picker is at least this many characters wide; longer names elide
PORT_BOX_MAX_PX = 320  # ... and grows with the window up to this width
# sync state from the bridge -> (text, colour)
SYNC_LOOK: dict[str, tuple[str, str]] = {
    "locked": ("locked", "#3ddc84"),  # playing on a steady clock model
    "internal": ("internal", "#3ddc84"),  # we are the master
    "playing": ("free", "#f4d35e"),  # playing, the tempo model not locked yet
    "waiting": ("waiting", "#f4d35e"),  # Start/Continue came, no pulse yet
    "stopped": ("stopped", "#9aa0ac"),
    "no clock": ("no clock", "#ee6055"),
    "off": ("off", "#9aa0ac"),
}


@dataclass(frozen=True)
class TransportConfig:
    """What the user picked: ports (None: open the virtual one), clock and tempo."""

    in_port: str | None  # existing input port name; None: virtual "JamBridge In"
    out_port: str | None  # existing output port name; None: virtual "JamBridge Out"
    clock: str  # "external", "internal" or "link"
    bpm: float  # internal clock tempo
    latency_ms: float  # notes go out this much early (the DAW's input latency)


class TransportBar(QWidget):
    """Ports, sync mode and tempo, sync display, start / stop / panic."""

    start_clicked = pyqtSignal()
    stop_clicked = pyqtSignal()
    panic_clicked = pyqtSignal()
    refresh_clicked = pyqtSignal()  # list the MIDI ports again
    bpm_changed = pyqtSignal(float)  # internal clock tempo edited
    latency_changed = pyqtSignal(float)  # latency offset edited (ms)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._running = False
        self.in_box = QComboBox()
        self.out_box = QComboBox()
        for box, virtual in ((self.in_box, VIRTUAL_IN), (self.out_box, VIRTUAL_OUT)):
            box.addItem(virtual + VIRTUAL_SUFFIX, None)
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(PORT_NAME_CHARS)
            box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            box.setMaximumWidth(PORT_BOX_MAX_PX)
        self.in_box.setToolTip("Clock and keyboard come in here (set the DAW's clock out to it)")
        self.out_box.setToolTip("Notes go out here, one MIDI channel per track")
        self.clock_box = QComboBox()
        for key, text in CLOCKS.items():
            self.clock_box.addItem(text, key)
        self.bpm_box = QDoubleSpinBox()
        self.bpm_box.setRange(*BPM_RANGE)
        self.bpm_box.setDecimals(1)
        self.bpm_box.setSuffix(" BPM")
        self.bpm_box.setValue(130.0)
        self.bpm_box.setToolTip("Tempo of the internal clock (external: the DAW sets it)")
        self.bpm_box.valueChanged.connect(self.bpm_changed.emit)
        self.clock_box.currentIndexChanged.connect(lambda _i: self._clock_changed())
        self.latency_box = QDoubleSpinBox()
        self.latency_box.setRange(*LATENCY_RANGE_MS)
        self.latency_box.setDecimals(0)
        self.latency_box.setSuffix(" ms")
        self.latency_box.setToolTip(
            "Send notes this much early to make up for the DAW's MIDI input latency "
            "(late notes in the DAW: raise it; applies at once)"
        )
        self.latency_box.valueChanged.connect(self.latency_changed.emit)
        self.sync_label = QLabel()
        self.sync_label.setObjectName("syncLabel")
        self.tempo_label = QLabel("--- BPM")
        self.position_label = QLabel("-:-")
        self.position_label.setObjectName("positionLabel")
        self.position_label.setStyleSheet("font-family: monospace; font-size: 15px;")
        self.refresh_button = QPushButton("⟳")
        self.refresh_button.setFixedWidth(28)
        self.refresh_button.setToolTip("List the MIDI ports again (a device was plugged in)")
        self.refresh_button.clicked.connect(self.refresh_clicked.emit)
        self.start_button = QPushButton("▶ Start")
        self.stop_button = QPushButton("■ Stop")
        self.panic_button = QPushButton("Panic")
        self.panic_button.setToolTip("All notes off on every channel")
        self.start_button.clicked.connect(self.start_clicked.emit)
        self.stop_button.clicked.connect(self.stop_clicked.emit)
        self.panic_button.clicked.connect(self.panic_clicked.emit)

        routing = QHBoxLayout()
        for widget in (QLabel("In"), self.in_box, QLabel("Out"), self.out_box,
                       self.refresh_button, QLabel("Clock"), self.clock_box, self.bpm_box,
                       QLabel("Latency"), self.latency_box):  # fmt: skip
            routing.addWidget(widget)
        routing.addStretch(1)
        state = QHBoxLayout()
        state.setSpacing(12)
        for widget in (self.sync_label, self.tempo_label, self.position_label):
            state.addWidget(widget)
        state.addStretch(1)
        for widget in (self.start_button, self.stop_button, self.panic_button):
            state.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(2)
        layout.addLayout(routing)
        layout.addLayout(state)
        self.set_running(False)
        self._clock_changed()
        self.show_status("off", None, None)

    def set_ports(self, inputs: Sequence[str], outputs: Sequence[str]) -> None:
        """List existing ports after the virtual ones, keeping the current choice. Where there
        are no virtual ports (Windows), ports named like ours (loopMIDI's) are picked."""
        wanted = {self.in_box: VIRTUAL_IN.lower(), self.out_box: VIRTUAL_OUT.lower()}
        for box, names in ((self.in_box, inputs), (self.out_box, outputs)):
            current = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for name in names:
                box.addItem(name, name)
            if current is None and not HAS_VIRTUAL_PORTS:
                current = next((n for n in names if wanted[box] in n.lower()), None)
            box.setCurrentIndex(max(box.findData(current), 0))
            box.blockSignals(False)

    def prefer_ports(self, in_port: str | None, out_port: str | None) -> None:
        """Pick these existing ports (the command line's ``--in`` / ``--out``)."""
        for box, name in ((self.in_box, in_port), (self.out_box, out_port)):
            if name:
                if box.findData(name) < 0:
                    box.addItem(name, name)
                box.setCurrentIndex(box.findData(name))

    def config(self) -> TransportConfig:
        return TransportConfig(
            in_port=self.in_box.currentData(),
            out_port=self.out_box.currentData(),
            clock=self.clock_box.currentData(),
            bpm=self.bpm_box.value(),
            latency_ms=self.latency_box.value(),
        )

    def set_clock(self, clock: str) -> None:
        self.clock_box.setCurrentIndex(self.clock_box.findData(clock))

    def set_bpm(self, bpm: float) -> None:
        """Show ``bpm`` in the tempo box without emitting (a preset change)."""
        self.bpm_box.blockSignals(True)
        self.bpm_box.setValue(bpm)
        self.bpm_box.blockSignals(False)

    def set_running(self, running: bool) -> None:
        """Bridge open: ports and clock mode are fixed until Stop."""
        self._running = running
        for widget in (self.in_box, self.out_box, self.refresh_button, self.clock_box):
            widget.setEnabled(not running)
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.panic_button.setEnabled(running)

    def set_busy(self, busy: bool) -> None:
        """Starting or stopping: no clicks until it is done."""
        if busy:
            self.start_button.setEnabled(False)
            self.stop_button.setEnabled(False)
        else:
            self.set_running(self._running)

    def show_status(self, sync: str, bpm: float | None, position: str | None) -> None:
        """Show the sync state (a key of SYNC_LOOK), tempo and ``bar:beat``."""
        text, colour = SYNC_LOOK.get(sync, (sync, "#9aa0ac"))
        self.sync_label.setText(f"● {text}")
        self.sync_label.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.tempo_label.setText(f"{bpm:6.1f} BPM" if bpm else "--- BPM")
        self.position_label.setText(position or "-:-")

    def _clock_changed(self) -> None:
        self.bpm_box.setEnabled(self.clock_box.currentData() in TEMPO_CLOCKS)
