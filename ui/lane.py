"""One lane per track: its controls on the left, its piano roll on the right.

Controls: on/off, mute, solo, lock (loop), regenerate, temperature, density, groove (0 every
onset on the grid .. 1 the model's own feel), swing (where the off-beat 16ths sit: 0.5 straight
.. 0.667 triplet), polyphony and duration (a control bin, or auto),
GM program and MIDI channel, and a grip that drags the lane's track out as a ``.mid`` file.
The piano roll picks bars for "Regenerate bars A-B". The lane only reports what the user did
(:attr:`Lane.control_changed`, :attr:`Lane.regenerate_clicked`, :attr:`Lane.infill_clicked`);
the main window decides what that means (live: a command to the bridge; offline: the next
generation's settings).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QWidget,
)

from jambridge.groove import SWING_RANGE
from jambridge.preset import TrackSettings
from jambridge.roles import ROLE_SPECS
from jambridge.ui.control_bins import KNOB_TIPS, knob_items, knob_kinds
from jambridge.ui.drag import DragHandle
from jambridge.ui.gm_programs import GM_PROGRAM_NAMES, program_label
from jambridge.ui.piano_roll import ROLE_COLORS, PianoRoll
from jambridge.ui.timeline_model import BarTimeline, ViewWindow

CONTROLS_WIDTH = 290  # px of the controls column


class Slider(NamedTuple):
    """A lane slider: its caption and tooltip, and its range in the setting's own units."""

    label: str
    tip: str
    steps: int  # slider steps per unit
    maximum: float
    minimum: float = 0.0


# slider name (a TrackSettings / TrackControls field) -> its slider
SLIDERS: dict[str, Slider] = {
    "temperature": Slider("Temp.", "Temperature: lower is safer, higher is wilder", 100, 2.0),
    "density": Slider("Density", "Density: sparse (0) to busy (1)", 100, 1.0),
    "groove": Slider("Groove", "Groove: 0 every onset on the grid .. 1 the model's own feel",
                     100, 1.0),
    "swing": Slider("Swing", "Swing: where the off-beat 16ths sit in their 8th, 0.50 straight .. "
                    "0.67 triplet shuffle", 1000, SWING_RANGE[1], SWING_RANGE[0]),
}  # fmt: skip
# the sliders' rows: groove and swing (the feel) share one, so four lanes fit 1,024 x 640
SLIDER_ROWS: tuple[tuple[str, ...], ...] = (("temperature",), ("density",), ("groove", "swing"))
OUTPUT_ROW = len(SLIDER_ROWS) + 1  # the grid row of the program and channel boxes
KNOB_ROW = OUTPUT_ROW + 1  # the grid row of the polyphony and duration knobs
TOGGLES: dict[str, tuple[str, str, str]] = {  # name -> (button text, tooltip, colour when on)
    "mute": ("Mute", "Mute: keep generating, stop sending (next bar line)", "#ee6055"),
    "solo": ("Solo", "Solo: only soloed tracks play (next bar line)", "#f4d35e"),
    "lock": ("Lock", "Lock: loop the bar playing now (next bar line)", "#5bc0eb"),
}
# off: a dark outlined button; on: filled with the toggle's colour, dark text
TOGGLE_STYLE = (
    "QToolButton {{ background: #2f333d; color: #c8ccd4; border: 1px solid #4a4f5c;"
    " border-radius: 3px; padding: 1px 5px; }}"
    " QToolButton:checked {{ background: {on}; color: #111111; border-color: {on}; }}"
)


