"""What the real-time thread tells the rest of the app: events (queued), and the status line
(:class:`BridgeStatus`, made from the snapshot it publishes, see
:mod:`~jambridge.bridge.playback.status`).

The scheduler puts events on a queue and never waits for anyone; the session's dispatcher
thread hands them to the UI callback (the Qt adapter turns them into queued signals) and to
the log. Bars travel as plain tuples; :meth:`BarPlayed.bar` (and :meth:`BarQueued.bar`) build
the Bar value off the real-time thread, when someone asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jambridge.bridge.capture import CaptureResult
from jambridge.bridge.controls import Controls
from jambridge.bridge.playback.timeline import PlainBar, plain_to_bar
from jambridge.music import Bar
from jambridge.riff.settings import RiffSettings


@dataclass(frozen=True)
class BarPlayed:
    """A bar's notes were queued to play from its bar line."""

    index: int  # 0-based song bar (bar number shown is index + 1)
    plain: PlainBar  # every track of the bar as played (locks applied), muted ones included
    audible: tuple[str, ...]  # roles actually sent to the port
    repeated: tuple[str, ...]  # roles that repeat their previous bar (underrun)
    gen_ms: float | None  # how long the source took for this bar; None when repeated
    from_beat: float = 0.0  # > 0 when playback resumed mid-bar

    def bar(self) -> Bar:
        """The bar as a :class:`~jambridge.music.Bar` (validates; call off the RT thread)."""
        return plain_to_bar(self.plain)


@dataclass(frozen=True)
class BarQueued:
    """The bar that will play from the next bar line is known (about a bar before it plays).

    Sent again, for the same index, whenever it changes before its bar line (regenerate, a
    knob turned, mute, solo or lock); the last one sent is what plays, unless the bar line
    comes first (then :class:`BarPlayed` says what played instead).
    """

    index: int  # 0-based song bar it will play at
    plain: PlainBar  # every track as it will play (locks applied), muted ones included
    audible: tuple[str, ...]  # roles that will be sent to the port (mute and solo applied)

    def bar(self) -> Bar:
        """The bar as a :class:`~jambridge.music.Bar` (validates; call off the RT thread)."""
        return plain_to_bar(self.plain)


@dataclass(frozen=True)
class TransportChanged:
    """The transport started, stopped or moved."""

    state: str  # "playing", "stopped", "located"
    kind: str  # "start", "continue", "stop", "clock lost", "relocate", "restart", "locate"
    tick: int | None  # song tick where it starts/stopped/moved to


@dataclass(frozen=True)
class Underrun:
    """A bar was not ready at its bar line: its tracks repeat their previous bar."""

    index: int  # 0-based song bar that repeated
    total: int  # underruns so far in this session


@dataclass(frozen=True)
class CaptureTaken:
    """A capture finished; the session writes it to disk and reports :class:`CaptureSaved`."""

    result: CaptureResult


@dataclass(frozen=True)
class CaptureSaved:
    """A capture was written."""

    result: CaptureResult
    path: str  # the .mid file


@dataclass(frozen=True)
class RiffInfo:
    """The riff that plays: a capture the generator plays its bars against."""

    role: str  # the role it plays in
    bars: tuple[PlainBar, ...]  # as it plays (the settings' input quantize applied)
    played: tuple[PlainBar, ...]  # as captured, onsets as played
    settings: RiffSettings  # keep, develop or continue, and how
    start_bar: int | None  # 0-based song bar its first bar plays at; None: when playing resumes
    bpm: float | None  # the tempo it was played at (None: unknown)
    key: str | None = None  # its key, as found ("A minor"); None: not known yet, or drums alone
    kind: str = "armed"  # the capture it came from: "armed" or "retro"


@dataclass(frozen=True)
class RiffChanged:
    """A riff started (a capture), changed (its settings, its key found) or stopped (None)."""

    riff: RiffInfo | None


@dataclass(frozen=True)
class ControlsChanged:
    """The steering state changed (takes effect at the next bar line)."""

    controls: Controls


@dataclass(frozen=True)
class LogLine:
    """Something to log (bad input, a lost clock, a generator error)."""

    level: str  # "info", "warning" or "error"
    text: str


BridgeEvent = (
    BarPlayed
    | BarQueued
    | TransportChanged
    | Underrun
    | CaptureTaken
    | CaptureSaved
    | ControlsChanged
    | RiffChanged
    | LogLine
)


@dataclass(frozen=True)
class BridgeStatus:
    """A snapshot for status lines and the app's sync display."""

    sync: str  # "locked", "playing", "waiting", "stopped", "no clock", "bad tempo" (a clock out
    # of BPM_RANGE), "port lost" (the JACK server went away), or "internal"
    playing: bool
    bpm: float | None  # None: no clock
    bar: int  # 1-based bar of the song position
    beat: int  # 1-based beat
    clock: str  # "external" or "internal"
    gen_ms_last: float | None  # generation time of the last bar
    gen_ms_max: float | None  # slowest bar so far
    underruns: int
    late_p99_ms: float  # scheduling lateness of recent events (our side of the port)
    late_max_ms: float
    open_notes: int
    notes_on: int  # note-ons sent
    notes_off: int  # note-offs sent (including retriggers and releases)
    ignored_input: int  # input messages dropped as bad or out of place
    capture_armed: bool
    latency_ms: float
    generator_ok: bool
    realtime: bool = False  # the real-time thread got SCHED_FIFO
    follows_pulses: bool = False  # the clock wanders: notes wait for its pulses (see tempo)
    controls: Controls = field(default_factory=Controls)
    riff: RiffInfo | None = None  # the riff playing
    ducked: str | None = None  # the role muted while a capture into it is armed or recording
