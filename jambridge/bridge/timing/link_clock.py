"""Ableton Link as the clock (``--clock link``): the session's tempo, beat phase and start/stop.

Link keeps one beat timeline for every app in the session on the local network. JamBridge
joins with a quantum of one bar: when the session starts playing (any peer pressed Play, with
start/stop sync), song tick 0 is the session's next bar line, so bar 1 lines up with every
peer's bars; when it stops, every note ends. A tempo JamBridge sets (``set_bpm``) is proposed to
the session; a tempo a peer sets reaches the notes from the next step on.

:class:`LinkClock` is a :class:`~jambridge.bridge.timing.protocol.Timing`. Times are our
monotonic clock: each step reads the session's beat and tempo once (bracketed by two
``time.monotonic`` reads) and maps beats to time on that line. It reads no MIDI clock input.

Link talks over UDP multicast on every network interface, so it is off unless the user picks
``--clock link``; :class:`AalinkSession` is the only place it is switched on.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from jambridge.bridge.timing.protocol import ClockReply, ClockView
from jambridge.bridge.timing.transport import (
    TICKS_PER_BAR,
    TICKS_PER_BEAT,
    Play,
    Stop,
    TransportEvent,
    TransportState,
)
from jambridge.errors import PortError

QUANTUM_BEATS = TICKS_PER_BAR // TICKS_PER_BEAT  # one bar
# A Link instance enabled right after it was made may win the session with its own tempo
# (aalink issue 7: about 3 times in 10 at 200 ms, never at 500 ms); joining must not change the
# tempo of a session that runs (Link's test plan, TEMPO-2).
ENABLE_AFTER_S = 0.6


@dataclass(frozen=True, slots=True)
class LinkSnapshot:
    """The session at one moment: beat ``beat`` is at time ``t_s`` on our clock."""

    t_s: float
    beat: float
    bpm: float
    playing: bool
    peers: int


class LinkSession(Protocol):
    """What :class:`LinkClock` needs of a Link session (the real one, or a fake in tests)."""

    def enable(self, quantum: float) -> None: ...

    def snapshot(self) -> LinkSnapshot: ...

    def set_tempo(self, bpm: float) -> None: ...

    def set_playing(self, playing: bool) -> None: ...

    def close(self) -> None: ...


class AalinkSession:
    """The Link library through ``aalink``; enabled only by :meth:`enable`."""

    def __init__(self, bpm: float) -> None:
        try:
            import asyncio

            import aalink
        except ImportError as err:
            raise PortError(f"Ableton Link needs the aalink package: {err}") from err
        with warnings.catch_warnings():  # aalink wants an event loop for its awaitables only
            warnings.simplefilter("ignore", DeprecationWarning)
            self._link: Any = aalink.Link(float(bpm), asyncio.new_event_loop())
        self._made = time.monotonic()

    def enable(self, quantum: float) -> None:
        """Join the network's session (waits out :data:`ENABLE_AFTER_S` since construction)."""
        wait = self._made + ENABLE_AFTER_S - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._link.quantum = quantum
        self._link.start_stop_sync_enabled = True
        self._link.enabled = True

    def snapshot(self) -> LinkSnapshot:
        link = self._link
        before = time.monotonic()
        beat = link.beat
        after = time.monotonic()
        return LinkSnapshot((before + after) / 2, beat, link.tempo, link.playing, link.num_peers)

    def set_tempo(self, bpm: float) -> None:
        self._link.tempo = float(bpm)

    def set_playing(self, playing: bool) -> None:
        self._link.playing = playing

    def close(self) -> None:
        self._link.enabled = False


