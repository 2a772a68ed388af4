"""The live side of the window: the bridge running, its bars in the lanes, capture, steering.

Turns the user's clicks into bridge commands (through the
:class:`~jambridge.ui.session_adapter.SessionAdapter`, never directly), puts played bars, the
bar queued to play next (shown ghosted until played) and captured riffs into the shared
timeline, and drives the display: a timer reads the session's
status snapshot :data:`DISPLAY_HZ` times a second and moves the playhead.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from jambridge.bridge import controls as ctl
from jambridge.clip_tempo import clip_tempo
from jambridge.live_options import TEMPO_CLOCKS, LiveOptions
from jambridge.music import BEATS_PER_BAR, Song
from jambridge.ui.capture_panel import CaptureRequest
from jambridge.ui.session_adapter import SessionAdapter
from jambridge.ui.studio import Studio
from jambridge.ui.timeline_model import BarTimeline, Playhead, ViewWindow

DISPLAY_HZ = 25  # status and playhead refreshes per second while the bridge runs
# SetTrack fields a lane's controls drive live (poly/dur: a control bin, or None for the model's
# own choice, which the bridge takes as AUTO)
LIVE_CONTROLS = frozenset(
    {"mute", "solo", "lock", "temperature", "density", "poly", "dur", "groove", "swing"}
)


class Live(QObject):
    """Bridge state for the window (see the module docstring)."""

    running_changed = pyqtSignal(bool)
    busy_changed = pyqtSignal(bool)  # starting or stopping
    status_shown = pyqtSignal(str, object, object)  # sync state, bpm, "bar:beat" (or None)
    window_moved = pyqtSignal(object)  # ViewWindow for the lanes
    capture_state = pyqtSignal(str)
    info = pyqtSignal(str)
    error = pyqtSignal(str)
    log = pyqtSignal(str, str)  # level, text (the bridge's own log lines)
    controls_changed = pyqtSignal(object)  # the bridge's Controls (hardware CC map included)

    def __init__(
        self,
        adapter: SessionAdapter,
        timeline: BarTimeline,
        studio: Studio,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.adapter = adapter
        self.timeline = timeline
        self.studio = studio
        self.clock = clock
        self.playhead = Playhead()
        self.settings: LiveOptions | None = None
        self.bpm: float | None = None  # last tempo the bridge reported
        self.bars_played = 0
        self._generator_ok = True  # last status said so (an error is shown once when it flips)
        self.timer = QTimer(self)
        self.timer.setInterval(1000 // DISPLAY_HZ)
        self.timer.timeout.connect(self.refresh)
        adapter.started.connect(self._started)
        adapter.stopped.connect(self._stopped)
        adapter.failed.connect(self._failed)
        adapter.bar_played.connect(self._bar)
        adapter.bar_queued.connect(self._queued)
        adapter.captured.connect(self._captured)
        adapter.transport_changed.connect(self._transport)
        adapter.log_line.connect(self.log.emit)
        adapter.controls_changed.connect(self.controls_changed.emit)

    @property
    def running(self) -> bool:
        return self.adapter.running

    # -- user actions ------------------------------------------------------------------------

    def start(self, settings: LiveOptions) -> None:
        """Open the bridge (ports, generator); internal clock: start playing at once."""
        self.settings = settings
        self.timeline.clear()  # the lanes follow the stream from now on
        self.playhead.reset()
        self.studio.follow_live = True
        self.busy_changed.emit(True)
        self.status_shown.emit("waiting", None, None)
        self.adapter.start(settings)

    def stop(self) -> None:
        if self.running:
            self.busy_changed.emit(True)
            self.adapter.stop()

    def control(self, role: str, name: str, value: object) -> None:
        """A lane control moved: mute/solo/lock, temperature, density, poly, dur, groove and
        swing go to the bridge (from its next bar)."""
        if self.running and name in LIVE_CONTROLS:
            if name in ("poly", "dur") and value is None:
                value = ctl.AUTO
            self.adapter.set_track(role, **{name: value})

    def regenerate(self, role: str) -> None:
        self.adapter.regenerate(role)
        self.info.emit(f"{role}: a fresh part from the next bar line")

    def set_preset(self, name: str) -> None:
        if self.running:
            self.adapter.set_preset(name)

    def set_bpm(self, bpm: float) -> None:
        if self.running and self.settings is not None and self.settings.clock in TEMPO_CLOCKS:
            self.adapter.set_bpm(bpm)  # the master's tempo, or proposed to the Link session

    def set_latency(self, ms: float) -> None:
        if self.running:
            self.adapter.set_latency(ms)

    def panic(self) -> None:
        self.adapter.panic()

    def capture(self, request: CaptureRequest) -> None:
        self.adapter.capture(request.kind, request.bars, request.role, request.channel)
        what = "armed: play from the next bar line" if request.kind == "armed" else "taking"
        self.capture_state.emit(f"{what} ({request.bars} bars into {request.role})")

    def keep(self, bars: int) -> None:
        """Make a take of the last ``bars`` bars heard in this pass of the transport."""
        song = self.timeline.recent_song(bars, self.bpm or 120.0)
        if song is None:
            self.error.emit("nothing played yet to keep")
            return
        title = f"jam {song.length_bars} bar{'s' if song.length_bars != 1 else ''}"
        self.studio.add_take(song, "jam", title, show=True)

    # -- display -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Timer tick: read the status snapshot, move the playhead."""
        status = self.adapter.status()
        if status is None:
            return
        now = self.clock()
        position = f"{status.bar}:{status.beat}"
        beats = float((status.bar - 1) * BEATS_PER_BAR + status.beat - 1)
        self.playhead.update(beats, status.bpm if status.playing else None, now)
        self.bpm = status.bpm or self.bpm
        if status.playing and status.bpm:
            self.timeline.put_tempo(status.bar - 1, status.bpm)
        if self._generator_ok and not status.generator_ok:
            self.error.emit("the generator or the output port stopped: press Stop, then Start")
        self._generator_ok = status.generator_ok
        self.status_shown.emit(status.sync, status.bpm, position if status.playing else None)
        head = self.playhead.beats(now)
        if head is not None and status.playing:
            self.window_moved.emit(ViewWindow.live(head))

    # -- bridge events -----------------------------------------------------------------------

    def _started(self, description: str) -> None:
        self._generator_ok = True
        self.timer.start()
        self.busy_changed.emit(False)
        self.running_changed.emit(True)
        self.info.emit(description)
        if self.settings is not None and self.settings.clock == "internal":
            self.adapter.play()

    def _stopped(self) -> None:
        self._gone()
        self.info.emit("bridge stopped")

    def _failed(self, text: str) -> None:
        self._gone()
        self.error.emit(text)

    def _gone(self) -> None:
        """The bridge is gone (stopped or failed): nothing will play, the controls show off."""
        self.studio.follow_live = False
        self.timeline.clear_upcoming()
        self.timer.stop()
        self.busy_changed.emit(False)
        self.running_changed.emit(False)
        self.status_shown.emit("off", None, None)

    def _bar(self, index: int, bar, audible) -> None:
        self.timeline.put_bar(index, bar, audible)
        self.bars_played += 1

    def _queued(self, index: int, bar, audible) -> None:
        self.timeline.put_upcoming(index, bar)

    def _transport(self, event) -> None:
        self.timeline.clear_upcoming()  # stopped or moved: the queued bar will not play there
        if event.state == "playing":
            self.timeline.new_pass()  # what plays from here is a new pass (see timeline_model)
        elif event.state == "stopped":
            self.playhead.reset()

    def _captured(self, result, bars, path: str) -> None:
        for i, bar in enumerate(bars):
            track = bar.track(result.role)
            if track is not None:
                self.timeline.put_track(result.start_bar + i, track)
        notes = result.note_count
        self.capture_state.emit(f"captured {len(bars)} bars, {notes} notes into {result.role}")
        measured = result.bpm or self.bpm or 120.0
        tempo = self.timeline.tempo_over(result.start_bar, len(bars), clip_tempo([measured]))
        song = Song.from_bars(bars, tempo_bpm=tempo)
        if song.tracks:
            self.studio.add_take(song, "captured", f"{result.role} riff", show=True)
        self.info.emit(f"capture saved to {path}")
