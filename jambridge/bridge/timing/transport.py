"""Transport values: the MIDI clock's tick grid, song positions, transport state and events.

A song position is counted in MIDI clock ticks (24 per beat, :data:`TICKS_PER_BEAT`) from the
song start; tick 0 is the downbeat of bar 1. Every clock (:mod:`~jambridge.bridge.timing.protocol`)
speaks in these values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT

TICKS_PER_BEAT = 24  # MIDI clock: 24 pulses per quarter note
TICKS_PER_BAR = TICKS_PER_BEAT * BEATS_PER_BAR  # 96 in 4/4
TICKS_PER_SIXTEENTH = 6  # one Song Position Pointer unit ("MIDI beat")
TICKS_PER_GRID = TICKS_PER_BEAT // GRID_PER_BEAT  # 2: capture quantizes onto this many ticks
# Tempos the bridge plays at, as master or following a clock. Above 400 BPM a pulse is under
# 6.25 ms, a few JACK periods or USB MIDI frames: its stamps no longer resolve the grid (a 1,000
# BPM clock arrives in driver-cycle clumps). Below 20 BPM a pulse is 125 ms and a bar 12 s: a
# clock that slow is more likely a stalled or broken one than music.
BPM_RANGE = (20.0, 400.0)


class TransportState(enum.Enum):
    """Where the transport is. WAITING: Start or Continue came, the first pulse has not."""

    STOPPED = "stopped"
    WAITING = "waiting"
    PLAYING = "playing"


@dataclass(frozen=True, slots=True)
class Position:
    """A song position shown to people: 1-based bar and beat, and the tick within the beat."""

    bar: int  # 1-based bar number
    beat: int  # 1-based beat in the bar, 1..4
    tick: int  # tick within the beat, 0..23

    @classmethod
    def from_ticks(cls, ticks: float) -> Position:
        """The position of song tick ``ticks`` (negative ticks clamp to the song start)."""
        t = max(0, int(ticks))
        bar, rest = divmod(t, TICKS_PER_BAR)
        beat, tick = divmod(rest, TICKS_PER_BEAT)
        return cls(bar + 1, beat + 1, tick)

    def __str__(self) -> str:
        return f"{self.bar}:{self.beat}"


@dataclass(frozen=True, slots=True)
class Play:
    """The transport started rolling: the pulse at ``t_s`` is song tick ``tick``."""

    tick: int  # song tick of the first pulse
    t_s: float  # arrival time of that pulse (or the internal clock's start time)
    kind: str  # "start" (from the top) or "continue" (from the song position pointer)


@dataclass(frozen=True, slots=True)
class Stop:
    """The transport stopped: every sounding note must end now."""

    t_s: float  # when it was noticed
    kind: str  # "stop", "clock lost", "relocate" (SPP while playing) or "restart"


@dataclass(frozen=True, slots=True)
class Locate:
    """A Song Position Pointer moved the stopped transport to ``tick``."""

    tick: int  # song tick the next Continue plays from


TransportEvent = Play | Stop | Locate
