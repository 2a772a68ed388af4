"""The main window: layout and wiring only.

Top: the transport bar. Left: preset, generate, capture and take panels. Right: a lane per
track. Bottom: the message area. What happens on a click lives in
:class:`~jambridge.ui.studio.Studio` (presets, generation, takes) and
:class:`~jambridge.ui.live.Live` (the bridge); this module connects them to the widgets.
"""

from __future__ import annotations

from dataclasses import replace

from PyQt6.QtWidgets import QHBoxLayout, QMainWindow, QVBoxLayout, QWidget

from jambridge.errors import JamBridgeError
from jambridge.live_options import TEMPO_CLOCKS, LiveOptions
from jambridge.music import ROLES
from jambridge.preset import Preset
from jambridge.ui.bar_selection import BarSpan
from jambridge.ui.capture_panel import CapturePanel
from jambridge.ui.generate_panel import GeneratePanel
from jambridge.ui.lane import Lane
from jambridge.ui.live import Live
from jambridge.ui.message_area import MessageArea
from jambridge.ui.offline import GenerateRequest, prompt_name
from jambridge.ui.presets_panel import PresetsPanel
from jambridge.ui.studio import Studio, preset_from_lanes
from jambridge.ui.takes import KEEP_BARS, TakesPanel
from jambridge.ui.timeline_model import ViewWindow
from jambridge.ui.transport_bar import TransportBar
from jambridge.ui.worker import error_text

SIDE_WIDTH = 300  # px of the left column
TITLE = "JamBridge"


