"""The bar line: which bar plays next, when its notes are chosen, and what the transport does
to them (a part of :class:`~jambridge.bridge.playback.scheduler.Scheduler`).

A bar's content is taken from the bar feed ``commit_lead_s`` before its bar line (on the clock's
time for it; before the clock is locked, two pulses before), its audible tracks go on the note
timeline, and the next bar is announced as soon as the look-ahead has it
(:class:`~jambridge.bridge.events.BarQueued`). Play commits the bar it starts in (from the tick
it starts at); Stop ends every note and any armed capture that has begun.

An armed capture ends when the bar line it ends on is committed (``commit_lead_s`` early: a note
played later than that is not in it), so its riff plays from that very bar line: the riff goes to
the bar feed before the bar is taken (:meth:`BarFeed.start_riff`).
"""

from __future__ import annotations

from jambridge.bridge.capture import CaptureResult, riff_bars
from jambridge.bridge.events import (
    BarPlayed,
    BarQueued,
    CaptureTaken,
    ControlsChanged,
    RiffInfo,
    TransportChanged,
    Underrun,
)
from jambridge.bridge.playback.thread_state import ThreadState
from jambridge.bridge.timing.transport import (
    TICKS_PER_BAR,
    Locate,
    Play,
    Stop,
    TransportEvent,
    TransportState,
)
from jambridge.errors import DataError


class BarLine(ThreadState):
    """The transport and bar-line handlers of the scheduler (a mixin, run in its thread)."""

    def _transport(self, ev: TransportEvent, now: float) -> None:
        if isinstance(ev, Play):
            self.output.clear()
            self.capture.clear()
            self.capture.rearm(ev.tick)
            bar = ev.tick // TICKS_PER_BAR
            self._emit(TransportChanged("playing", ev.kind, ev.tick))
            self._commit(bar, from_tick=ev.tick)
        elif isinstance(ev, Stop):
            tick = self._position_tick(now)
            self._release_all()
            self.output.clear()
            self.next_bar = None
            result = self.capture.stop(float(self.timing.song_tick), None)
            self._emit(TransportChanged("stopped", ev.kind, int(tick)))
            if result is not None:
                self._captured(result, opens_at=None)
            self._capture_over()
        elif isinstance(ev, Locate):
            self._emit(TransportChanged("located", "locate", ev.tick))

    def _captured(self, result: CaptureResult, opens_at: int | None) -> None:
        """A capture is taken: saved (by the session) and played as its settings say from the
        next bar taken (song bar ``opens_at``; None: when the transport rolls again)."""
        self._emit(CaptureTaken(result))
        try:
            bars = riff_bars(result.played or result.bars, result.settings.quantize)
        except DataError as err:  # the riff has no note left to play
            self._warn(f"the captured riff cannot play: {err}")
            return
        role = result.role
        riff = RiffInfo(role, bars, result.played, result.settings, opens_at, result.bpm,
                        kind=result.kind)  # fmt: skip
        self.feed.start_riff(riff)
        if self.feed.controls.track(role).mute:  # a riff into a muted role is meant to be heard
            controls = self.feed.controls.with_track(role, mute=False)
            self.feed.set_controls(controls)
            self._emit(ControlsChanged(controls))

    def _capture_over(self) -> None:
        """No capture is armed any more: the ducked role is heard again."""
        if self.capture.armed is None:
            self.feed.set_duck(None)

    def _close_capture(self, bar: int) -> None:
        """Bar ``bar`` is about to be committed: an armed capture that ends on its bar line is
        taken now, so its riff plays in it."""
        line = bar * TICKS_PER_BAR
        if self.capture.armed is None or self.capture.armed_until > line:
            return
        result = self.capture.poll(line, self.timing.bpm)
        if result is not None:
            self._captured(result, opens_at=bar)
        self._capture_over()

    # -- bars ------------------------------------------------------------------------------------

    def _to_next_bar_line(self, now: float) -> float | None:
        if self.next_bar is None:
            return None
        t = self.timing.time_of_tick(self.next_bar * TICKS_PER_BAR)
        return None if t is None else t - self.output.latency_s - now

    def _choose_bars(self, now: float) -> None:
        if self.next_bar is None or self.timing.state is not TransportState.PLAYING:
            return
        line = self.next_bar * TICKS_PER_BAR
        t = self.timing.time_of_tick(line)
        if t is not None:
            due = t - self.output.latency_s - now <= self.config.commit_lead_s
        else:
            pulse = self.timing.pulse_tick
            due = pulse is not None and pulse >= line - 2
        if due:
            self._commit(self.next_bar, from_tick=line)

    def _announce(self) -> None:
        """Tell what the next bar line will take, once per change (else one tuple compare)."""
        bar, version = self.next_bar, self.feed.version
        if bar is None or (bar, version) == self._announced:
            return
        self._announced = (bar, version)
        upcoming = self.feed.upcoming(bar)
        if upcoming is not None:
            self._emit(BarQueued(bar, upcoming.plain, upcoming.audible))

    def _commit(self, bar: int, from_tick: int) -> None:
        self._close_capture(bar)
        taken = self.feed.take(bar)
        self._pass_feed_log()
        audible, channels, timeline = taken.audible, self.config.channels, self.output.timeline
        for role, _, notes in taken.plain:
            if role in audible:
                timeline.add_notes(bar * TICKS_PER_BAR, notes, channels[role], from_tick)
        self.next_bar = bar + 1
        self.capture.prune(bar * TICKS_PER_BAR)
        if taken.repeated or not taken.plain:
            self._emit(Underrun(bar, self.feed.underruns))
        from_beat = (from_tick - bar * TICKS_PER_BAR) / 24
        self._emit(BarPlayed(bar, taken.plain, audible, taken.repeated, taken.gen_ms, from_beat))

    def _poll_capture(self, now: float) -> None:
        if self.capture.armed is None:
            return
        tick = self._tick_at(now)
        if tick is not None:
            result = self.capture.poll(tick, self.timing.bpm)
            if result is not None:
                self._captured(result, opens_at=self.next_bar)
            self._capture_over()