class LinkClock:
    """The song on the Link session's beat timeline (see the module docstring)."""

    def __init__(self, session: LinkSession) -> None:
        self._session = session
        self._snap: LinkSnapshot | None = None
        self._song_beat: float | None = None  # session beat of song tick 0 while playing
        self._was_playing = False
        self._now = 0.0

    # -- the beat line ---------------------------------------------------------------------------

    def _time_of_beat(self, beat: float) -> float:
        s = self._snap
        assert s is not None
        return s.t_s + (beat - s.beat) * 60.0 / s.bpm

    def _beat_at(self, t_s: float) -> float:
        s = self._snap
        assert s is not None
        return s.beat + (t_s - s.t_s) * s.bpm / 60.0

    def _start_at_next_bar(self) -> Play:
        assert self._snap is not None
        beat = self._snap.beat
        bar = math.ceil(beat / QUANTUM_BEATS - 1e-9) * QUANTUM_BEATS
        self._song_beat = float(bar)
        return Play(0, self._time_of_beat(bar), "start")

    # -- driving ---------------------------------------------------------------------------------

    def begin(self, now_s: float) -> None:
        self._session.enable(QUANTUM_BEATS)
        self._snap = self._session.snapshot()
        self._now = now_s

    def check(self, now_s: float) -> list[TransportEvent]:
        """Read the session: its tempo and beat line, and whether it started or stopped."""
        self._now = now_s
        self._snap = snap = self._session.snapshot()
        events: list[TransportEvent] = []
        if snap.playing and not self._was_playing and self._song_beat is None:
            events.append(self._start_at_next_bar())
        elif not snap.playing and self._song_beat is not None:
            self._song_beat = None
            events.append(Stop(now_s, "stop"))
        self._was_playing = snap.playing
        return events

    def next_send_time(self) -> float | None:
        return None  # Link sends nothing over MIDI

    def take_send(self) -> tuple[tuple[int, ...], ...]:
        return ()

    def play(self, now_s: float, from_tick: int = 0) -> ClockReply:
        """Start the session (every peer with start/stop sync starts too) at the next bar."""
        if self._song_beat is not None or self._snap is None:
            return ClockReply()
        self._session.set_playing(True)
        self._snap = self._session.snapshot()
        self._was_playing = True
        return ClockReply(events=(self._start_at_next_bar(),))

    def stop(self, now_s: float) -> ClockReply:
        """Stop the session (and every peer with start/stop sync)."""
        if self._song_beat is None:
            return ClockReply()
        self._session.set_playing(False)
        self._song_beat = None
        self._was_playing = False
        return ClockReply(events=(Stop(now_s, "stop"),))

    def set_bpm(self, bpm: float) -> ClockReply:
        """Propose ``bpm`` to the session."""
        self._session.set_tempo(bpm)
        self._snap = self._session.snapshot()
        return ClockReply()

    def close(self) -> None:
        self._session.close()

    # -- input (Link is not MIDI) ----------------------------------------------------------------

    def set_log(self, sink: Callable[[str], None]) -> None:
        """Nothing to log: MIDI clock input is not listened to."""

    def handle(self, t_s: float, kind: str, msg: Sequence[int]) -> list[TransportEvent]:
        return []

    def reject(self, t_s: float, why: str) -> None:
        """Not counted: the clock is Link's, not the input's."""

    # -- reading ---------------------------------------------------------------------------------

    @property
    def state(self) -> TransportState:
        if self._song_beat is None:
            return TransportState.STOPPED
        if self._now < self._time_of_beat(self._song_beat):
            return TransportState.WAITING
        return TransportState.PLAYING

    @property
    def locked(self) -> bool:
        return self._song_beat is not None

    @property
    def bpm(self) -> float | None:
        return None if self._snap is None else self._snap.bpm

    @property
    def peers(self) -> int:
        return 0 if self._snap is None else self._snap.peers

    @property
    def pulse_tick(self) -> int | None:
        tick = self.tick_at(self._now)
        return None if tick is None or tick < 0 else math.floor(tick)

    @property
    def song_tick(self) -> int:
        pulse = self.pulse_tick
        return 0 if pulse is None else pulse + 1

    def time_of_tick(self, tick: float) -> float | None:
        if self._song_beat is None:
            return None
        return self._time_of_beat(self._song_beat + tick / TICKS_PER_BEAT)

    def tick_at(self, t_s: float) -> float | None:
        if self._song_beat is None:
            return None
        return (self._beat_at(t_s) - self._song_beat) * TICKS_PER_BEAT

    def pulse_wait_s(self) -> float | None:
        return None  # the session's beat line is exact: nothing to wait for

    def view(self, now_s: float) -> ClockView:
        peers = self.peers
        name = f"link, {peers} peer{'s' if peers != 1 else ''}"
        return ClockView(self.state.value, self.bpm, name, 0, False)