class MainWindow(QMainWindow):
    """The JamBridge window. ``options`` are the command line's live settings; Start opens the
    bridge with them and what the transport bar, the preset picker and the lanes say."""

    def __init__(self, studio: Studio, live: Live, options: LiveOptions | None = None) -> None:
        super().__init__()
        self.studio, self.live = studio, live
        self.options = options or LiveOptions()
        self.setWindowTitle(TITLE)
        self.transport = TransportBar()
        self.presets = PresetsPanel()
        self.generator = GeneratePanel()
        self.capture = CapturePanel()
        self.takes = TakesPanel(lambda take: studio.store.midi_path(take))
        self.lanes = {r: Lane(r, studio.timeline, lambda r=r: studio.clip_path(r)) for r in ROLES}
        self.messages = MessageArea(self.statusBar())
        self.transport.prefer_ports(self.options.in_port, self.options.out_port)
        self.transport.latency_box.setValue(self.options.latency_ms)
        self._layout()
        self._wire()

    def _layout(self) -> None:
        side = QWidget()
        side.setFixedWidth(SIDE_WIDTH)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        for panel in (self.presets, self.generator, self.capture):
            column.addWidget(panel)
        column.addWidget(self.takes, 1)
        lanes = QVBoxLayout()
        lanes.setSpacing(6)
        for lane in self.lanes.values():
            lanes.addWidget(lane, 1)
        body = QHBoxLayout()
        body.addWidget(side)
        body.addLayout(lanes, 1)
        root = QVBoxLayout()
        root.addWidget(self.transport)
        root.addLayout(body, 1)
        central = QWidget()
        central.setLayout(root)
        self.setCentralWidget(central)
        self.resize(1280, 760)

    def _wire(self) -> None:
        studio, live, say = self.studio, self.live, self.messages
        # presets
        self.presets.chosen.connect(studio.load_preset)
        self.presets.chosen.connect(live.set_preset)
        self.presets.save_requested.connect(self.save_preset_as)
        studio.presets_listed.connect(self.presets.set_presets)
        studio.preset_loaded.connect(self._show_preset)
        # generation, the prompt riff and takes
        self.generator.generate_clicked.connect(self.generate)
        self.generator.prompt_chosen.connect(studio.load_prompt)
        self.generator.take_prompt_clicked.connect(
            lambda role: studio.prompt_from_take(self.takes.current_take(), role)
        )
        self.generator.prompt_cleared.connect(studio.clear_prompt)
        studio.prompt_changed.connect(self._show_prompt)
        studio.busy_changed.connect(self.generator.set_busy)
        studio.takes_changed.connect(self.takes.set_takes)
        studio.song_shown.connect(lambda bars: self._move_lanes(ViewWindow.whole(bars)))
        self.takes.take_selected.connect(self._take_selected)
        self.takes.keep_clicked.connect(lambda: live.keep(KEEP_BARS))
        self.takes.stems_requested.connect(studio.export_stems)
        self.takes.delete_requested.connect(studio.delete_takes)
        self.takes.undo_requested.connect(studio.undo_delete)
        studio.deleted.connect(lambda text: say.offer(text, "Undo", studio.undo_delete))
        for lane in self.lanes.values():
            lane.control_changed.connect(live.control)
            lane.regenerate_clicked.connect(self.regenerate)
            lane.infill_clicked.connect(self.infill)
            lane.roll.selection_changed.connect(lambda span, r=lane.role: self._picked(r, span))
            lane.drag_handle.refused.connect(say.warning)
        # transport and capture
        self.transport.start_clicked.connect(self.start_bridge)
        self.transport.stop_clicked.connect(live.stop)
        self.transport.panic_clicked.connect(live.panic)
        self.transport.bpm_changed.connect(live.set_bpm)
        self.transport.latency_changed.connect(live.set_latency)
        self.transport.refresh_clicked.connect(
            lambda: live.adapter.list_ports(self.options.midi_api)
        )
        self.capture.requested.connect(live.capture)
        live.adapter.ports_listed.connect(self.transport.set_ports)
        live.running_changed.connect(self._running)
        live.busy_changed.connect(self.transport.set_busy)
        live.status_shown.connect(self.transport.show_status)
        live.window_moved.connect(self._move_lanes)
        live.capture_state.connect(self.capture.set_state)
        live.controls_changed.connect(self._show_controls)
        # messages
        for source in (studio, live):
            source.info.connect(say.info)
            source.error.connect(say.error)
        studio.warning.connect(say.warning)
        live.log.connect(say.say)

    # -- wiring helpers (each a line or two of glue) -------------------------------------------

    def lane_settings(self) -> dict:
        return {r: lane.settings() for r, lane in self.lanes.items()}

    def current_preset(self, name: str | None = None) -> Preset:
        """The loaded preset with what the lanes and the tempo box say now."""
        base = self.studio.preset or Preset(name="Untitled")
        return preset_from_lanes(base, self.lane_settings(), self.transport.bpm_box.value(), name)

    def generate_request(self) -> GenerateRequest:
        engine, bars = self.generator.engine(), self.generator.bars()
        prompt = self.studio.prompt
        riff = self.generator.riff_settings() if prompt is not None else None
        return GenerateRequest(self.current_preset(), bars, self.generator.next_seed(), engine,
                               prompt=prompt, riff=riff)  # fmt: skip

    def generate(self) -> None:
        self.messages.clear_error()
        self.studio.generate(self.generate_request())

    def regenerate(self, role: str) -> None:
        if self.live.running:
            self.live.regenerate(role)
        else:
            self.studio.regenerate(self.generate_request(), role)

    def infill(self, role: str, span: BarSpan) -> None:
        """Write ``span``'s bars of ``role`` afresh (a new take), the rest as context."""
        self.messages.clear_error()
        self.studio.infill(self.generate_request(), role, span.bars)

    def list_ports(self) -> None:
        self.live.adapter.list_ports(self.options.midi_api)

    def save_preset_as(self, name: str) -> None:
        self.studio.save_preset(self.current_preset(name))

    def start_bridge(self) -> None:
        self.messages.clear_error()
        config = self.transport.config()
        channels = tuple((r, s.channel - 1) for r, s in self.lane_settings().items())
        preset = self.presets.current() or self.studio.preset_name
        try:
            settings = replace(
                self.options,
                preset=preset,
                in_port=config.in_port,
                out_port=config.out_port,
                clock=config.clock,
                bpm=config.bpm if config.clock in TEMPO_CLOCKS else None,
                latency_ms=config.latency_ms,
                channels=channels,
            )
        except JamBridgeError as err:  # e.g. two lanes on one MIDI channel
            self.messages.error(error_text(err))
            return
        self.live.start(settings)

    def _show_preset(self, name: str, preset: Preset) -> None:
        for role, lane in self.lanes.items():
            lane.apply_settings(preset.tracks[role])
        self.transport.set_bpm(preset.bpm)
        self.presets.set_description(preset.description)
        self.messages.info(f"preset {preset.name}: {preset.style}, {preset.bpm:g} BPM")

    def _show_prompt(self, prompt, report: str) -> None:
        """The prompt on the Generate panel; its tempo in the tempo box (not while live)."""
        if prompt is None:
            self.generator.show_prompt(None, "")
            return
        self.generator.show_prompt(prompt_name(prompt), report, prompt.path)
        if prompt.tempo is not None and not self.live.running:
            self.transport.set_bpm(prompt.tempo)

    def _picked(self, role: str, span: BarSpan | None) -> None:
        """Bars are picked in one lane at a time."""
        if span is not None:
            for other, lane in self.lanes.items():
                if other != role:
                    lane.roll.select(None)

    def _take_selected(self, take) -> None:
        self.studio.show_take(take)

    def _show_controls(self, controls) -> None:
        for role, lane in self.lanes.items():
            lane.show_live(controls.track(role))

    def _move_lanes(self, window: ViewWindow) -> None:
        for lane in self.lanes.values():
            lane.set_window(window)

    def _running(self, running: bool) -> None:
        self.transport.set_running(running)
        self.capture.set_live(running)
        self.takes.set_live(running)
        for lane in self.lanes.values():
            lane.set_live(running)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Closing stops the bridge first (every note ends), ends a generation under way,
        then waits for file work."""
        self.live.stop()
        self.live.adapter.wait(5000)
        self.studio.stop_generation()
        self.studio.wait(5000)
        super().closeEvent(event)
