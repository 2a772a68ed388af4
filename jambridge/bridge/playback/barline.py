"""The bar line: which bar plays next, when its notes are chosen, and what the transport does
to them (a part of :class:`~jambridge.bridge.playback.scheduler.Scheduler`).

A bar's content is taken from the bar feed ``commit_lead_s`` before its bar line (on the clock's
time for it; before the clock is locked, two pulses before), its audible tracks go on the note
timeline, and the next bar is announced as soon as the look-ahead has it
(:class:`~jambridge.bridge.events.BarQueued`). Play commits the bar it starts in (from the tick
it starts at); Stop ends every note and any armed capture that has begun.

An armed capture closes when the bar line it ends on is committed (``commit_lead_s`` plus the
output latency early), so its riff plays from that very bar line: the riff goes to the bar feed
before the bar is taken (:meth:`BarFeed.start_riff`). It is final ``capture_settle_s`` after that
line, when every note stamped before it has been polled (:meth:`CaptureRecorder.settle`): the
final capture is the one told and saved (:class:`~jambridge.bridge.events.CaptureTaken`), and
notes that came in after the close join the riff -- from the next bar taken, and in the bars
already taken where they are still to sound.
"""

from __future__ import annotations

from dataclasses import replace

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
            self._settle_capture(None)
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
            self._settle_capture(None)
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
        self._start_riff(result, opens_at)

    def _start_riff(self, result: CaptureResult, opens_at: int | None) -> None:
        """Play ``result``'s riff from song bar ``opens_at`` (see :meth:`_captured`)."""
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
        closed now, so its riff plays in it."""
        line = bar * TICKS_PER_BAR
        if self.capture.armed is not None and self.capture.armed_until <= line:
            self._close_at(line, opens_at=bar)

    def _close_at(self, tick: float, opens_at: int | None) -> None:
        """The armed capture closes at song tick ``tick`` (its end, or after it): its riff opens
        in song bar ``opens_at`` with the notes heard so far."""
        self._settle_capture(None)  # the one before, if still closing (a bar shorter than that)
        opened = self.capture.close(tick, self.timing.bpm)
        if opened is not None:
            self._start_riff(opened, opens_at)
        self._capture_over()

    def _settle_capture(self, heard_tick: float | None) -> None:
        """A closed capture is final once the input is in up to ``heard_tick`` (None: now):
        told, and the notes that came in since its close join the riff it opened."""
        settled = self.capture.settle(heard_tick, self.timing.bpm)
        if settled is None or settled.result is None:
            return
        self._emit(CaptureTaken(settled.result))
        if settled.opened is None:  # no note had come in by the close: the riff starts now
            self._start_riff(settled.result, opens_at=self.next_bar)
        elif settled.changed:
            self._amend_riff(settled.opened, settled.result)

    def _amend_riff(self, opened: CaptureResult, final: CaptureResult) -> None:
        """The riff that opened with ``opened`` plays as ``final`` from the next bar taken; the
        notes new in the bars of it already taken are added where they are still to come."""
        riff = self.feed.riff
        if riff is None or riff.played != opened.played:
            return  # that riff was replaced or dropped meanwhile
        bars = riff_bars(final.played, riff.settings.quantize)
        old = riff.bars
        self.feed.update_riff(replace(riff, bars=bars, played=final.played))
        now = self._tick_at(self.clock.now())
        first = riff.start_bar
        if now is None or first is None or self.next_bar is None:
            return
        if not self.feed.controls.audible(riff.role) or self.feed.duck == riff.role:
            return
        channel = self.config.channels[riff.role]
        for bar in range(first, self.next_bar):  # taken with the riff as it opened
            k = (bar - first) % len(bars)
            if bar > first and riff.settings.mode != "keep":
                break  # develop and continue: the generator made those bars
            was = {(n.pitch, n.start_beats) for t in old[k] for n in t.notes}
            new = [n for t in bars[k] for n in t.notes if (n.pitch, n.start_beats) not in was]
            self.output.timeline.add_notes(bar * TICKS_PER_BAR, new, channel, now)

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
        if self.capture.armed is not None:  # its end passed with no bar line committed on it
            tick = self._tick_at(now)
            if tick is not None and tick >= self.capture.armed_until:
                self._close_at(tick, opens_at=self.next_bar)
        if self.capture.closing:
            heard = self._tick_at(now - self.config.capture_settle_s)
            if heard is not None:
                self._settle_capture(heard)
