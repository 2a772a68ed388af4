"""Internal clock: JamBridge as the MIDI clock master (``--clock internal --bpm N``).

The clock keeps a pulse grid running from :meth:`InternalClock.begin` on, so that slaves can
lock their tempo before Start, as a DAW's clock does. :meth:`play` makes the first grid pulse
at least ``lead_s`` ahead tick 0 of bar 1, and Start goes out right before that pulse.
:meth:`stop` ends it (Stop goes out at once). A tempo change re-anchors the grid at the next
pulse, so pulses never jump.

It is a :class:`~jambridge.bridge.timing.protocol.Timing` like the clock follower; the
scheduler's output sends its messages (``0xF8`` at :meth:`next_send_time`, ``0xFA`` right before
the first pulse of a Start) through the same timed loop as the notes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from jambridge.bridge.timing.protocol import ClockReply, ClockView
from jambridge.bridge.timing.transport import (
    TICKS_PER_BEAT,
    Play,
    Stop,
    TransportEvent,
    TransportState,
)

START_LEAD_S = 0.02  # Start goes out at least this long before the first pulse of bar 1
_PULSE: tuple[tuple[int, ...], ...] = ((0xF8,),)
_START_AND_PULSE: tuple[tuple[int, ...], ...] = ((0xFA,), (0xF8,))  # nothing may come between
_STOP: tuple[tuple[int, ...], ...] = ((0xFC,),)


def period_of(bpm: float) -> float:
    """Seconds per clock pulse at ``bpm``."""
    return 60.0 / (bpm * TICKS_PER_BEAT)


class InternalClock:
    """A master clock on a fixed (changeable) tempo (a
    :class:`~jambridge.bridge.timing.protocol.Timing`)."""

    def __init__(self, bpm: float, lead_s: float = START_LEAD_S) -> None:
        self._period = period_of(bpm)
        self._lead_s = lead_s
        self._grid: tuple[int, float] = (0, 0.0)  # (pulse index, time) the grid runs from
        self._next_pulse = 0  # index of the next pulse to send
        self._song: int | None = None  # pulse index of song tick 0 while playing
        self._started = False

    def begin(self, now_s: float) -> None:
        """Start the pulse grid at ``now_s`` (pulses go out from then on)."""
        self._grid = (0, now_s)
        self._next_pulse = 0
        self._started = True

    def _time_of_pulse(self, index: float) -> float:
        i0, t0 = self._grid
        return t0 + (index - i0) * self._period

    # -- driving ---------------------------------------------------------------------------------

    def next_send_time(self) -> float | None:
        """When the next ``0xF8`` is due, or None before :meth:`begin`."""
        return self._time_of_pulse(self._next_pulse) if self._started else None

    def take_send(self) -> tuple[tuple[int, ...], ...]:
        """The pulse that is due, marked sent; when it is tick 0 of a Start, ``0xFA`` right
        before it (the first ``0xF8`` after Start is the downbeat: no pulse may come between)."""
        start = self._song is not None and self._next_pulse == self._song
        self._next_pulse += 1
        return _START_AND_PULSE if start else _PULSE

    def play(self, now_s: float) -> ClockReply:
        """Start from the top (Start goes out with the first pulse); nothing if playing."""
        if self._song is not None:
            return ClockReply()
        i0, t0 = self._grid
        first = max(self._next_pulse, i0)
        while self._time_of_pulse(first) < now_s + self._lead_s:
            first += 1
        self._song = first
        return ClockReply(events=(Play(0, self._time_of_pulse(first), "start"),))

    def stop(self, now_s: float) -> ClockReply:
        """Stop: Stop goes out now; nothing if stopped."""
        if self._song is None:
            return ClockReply()
        self._song = None
        return ClockReply(events=(Stop(now_s, "stop"),), send=_STOP)

    def set_bpm(self, bpm: float) -> ClockReply:
        """Change the tempo from the next pulse on."""
        self._grid = (self._next_pulse, self._time_of_pulse(self._next_pulse))
        self._period = period_of(bpm)
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
        if self._song is None:
            return TransportState.STOPPED
        return TransportState.PLAYING if self._next_pulse > self._song else TransportState.WAITING

    @property
    def locked(self) -> bool:
        return self._song is not None

    @property
    def bpm(self) -> float:
        return 60.0 / (self._period * TICKS_PER_BEAT)

    @property
    def pulse_tick(self) -> int | None:
        if self._song is None or self._next_pulse <= self._song:
            return None
        return self._next_pulse - 1 - self._song

    def time_of_tick(self, tick: float) -> float | None:
        if self._song is None:
            return None
        return self._time_of_pulse(self._song + tick)

    def tick_at(self, t_s: float) -> float | None:
        if self._song is None:
            return None
        i0, t0 = self._grid
        return i0 + (t_s - t0) / self._period - self._song

    @property
    def song_tick(self) -> int:
        """Song tick of the next pulse while playing; 0 while not (a Start plays from the top)."""
        return 0 if self._song is None else max(0, self._next_pulse - self._song)

    def pulse_wait_s(self) -> None:
        return None  # our own grid: nothing to wait for

    def view(self, now_s: float) -> ClockView:
        return ClockView("internal", self.bpm, "internal", 0, False)