class Lane(QWidget):
    """Controls and piano roll of one role."""

    # role, control name, new value: enabled/mute/solo/lock (bool), temperature/density/groove/
    # swing (float), program/channel (int), poly/dur (a bin, or None for auto)
    control_changed = pyqtSignal(str, str, object)
    regenerate_clicked = pyqtSignal(str)  # role
    infill_clicked = pyqtSignal(str, object)  # role, the BarSpan to write afresh

    def __init__(
        self,
        role: str,
        timeline: BarTimeline,
        drag_provider: Callable[[], Path | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.role = role
        self.roll = PianoRoll(role, timeline)
        self.roll.infill_clicked.connect(lambda span: self.infill_clicked.emit(role, span))
        self._kept_controls: dict[str, int] = {}  # a preset's controls without a knob (rep)
        self.setObjectName(f"lane_{role}")
        controls = QWidget()
        controls.setFixedWidth(CONTROLS_WIDTH)
        grid = QGridLayout(controls)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setVerticalSpacing(2)
        grid.addLayout(self._top_row(drag_provider), 0, 0, 1, 4)
        self._add_sliders(grid)
        self._add_output_boxes(grid)
        self._add_knobs(grid)
        grid.setRowStretch(KNOB_ROW + 1, 1)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(controls)
        layout.addWidget(self.roll, 1)
        self.apply_settings(TrackSettings.default(role))

    # -- building ------------------------------------------------------------------------------

    def _top_row(self, drag_provider: Callable[[], Path | None]) -> QHBoxLayout:
        """Title, on/off, mute/solo/lock, regenerate and the drag handle."""
        title = QLabel(ROLE_SPECS[self.role].track_name)
        title.setStyleSheet(f"font-weight: bold; color: {ROLE_COLORS[self.role]};")
        self.enabled_box = QCheckBox("on")
        self.enabled_box.setToolTip("Generate this track")
        self.enabled_box.toggled.connect(lambda v: self._emit("enabled", v))
        self.toggles: dict[str, QToolButton] = {}
        top = QHBoxLayout()
        top.setSpacing(3)
        top.addWidget(title)
        top.addWidget(self.enabled_box)
        for name, (text, tip, colour) in TOGGLES.items():
            button = QToolButton()
            button.setText(text)
            button.setCheckable(True)
            button.setStyleSheet(TOGGLE_STYLE.format(on=colour))
            button.setToolTip(tip)
            button.setObjectName(f"{name}_{self.role}")
            button.toggled.connect(lambda v, n=name: self._emit(n, v))
            self.toggles[name] = button
            top.addWidget(button)
        self.regen_button = QPushButton("↻")
        self.regen_button.setFixedWidth(28)
        self.regen_button.setToolTip("Regenerate this track only (live: from the next bar line)")
        self.regen_button.clicked.connect(lambda: self.regenerate_clicked.emit(self.role))
        top.addWidget(self.regen_button)
        self.drag_handle = DragHandle(drag_provider, "⠿")
        self.drag_handle.setToolTip(f"Drag the {self.role} track into a DAW track as a .mid clip")
        top.addWidget(self.drag_handle)
        top.addStretch(1)
        return top

    def _add_sliders(self, grid: QGridLayout) -> None:
        """One row per :data:`SLIDER_ROWS` entry: caption, slider, value (twice on a shared
        row)."""
        self.sliders: dict[str, QSlider] = {}
        self._slider_labels: dict[str, QLabel] = {}
        for row, names in enumerate(SLIDER_ROWS, start=1):
            shared = QHBoxLayout() if len(names) > 1 else None
            for name in names:
                caption, slider, value = self._slider(name)
                if shared is None:
                    grid.addWidget(caption, row, 0)
                    grid.addWidget(slider, row, 1, 1, 2)
                    grid.addWidget(value, row, 3)
                else:
                    for w, stretch in ((caption, 0), (slider, 1), (value, 0)):
                        shared.addWidget(w, stretch)
            if shared is not None:
                shared.setSpacing(4)
                grid.addLayout(shared, row, 0, 1, 4)

    def _slider(self, name: str) -> tuple[QLabel, QSlider, QLabel]:
        spec = SLIDERS[name]
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(round(spec.minimum * spec.steps), round(spec.maximum * spec.steps))
        slider.setObjectName(f"{name}_{self.role}")
        slider.setToolTip(spec.tip)
        value = QLabel()
        value.setFixedWidth(32)
        slider.valueChanged.connect(lambda _v, n=name: self._slider_moved(n))
        slider.sliderReleased.connect(lambda n=name: self._slider_moved(n))
        caption = QLabel(spec.label)
        caption.setToolTip(spec.tip)
        self.sliders[name], self._slider_labels[name] = slider, value
        return caption, slider, value

    def _add_output_boxes(self, grid: QGridLayout) -> None:
        """The GM program (dragged clips) and the MIDI channel."""
        self.program_box = QComboBox()
        if self.role == "drums":  # drums play the GM kit on channel 10; the program is not used
            self.program_box.addItem("GM drum kit")
        else:
            self.program_box.addItems([program_label(p) for p in range(len(GM_PROGRAM_NAMES))])
        self.program_box.setToolTip("GM program written to dragged clips")
        self.program_box.currentIndexChanged.connect(lambda p: self._emit("program", p))
        self.program_box.setEnabled(self.role != "drums")
        self.channel_box = QSpinBox()
        self.channel_box.setRange(1, 16)
        self.channel_box.setPrefix("ch ")
        self.channel_box.setToolTip("MIDI channel (1..16)")
        self.channel_box.valueChanged.connect(lambda c: self._emit("channel", c))
        grid.addWidget(self.program_box, OUTPUT_ROW, 0, 1, 3)
        grid.addWidget(self.channel_box, OUTPUT_ROW, 3)

    def _add_knobs(self, grid: QGridLayout) -> None:
        """Polyphony and duration: auto, or a control bin (drums: polyphony only)."""
        self.knobs: dict[str, QComboBox] = {}
        row = QHBoxLayout()
        row.setSpacing(4)
        for kind in knob_kinds(self.role):
            box = QComboBox()
            for text, value in knob_items(kind):
                box.addItem(text, value)
            box.setObjectName(f"{kind}_{self.role}")
            box.setToolTip(KNOB_TIPS[kind])
            box.currentIndexChanged.connect(lambda _i, k=kind: self._emit(k, self.knob_value(k)))
            row.addWidget(box, 1)
            self.knobs[kind] = box
        grid.addLayout(row, KNOB_ROW, 0, 1, 4)

    # -- values --------------------------------------------------------------------------------

    def slider_value(self, name: str) -> float:
        """The slider's value in its units (temperature 0..2, density 0..1, swing 0.5..0.75)."""
        return self.sliders[name].value() / SLIDERS[name].steps

    def knob_value(self, kind: str) -> int | None:
        """The bin a polyphony / duration knob asks for (None: auto)."""
        return self.knobs[kind].currentData()

    def set_knob(self, kind: str, value: int | None) -> None:
        """Turn a knob to bin ``value`` (None: auto); emits :attr:`control_changed`."""
        box = self.knobs[kind]
        box.setCurrentIndex(max(box.findData(value), 0))

    def controls(self) -> dict[str, int]:
        """The per-bar controls the lane sets besides density (kinds left at auto left out)."""
        kept = {k: v for k, v in self._kept_controls.items() if k not in self.knobs}
        chosen = {k: v for k in self.knobs if (v := self.knob_value(k)) is not None}
        return {**kept, **chosen}

    def settings(self) -> TrackSettings:
        """The generation settings shown in this lane."""
        return TrackSettings(
            enabled=self.enabled_box.isChecked(),
            program=self.program_box.currentIndex(),
            channel=self.channel_box.value(),
            density=self.slider_value("density"),
            temperature=self.slider_value("temperature"),
            groove=self.slider_value("groove"),
            swing=self.slider_value("swing"),
            controls=self.controls(),
        )

    def apply_settings(self, settings: TrackSettings) -> None:
        """Show ``settings`` (a preset change); emits nothing."""
        widgets = [self.enabled_box, self.program_box, self.channel_box, *self.sliders.values(),
                   *self.knobs.values()]  # fmt: skip
        for w in widgets:
            w.blockSignals(True)
        self.enabled_box.setChecked(settings.enabled)
        self.program_box.setCurrentIndex(settings.program if self.role != "drums" else 0)
        self.channel_box.setValue(settings.channel)
        for name in SLIDERS:
            self.sliders[name].setValue(round(getattr(settings, name) * SLIDERS[name].steps))
            self._show_value(name)
        self._kept_controls = dict(settings.controls)
        for kind in self.knobs:
            self.set_knob(kind, settings.controls.get(kind))
        for w in widgets:
            w.blockSignals(False)
        self._update_dim()

    def show_live(self, controls) -> None:
        """Show the bridge's view of this track (a hardware controller may have changed it):
        mute / solo / lock, the sliders (one being dragged is left alone) and the knobs, each
        that ``controls`` has; emits nothing."""
        for name, button in self.toggles.items():
            button.blockSignals(True)
            button.setChecked(bool(getattr(controls, name)))
            button.blockSignals(False)
        for name, slider in self.sliders.items():
            value = getattr(controls, name, None)
            if value is not None and not slider.isSliderDown():
                slider.blockSignals(True)
                slider.setValue(round(value * SLIDERS[name].steps))
                slider.blockSignals(False)
                self._show_value(name)
        for kind, box in self.knobs.items():
            if hasattr(controls, kind):
                box.blockSignals(True)
                self.set_knob(kind, getattr(controls, kind))
                box.blockSignals(False)
        self._update_dim()

    def set_live(self, live: bool) -> None:
        """The bridge runs: its channel map is fixed until Stop, and no bars are picked."""
        self.roll.set_selectable(not live)
        self.channel_box.setEnabled(not live)
        self.channel_box.setToolTip(
            "fixed while the bridge runs (Stop to change)" if live else "MIDI channel (1..16)"
        )

    def toggle_state(self, name: str) -> bool:
        """Whether mute / solo / lock is on."""
        return self.toggles[name].isChecked()

    def set_window(self, window: ViewWindow) -> None:
        self.roll.set_window(window)

    # -- internals -----------------------------------------------------------------------------

    def _show_value(self, name: str) -> None:
        self._slider_labels[name].setText(f"{self.slider_value(name):.2f}")

    def _slider_moved(self, name: str) -> None:
        self._show_value(name)
        if not self.sliders[name].isSliderDown():  # while dragging: only on release
            self._emit(name, self.slider_value(name))

    def _emit(self, name: str, value: object) -> None:
        self._update_dim()
        self.control_changed.emit(self.role, name, value)

    def _update_dim(self) -> None:
        self.roll.set_dimmed(not self.enabled_box.isChecked() or self.toggles["mute"].isChecked())
