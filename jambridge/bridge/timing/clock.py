"""MIDI clock follower: a pure state machine from stamped input messages to transport state.

Feed it ``(arrival time, message bytes)`` in arrival order; it answers with transport events
(:class:`~jambridge.bridge.timing.transport.Play`, ``Stop``, ``Locate``) and keeps the song position
and a :class:`~jambridge.bridge.timing.tempo.TempoModel`. It never reads a clock itself: call
:meth:`ClockFollower.check` with the current time to notice a clock that stopped coming.

The rules (MIDI 1.0, and what DAWs really send -- see FIELD-NOTES.md):

* ``0xFA`` Start: the first ``0xF8`` after it is tick 0, the downbeat of bar 1.
* ``0xFB`` Continue: play from the current song position (where the last Stop left it, or
  where the last Song Position Pointer put it); the first ``0xF8`` after it is that tick.
* ``0xFC`` Stop: every note ends; the position stays where it stopped.
* ``0xF2`` Song Position Pointer (16ths, LSB then MSB): moves the stopped transport. Sent while
  playing (Reaper does on relocate) it acts as stop, relocate and continue on the next pulse.
* ``0xF8`` while stopped only feeds the tempo model (some DAWs clock all the time).
* Lost pulses: the position is a count of pulses, so a pulse lost on the way (JACK drops the
  events of a client that missed its cycle) would put every later note a tick late. While
  playing with a locked tempo, a gap of ``skip_ratio`` periods or more counts the pulses it
  should have held; if the next pulses then sit a pulse early on the model's grid (the gap was
  a stall and they are catching up: nothing was lost) each one undoes a pulse of that count.
  A gap right after such a gap is not counted (pulses lost twice in a row: a slower clock).
* A clock that wanders (its intervals err independently, so the errors add up; see
  :mod:`tempo`) is its own grid: :meth:`ClockFollower.pulse_wait_s` tells the scheduler to
  send each note when the pulse of its tick arrives (waiting at most a quarter pulse, and
  never more than 8 ms, past the model's time, so a lost pulse delays nothing much), not ahead
  of it -- unless a latency offset asks for notes ahead of the clock.
* Clock loss: playing, and no pulse for ``loss_periods`` pulse periods (at least
  ``loss_min_s``): the transport stops, with ``Stop(kind="clock lost")``. If pulses come back
  without a Stop (the sender or the MIDI driver stalled), play goes on from the position the
  pulses reach, as after a Continue; a Stop, Start, Continue or SPP ends that.
* An absurd tempo: a clock the tempo model measures outside ``bpm_range``
  (:data:`~jambridge.bridge.timing.transport.BPM_RANGE`, 20-400 BPM) is not followed: the transport
  stops (``Stop(kind="tempo out of range")``, logged), its pulses still count the song
  position, and play goes on from there as soon as the tempo is back in range.

Everything else that is not a channel message -- sysex, undefined status bytes, running-status
fragments, malformed SPP, Continue while playing -- is logged (rate-limited) and ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from jambridge.bridge.io.messages import Complaints, check
from jambridge.bridge.timing.protocol import ClockReply, ClockView
from jambridge.bridge.timing.tempo import TempoConfig, TempoModel
from jambridge.bridge.timing.transport import (
    BPM_RANGE,
    TICKS_PER_SIXTEENTH,
    Locate,
    Play,
    Stop,
    TransportEvent,
    TransportState,
)


@dataclass(frozen=True, slots=True)
class FollowerConfig:
    """Clock follower settings."""

    tempo: TempoConfig = field(default_factory=TempoConfig)  # the tempo model's settings
    loss_periods: float = 8.0  # no pulse for this many periods while playing: clock lost
    loss_min_s: float = 0.3  # ... but never sooner than this (a slow, jittery clock)
    idle_s: float = 1.0  # no pulse for this long: the BPM is shown as unknown
    skip_ratio: float = 1.7  # a gap this many periods long means pulses were lost on the way
    max_skip: int = 4  # ... at most this many are counted in at once
    skip_after_pulses: int = 12  # ... once the tempo model's period is measured from this many
    # pulses (TempoModel.measured_pulses: a window a change cut short keeps its count)
    pulse_wait_periods: float = 0.25  # a wandering clock: a note waits this long for its pulse
    pulse_wait_max_s: float = 0.008  # ... (in pulse periods, at most this long) past the model
    bpm_range: tuple[float, float] = BPM_RANGE  # a clock measured outside this is not followed


class ClockFollower:
    """Follows an external MIDI clock (a :class:`~jambridge.bridge.timing.protocol.Timing`).
    See the module docstring for the rules."""

    def __init__(
        self, config: FollowerConfig | None = None, log: Callable[[str], None] | None = None
    ) -> None:
        self.config = config or FollowerConfig()
        self.tempo = TempoModel(self.config.tempo)
        self._complain = Complaints(log or (lambda line: None))
        self._state = TransportState.STOPPED
        self._next_tick = 0  # song tick of the next pulse (playing) or the stopped position
        self._anchor: tuple[int, int] | None = None  # (pulse index, song tick) while playing
        self._pending_kind = "start"  # what the next first pulse will be reported as
        self._last_pulse_t: float | None = None
        self._lost = False  # stopped by clock loss, not by the sender: pulses resume play
        self._refused = False  # the latest pulse measured a tempo out of bpm_range
        self._resume = False  # ... and the transport was rolling: play on when back in range
        self._skipped = 0  # pulses counted as lost before the newest one, not yet undone
        self.recovered = 0  # lost pulses counted in (net), for the log and tests
        self.ignored = 0  # messages dropped as bad or out of place

    def set_log(self, sink: Callable[[str], None]) -> None:
        """Send log lines (bad input, clock loss) to ``sink`` from now on."""
        self._complain = Complaints(sink)

    # -- input ---------------------------------------------------------------------------------

    def feed(self, t_s: float, msg: Sequence[int]) -> list[TransportEvent]:
        """Check and handle one message; channel messages are not the follower's (returns [])."""
        kind, why = check(msg)
        if kind is None:
            self.reject(t_s, why)
            return []
        return self.handle(t_s, kind, msg)

    def reject(self, t_s: float, why: str) -> None:
        """A message failed the checks: counted and logged (rate-limited)."""
        self._bad(t_s, why, f"ignored input: {why}")

    def handle(self, t_s: float, kind: str, msg: Sequence[int]) -> list[TransportEvent]:
        """Handle a message already checked as ``kind`` (see :mod:`messages`)."""
        handler = _HANDLERS.get(kind)
        if handler is None:
            return []  # channel messages belong to capture and the CC map
        return handler(self, t_s, msg)

    def check(self, now_s: float) -> list[TransportEvent]:
        """Notice a lost clock; call it often (every scheduler step)."""
        if self._state is not TransportState.PLAYING or self._last_pulse_t is None:
            return []
        period = self.tempo.period_s or 0.0
        limit = max(self.config.loss_periods * period, self.config.loss_min_s)
        if now_s - self._last_pulse_t <= limit:
            return []
        self._to_stopped()
        self._lost = True
        self._complain(now_s, "lost", f"MIDI clock lost: no pulse for {limit * 1000:.0f} ms")
        return [Stop(now_s, "clock lost")]

    # -- handlers ------------------------------------------------------------------------------

    def _clock(self, t_s: float, msg: Sequence[int]) -> list[TransportEvent]:
        events: list[TransportEvent] = []
        missed = self._missed_before(t_s)
        if missed < 0:  # a pulse counted as lost came late instead
            self.tempo.reindex_last(missed)
            self._next_tick += missed
            self.recovered += missed
            missed = 0
        index = self.tempo.add(t_s, skip=missed)
        self._last_pulse_t = t_s
        bpm = self.tempo.bpm if self.tempo.locked else None
        low, high = self.config.bpm_range
        if bpm is not None and not low <= bpm <= high:
            return self._refuse(t_s, bpm)
        if self._refused:
            self._refused = False
            if self._resume:  # back in range: play on from the position the pulses reached
                self._resume = False
                self._state = TransportState.WAITING
                self._pending_kind = "continue"
        if self._lost:  # the clock stalled and came back without Stop: play on from here
            self._lost = False
            self._state = TransportState.WAITING
            self._pending_kind = "continue"
        if self._state is TransportState.WAITING:
            # A sender may restart its pulse grid at Start/Continue: pulses from before it
            # would skew the phase. Their period stays as the prior.
            self.tempo.restart_from_last()
            self._state = TransportState.PLAYING
            self._anchor = (index, self._next_tick)
            events.append(Play(self._next_tick, t_s, self._pending_kind))
        if self._state is TransportState.PLAYING:
            self._next_tick += 1 + missed
        return events

    def _refuse(self, t_s: float, bpm: float) -> list[TransportEvent]:
        """A pulse of a clock out of ``bpm_range``: stop, but count it (see the docstring)."""
        events: list[TransportEvent] = []
        if self._state is TransportState.PLAYING:
            events.append(Stop(t_s, "tempo out of range"))
        if self._state is not TransportState.STOPPED or self._lost:
            self._resume = True
            self._lost = False
            self._to_stopped()
        self._refused = True
        if self._resume:
            self._next_tick += 1
        low, high = self.config.bpm_range
        self._complain(
            t_s, "tempo", f"MIDI clock at {bpm:.0f} BPM is outside {low:g}-{high:g} BPM: not played"
        )
        return events

    def _missed_before(self, t_s: float) -> int:
        """Pulses lost just before this one (> 0), or taken for lost wrongly (< 0), judged by
        the gap to the previous pulse and the tempo model's grid (see the module docstring)."""
        if self._state is not TransportState.PLAYING or not self.tempo.locked:
            return 0
        last, period = self.tempo.last_pulse, self.tempo.period_s
        if (
            last is None
            or period is None
            or self.tempo.measured_pulses < self.config.skip_after_pulses
        ):
            return 0
        if self._skipped > 0:
            # After counting lost pulses in: does this pulse sit on the grid as counted, or one
            # pulse earlier (the "lost" one was only late, and this is the next)?
            nxt = self.tempo.next_index
            before, on = self.tempo.time_of(nxt - 1), self.tempo.time_of(nxt)
            if before is not None and on is not None and abs(t_s - before) < abs(t_s - on):
                self._skipped -= 1
                return -1
            self._skipped = 0
            return 0  # gaps in a row are a slower clock, not pulses lost again and again
        ratio = (t_s - last[1]) / period
        if ratio < self.config.skip_ratio:
            return 0
        missed = min(int(round(ratio)) - 1, self.config.max_skip)
        self._skipped = missed
        self.recovered += missed
        return missed

    def _start(self, t_s: float, msg: Sequence[int]) -> list[TransportEvent]:
        self._lost = self._resume = False
        events: list[TransportEvent] = []
        if self._state is TransportState.PLAYING:
            events.append(Stop(t_s, "restart"))
        self._state = TransportState.WAITING
        self._next_tick = 0
        self._pending_kind = "start"
        self._anchor = None
        return events

    def _continue(self, t_s: float, msg: Sequence[int]) -> list[TransportEvent]:
        self._lost = False
        if self._state is not TransportState.STOPPED:
            return self._bad(t_s, "continue", "ignored Continue: the transport is already rolling")
        self._state = TransportState.WAITING
        self._pending_kind = "continue"
        self._anchor = None
        return []

    def _stop(self, t_s: float, msg: Sequence[int]) -> list[TransportEvent]:
        self._lost = self._resume = False
        if self._state is TransportState.STOPPED:
            return []  # DAWs repeat Stop; nothing to do
        self._to_stopped()
        return [Stop(t_s, "stop")]

    def _songpos(self, t_s: float, msg: Sequence[int]) -> list[TransportEvent]:
        self._lost = False
        tick = (msg[1] | (msg[2] << 7)) * TICKS_PER_SIXTEENTH
        if self._state is TransportState.PLAYING:
            self._to_stopped()
            self._state = TransportState.WAITING
            self._pending_kind = "continue"
            self._next_tick = tick
            return [Stop(t_s, "relocate")]
        self._next_tick = tick
        if self._state is TransportState.WAITING:
            return []  # Continue came first; the first pulse will carry the new position
        return [Locate(tick)]

    def _ignore(self, t_s: float, msg: Sequence[int]) -> list[TransportEvent]:
        return []

    def _sysex(self, t_s: float, msg: Sequence[int]) -> list[TransportEvent]:
        return self._bad(t_s, "sysex", f"ignored system exclusive message ({len(msg)} bytes)")

    def _other(self, t_s: float, msg: Sequence[int]) -> list[TransportEvent]:
        return self._bad(t_s, f"0x{msg[0]:02X}", f"ignored system message 0x{msg[0]:02X}")

    def _bad(self, t_s: float, key: str, text: str) -> list[TransportEvent]:
        self.ignored += 1
        self._complain(t_s, key, text)
        return []

    def _to_stopped(self) -> None:
        self._state = TransportState.STOPPED
        self._anchor = None

    # -- driving (a follower is driven by the clock it follows) ---------------------------------

    def begin(self, now_s: float) -> None:
        """Nothing to start: the pulses come from the clock followed."""

    def next_send_time(self) -> float | None:
        return None  # a follower sends nothing of its own

    def take_send(self) -> tuple[tuple[int, ...], ...]:
        return ()

    def play(self, now_s: float, from_tick: int = 0) -> ClockReply:
        return ClockReply(refused=_MASTER_ONLY)

    def stop(self, now_s: float) -> ClockReply:
        return ClockReply(refused=_MASTER_ONLY)

    def set_bpm(self, bpm: float) -> ClockReply:
        return ClockReply(refused=_MASTER_ONLY)

    def close(self) -> None:
        """Nothing held outside the process."""

    # -- reading -------------------------------------------------------------------------------

    def view(self, now_s: float) -> ClockView:
        bpm = self.bpm_at(now_s)
        if self._state is TransportState.PLAYING:
            sync = "locked" if self.locked else "playing"
        elif self._state is TransportState.WAITING:
            sync = "waiting"
        else:
            sync = "stopped" if bpm is not None else "no clock"
        return ClockView(sync, bpm, "external", self.ignored, self.tempo.follows_pulses)

    @property
    def state(self) -> TransportState:
        return self._state

    @property
    def tempo_refused(self) -> bool:
        """The latest pulse measured a tempo out of ``bpm_range``: the clock is not played."""
        return self._refused

    @property
    def song_tick(self) -> int:
        """Song tick of the next pulse while playing; the position while stopped."""
        return self._next_tick

    @property
    def pulse_tick(self) -> int | None:
        if self._state is not TransportState.PLAYING:
            return None
        return self._next_tick - 1

    @property
    def locked(self) -> bool:
        return self._state is TransportState.PLAYING and self.tempo.locked

    def bpm_at(self, now_s: float) -> float | None:
        """The tempo, or None when no pulse came for ``idle_s``."""
        if self._last_pulse_t is None or now_s - self._last_pulse_t > self.config.idle_s:
            return None
        return self.tempo.bpm

    @property
    def bpm(self) -> float | None:
        return self.tempo.bpm if self._last_pulse_t is not None else None

    def time_of_tick(self, tick: float) -> float | None:
        if self._anchor is None or not self.locked:
            return None
        index, anchor_tick = self._anchor
        return self.tempo.time_of(index + (tick - anchor_tick))

    def tick_at(self, t_s: float) -> float | None:
        if self._anchor is None or not self.locked:
            return None
        index, anchor_tick = self._anchor
        at = self.tempo.index_at(t_s)
        return None if at is None else anchor_tick + (at - index)

    def pulse_wait_s(self) -> float | None:
        if not self.locked or not self.tempo.follows_pulses or self.tempo.period_s is None:
            return None
        cfg = self.config
        return min(cfg.pulse_wait_periods * self.tempo.period_s, cfg.pulse_wait_max_s)


_MASTER_ONLY = "play/stop/tempo commands need --clock internal"
_HANDLERS: dict[str, Callable[[ClockFollower, float, Sequence[int]], list[TransportEvent]]] = {
    "clock": ClockFollower._clock,
    "start": ClockFollower._start,
    "continue": ClockFollower._continue,
    "stop": ClockFollower._stop,
    "songpos": ClockFollower._songpos,
    "active_sensing": ClockFollower._ignore,
    "quarter_frame": ClockFollower._ignore,  # MIDI time code: we follow 0xF8, not MTC
    "song_select": ClockFollower._other,
    "tune_request": ClockFollower._other,
    "reset": ClockFollower._other,
    "sysex": ClockFollower._sysex,
    "sysex_end": ClockFollower._sysex,
}
