"""Internal clock: JamBridge as the MIDI clock master (``--clock internal --bpm N``).

The clock keeps a pulse grid (:class:`~jambridge.bridge.timing.pulse_grid.PulseGrid`) running
from :meth:`InternalClock.begin` on, 24 pulses a beat, so that followers lock their tempo before
Start, as a DAW's clock does. :meth:`play` starts on a bar line of that grid after at least one
bar of pulses (the count-in), and never sooner than ``lead_s`` from now; Start goes out right
before that bar line's pulse. Playing from a later bar sends the Song Position Pointer at once
and Continue before the pulse instead. :meth:`stop` ends it (Stop goes out at once). A tempo
change glides over one beat of pulses, from the next pulse on, so pulses never jump.

It is a :class:`~jambridge.bridge.timing.protocol.Timing` like the clock follower; the
scheduler's output sends its messages (``0xF8`` at :meth:`next_send_time`, ``0xFA``/``0xFB``
right before the first pulse) through the same timed loop as the notes: on JACK each on its
exact frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from jambridge.bridge.timing.protocol import ClockReply, ClockView
from jambridge.bridge.timing.pulse_grid import PulseGrid
from jambridge.bridge.timing.transport import (
    TICKS_PER_BAR,
    TICKS_PER_BEAT,
    TICKS_PER_SIXTEENTH,
    Play,
    Stop,
    TransportEvent,
    TransportState,
)

START_LEAD_S = 0.02  # Start goes out at least this long before the first pulse of bar 1
COUNT_IN_BARS = 1  # bars of pulses a follower hears before Start
_PULSE: tuple[tuple[int, ...], ...] = ((0xF8,),)
_START_AND_PULSE: tuple[tuple[int, ...], ...] = ((0xFA,), (0xF8,))  # nothing may come between
_CONTINUE_AND_PULSE: tuple[tuple[int, ...], ...] = ((0xFB,), (0xF8,))
_STOP: tuple[tuple[int, ...], ...] = ((0xFC,),)


def period_of(bpm: float) -> float:
    """Seconds per clock pulse at ``bpm``."""
    return 60.0 / (bpm * TICKS_PER_BEAT)


def song_position(tick: int) -> tuple[int, int, int]:
    """The Song Position Pointer message for song tick ``tick`` (16ths, LSB first)."""
    sixteenths = tick // TICKS_PER_SIXTEENTH
    return (0xF2, sixteenths & 0x7F, (sixteenths >> 7) & 0x7F)


class InternalClock:
    """A master clock on a fixed (changeable) tempo (a
    :class:`~jambridge.bridge.timing.protocol.Timing`)."""

    def __init__(
        self, bpm: float, lead_s: float = START_LEAD_S, count_in_bars: int = COUNT_IN_BARS
    ) -> None:
        self._grid = PulseGrid(period_of(bpm))
        self._lead_s = lead_s
        self._count_in = count_in_bars * TICKS_PER_BAR  # pulses before the first Start
        self._next_pulse = 0  # index of the next pulse to send
        self._song: int | None = None  # pulse index of song tick 0 while playing
        self._first: int | None = None  # pulse index of the first pulse played
        self._started = False

    def begin(self, now_s: float) -> None:
        """Start the pulse grid at ``now_s`` (pulses go out from then on), stopped: a grid
        begun again (the real-time thread restarted on new ports) plays only when asked."""
        self._grid.anchor(0, now_s)
        self._next_pulse = 0
        self._song = self._first = None
        self._started = True

    def _time_of_pulse(self, index: float) -> float:
        return self._grid.time_of(index)

    # -- driving ---------------------------------------------------------------------------------

    def next_send_time(self) -> float | None:
        """When the next ``0xF8`` is due, or None before :meth:`begin`."""
        return self._time_of_pulse(self._next_pulse) if self._started else None

    def take_send(self) -> tuple[tuple[int, ...], ...]:
        """The pulse that is due, marked sent; when it is the first of a Start (Continue),
        ``0xFA`` (``0xFB``) right before it: the first ``0xF8`` after it is the song's first
        tick, and no pulse may come between."""
        first = self._next_pulse == self._first
        self._next_pulse += 1
        if not first or self._song is None:
            return _PULSE
        return _START_AND_PULSE if self._song == self._next_pulse - 1 else _CONTINUE_AND_PULSE

    def play(self, now_s: float, from_tick: int = 0) -> ClockReply:
        """Play from song tick ``from_tick`` (a 16th; 0: from the top, with Start; else the Song
        Position Pointer now and Continue) on the first bar line of the grid after the count-in
        and ``lead_s`` from now; nothing if playing."""
        if self._song is not None:
            return ClockReply()
        from_tick -= from_tick % TICKS_PER_SIXTEENTH
        first = max(self._next_pulse, self._count_in)
        while self._time_of_pulse(first) < now_s + self._lead_s:
            first += 1
        first = math.ceil(first / TICKS_PER_BAR) * TICKS_PER_BAR
        self._first, self._song = first, first - from_tick
        at = self._time_of_pulse(first)
        if from_tick == 0:
            return ClockReply(events=(Play(0, at, "start"),))
        spp = (song_position(from_tick),)  # the follower locates now, plays on Continue
        return ClockReply(events=(Play(from_tick, at, "continue"),), send=spp)

    def stop(self, now_s: float) -> ClockReply:
        """Stop: Stop goes out now; nothing if stopped."""
        if self._song is None:
            return ClockReply()
        self._song = self._first = None
        return ClockReply(events=(Stop(now_s, "stop"),), send=_STOP)

    def set_bpm(self, bpm: float) -> ClockReply:
        """Glide to ``bpm`` over one beat of pulses from the next pulse on (at once before
        :meth:`begin`)."""
        if self._started:
            self._grid.ramp_to(self._next_pulse, period_of(bpm))
        else:
            self._grid = PulseGrid(period_of(bpm), self._grid.ramp_pulses)
        return ClockReply()

    def close(self) -> None:
        """Nothing held outside the process."""

    # -- input (a master listens to no clock) ----------------------------------------------------

    def set_log(self, sink: Callable[[str], None]) -> None:
        """Nothing to log: input is not the master's."""

    def handle(self, t_s: float, kind: str, msg: Sequence[int]) -> list[TransportEvent]:
        return []

    def reject(self, t_s: float, why: str) -> None:
        """Not counted: the master is not listening."""

    def check(self, now_s: float) -> list[TransportEvent]:
        return []

    # -- reading ---------------------------------------------------------------------------------

    @property
    def state(self) -> TransportState:
        if self._song is None or self._first is None:
            return TransportState.STOPPED
        return TransportState.PLAYING if self._next_pulse > self._first else TransportState.WAITING

    @property
    def locked(self) -> bool:
        return self._song is not None

    @property
    def bpm(self) -> float:
        """The tempo set (a glide towards it may still run)."""
        return 60.0 / (self._grid.target_period * TICKS_PER_BEAT)

    @property
    def pulse_tick(self) -> int | None:
        if self._song is None or self._first is None or self._next_pulse <= self._first:
            return None
        return self._next_pulse - 1 - self._song

    def time_of_tick(self, tick: float) -> float | None:
        if self._song is None:
            return None
        return self._time_of_pulse(self._song + tick)

    def tick_at(self, t_s: float) -> float | None:
        if self._song is None:
            return None
        return self._grid.index_at(t_s) - self._song

    @property
    def song_tick(self) -> int:
        """Song tick of the next pulse while playing; 0 while not (a Start plays from the top)."""
        if self._song is None or self._first is None:
            return 0
        return max(self._first, self._next_pulse) - self._song

    def pulse_wait_s(self) -> None:
        return None  # our own grid: nothing to wait for

    def view(self, now_s: float) -> ClockView:
        return ClockView("internal", self.bpm, "internal", 0, False)
