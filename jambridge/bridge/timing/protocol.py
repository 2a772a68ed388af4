"""The one protocol every clock the real-time thread plays to speaks: :class:`Timing`.

The MIDI clock follower (:class:`~jambridge.bridge.timing.clock.ClockFollower`) and the internal
master clock (:class:`~jambridge.bridge.timing.internal_clock.InternalClock`) implement it. The
scheduler, its output and its command handlers see only this protocol, so another clock (Ableton
Link, JACK frames) is another class, not another branch. Every method is called from the
real-time thread alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from jambridge.bridge.timing.transport import TransportEvent, TransportState


class ClockView(NamedTuple):
    """How a clock shows itself on the status line (see
    :class:`~jambridge.bridge.events.BridgeStatus`; built every turn: a NamedTuple is cheap)."""

    sync: str  # "locked", "playing", "waiting", "stopped", "no clock" or "internal"
    bpm: float | None  # the tempo shown; None: no clock
    name: str  # "external" (following a clock) or "internal" (the master)
    ignored_input: int  # input messages the clock dropped as bad or out of place
    follows_pulses: bool  # notes wait for the clock's pulses (a clock that wanders)


@dataclass(frozen=True, slots=True)
class ClockReply:
    """What a clock did with a transport command (play, stop, tempo)."""

    events: tuple[TransportEvent, ...] = ()  # transport changes, handled as if they came in
    send: tuple[tuple[int, ...], ...] = ()  # messages to send at once, before the events (Stop)
    refused: str | None = None  # why nothing was done (a clock that follows another): a warning


class Timing(Protocol):
    """A clock: where the song is in time, and what the real-time thread asks of it."""

    # -- reading -----------------------------------------------------------------------------

    @property
    def state(self) -> TransportState: ...

    @property
    def locked(self) -> bool:
        """Playing, and the tempo is known well enough to time notes ahead of the pulses."""
        ...

    @property
    def bpm(self) -> float | None: ...

    @property
    def pulse_tick(self) -> int | None:
        """Song tick of the newest pulse while playing (None when not playing)."""
        ...

    @property
    def song_tick(self) -> int:
        """Song tick of the next pulse while playing; the position while not playing."""
        ...

    def time_of_tick(self, tick: float) -> float | None:
        """When song tick ``tick`` sounds, or None when not locked."""
        ...

    def tick_at(self, t_s: float) -> float | None:
        """The (fractional) song tick at time ``t_s``, or None when not locked."""
        ...

    def pulse_wait_s(self) -> float | None:
        """None: notes go out at :meth:`time_of_tick`. Else the clock wanders and its pulses
        are the grid: a note waits for the pulse of its tick, at most this long past
        :meth:`time_of_tick`."""
        ...

    def view(self, now_s: float) -> ClockView:
        """The clock as the status line shows it at ``now_s``."""
        ...

    # -- input -------------------------------------------------------------------------------

    def set_log(self, sink: Callable[[str], None]) -> None:
        """Send log lines (bad input, a lost clock) to ``sink`` from now on."""
        ...

    def handle(self, t_s: float, kind: str, msg: Sequence[int]) -> list[TransportEvent]:
        """A system message (checked as ``kind``, see :mod:`~jambridge.bridge.io.messages`)
        arrived at ``t_s``; returns the transport changes it makes."""
        ...

    def reject(self, t_s: float, why: str) -> None:
        """An input message failed the checks (``why``): count it, log it (rate-limited)."""
        ...

    def check(self, now_s: float) -> list[TransportEvent]:
        """Notice what time alone changes (a clock that stopped coming); called every step."""
        ...

    # -- driving -----------------------------------------------------------------------------

    def begin(self, now_s: float) -> None:
        """The real-time thread starts at ``now_s``."""
        ...

    def next_send_time(self) -> float | None:
        """When the clock's own next message is due (a master's pulse); None: nothing due."""
        ...

    def take_send(self) -> tuple[tuple[int, ...], ...]:
        """The messages due at :meth:`next_send_time`, marked sent."""
        ...

    def play(self, now_s: float, from_tick: int = 0) -> ClockReply:
        """Start from song tick ``from_tick`` (0: the top) where the clock can."""
        ...

    def stop(self, now_s: float) -> ClockReply:
        """Stop."""
        ...

    def set_bpm(self, bpm: float) -> ClockReply:
        """Change the tempo."""
        ...

    def close(self) -> None:
        """Let go of what the clock holds outside the process (a Link session leaves)."""
        ...
