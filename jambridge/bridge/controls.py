"""What the producer steers, as values: per-track controls, and the commands that change them.

:class:`Controls` is the whole steering state (preset plus a :class:`TrackControls` per role).
Commands are small frozen values queued to the real-time thread by the session, the CLI, the
app or the CC map; the thread applies them (steering at the next bar line). Ranges are checked
here, on construction, with messages that name the range. What goes into the real-time thread is
an :data:`Inbound`: a command, or a :class:`MidiIn` message; nothing else crosses into it.
Captures and the riff they start are steered by the commands of :mod:`~jambridge.bridge.riffs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple

from jambridge.bridge.timing.transport import BPM_RANGE
from jambridge.errors import JamBridgeError
from jambridge.groove import GROOVE_RANGE, SWING_RANGE, TrackGroove
from jambridge.music import ROLES
from jambridge.riff.settings import RiffSettings

TEMPERATURE_RANGE = (0.0, 2.0)  # sampling temperature a track may use (0: likeliest token)
DENSITY_RANGE = (0.0, 1.0)  # 0: sparse .. 1: busy (the source decides what that means)
# Bins of the per-bar controls a track may be held to: the tokenizer's (TokenizerConfig's
# control_bins; test_controls checks they agree, so this module need not import the tokenizer).
CONTROL_BINS: dict[str, int] = {"poly": 5, "dur": 5}
AUTO = -1  # SetTrack's poly/dur value that lets the model choose again (TrackControls: None)
CAPTURE_BARS_RANGE = (1, 8)  # bars an armed or retro capture takes
REFILL_BARS_RANGE = (1, 8)  # bars a refill draws afresh
# How a live capture plays unless told otherwise: kept (it loops exactly while the other tracks
# are generated around it), its onsets on the 16th grid (the player's and the driver's lateness
# is not part of the riff; quantize 0 keeps the timing as played).
LIVE_RIFF = RiffSettings(mode="keep", quantize=1.0)
LATENCY_RANGE_MS = (-500.0, 500.0)  # output latency offset
# What a track is generated with (a change needs a new bar); the rest is applied when played.
GENERATION_FIELDS = ("temperature", "density", "poly", "dur", "groove", "swing")


def _in_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise JamBridgeError(f"{name} must be in range {low}..{high}, got {value!r}")


def _check_bin(kind: str, value: int | None, auto: bool = False) -> None:
    """Raise unless ``value`` is None, one of ``kind``'s bins, or (``auto``) AUTO."""
    if value is None or (auto and value == AUTO):
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise JamBridgeError(f"{kind} must be a bin number, got {value!r}")
    _in_range(f"{kind} bin", value, 0, CONTROL_BINS[kind] - 1)


def check_role(role: str) -> None:
    """Raise unless ``role`` is one of ROLES."""
    if role not in ROLES:
        raise JamBridgeError(f"role must be one of {', '.join(ROLES)}, got {role!r}")


def check_channels(channels: Mapping[str, int]) -> None:
    """Raise unless each role has its own MIDI channel (0-based, 0..15): a DAW track listens
    to one channel, and two roles on one would play into the same track."""
    seen: dict[int, str] = {}
    for role in ROLES:
        if role not in channels:
            continue
        channel = channels[role]
        _in_range(f"{role} channel", channel + 1, 1, 16)
        if channel in seen:
            raise JamBridgeError(
                f"{seen[channel]} and {role} are both on MIDI channel {channel + 1}: give each "
                "role its own channel (each DAW track listens to one)"
            )
        seen[channel] = role


@dataclass(frozen=True, slots=True)
class TrackControls:
    """How one role's track is generated and played."""

    role: str  # one of ROLES
    temperature: float = 1.0  # sampling temperature; lower is safer, higher is wilder
    density: float = 0.5  # wanted busyness 0..1
    mute: bool = False  # generated but not played
    solo: bool = False  # when any track is soloed, only soloed tracks play
    lock: bool = False  # loop the bar playing when the lock took effect
    poly: int | None = None  # most notes sounding at once: a control bin; None: the model's
    dur: int | None = None  # median note length: a control bin (pitched roles); None: the model's
    groove: float = 1.0  # micro-timing kept, 0 on the grid .. 1 as the model plays
    swing: float = 0.5  # where the off-beat 16th sits in its 8th: 0.5 straight .. 0.667 triplet

    def __post_init__(self) -> None:
        check_role(self.role)
        _in_range("temperature", self.temperature, *TEMPERATURE_RANGE)
        _in_range("density", self.density, *DENSITY_RANGE)
        _in_range("groove", self.groove, *GROOVE_RANGE)
        _in_range("swing", self.swing, *SWING_RANGE)
        _check_bin("poly", self.poly)
        _check_bin("dur", self.dur)


@dataclass(frozen=True, slots=True)
class Controls:
    """The whole steering state: a preset and a TrackControls per role (in ROLES order)."""

    preset: str = "techno"  # preset name the bar source understands
    tracks: tuple[TrackControls, ...] = tuple(TrackControls(r) for r in ROLES)

    def __post_init__(self) -> None:
        if tuple(t.role for t in self.tracks) != ROLES:
            raise JamBridgeError(f"controls need one track per role in order {ROLES}")

    def track(self, role: str) -> TrackControls:
        check_role(role)
        return self.tracks[ROLES.index(role)]

    def with_track(self, role: str, **changes) -> Controls:
        """These controls with ``changes`` applied to ``role``'s TrackControls."""
        i = ROLES.index(self.track(role).role)
        new = replace(self.tracks[i], **changes)
        return replace(self, tracks=self.tracks[:i] + (new,) + self.tracks[i + 1 :])

    def grooves(self) -> dict[str, TrackGroove]:
        """role -> the groove amount and swing its track is played with."""
        return {t.role: TrackGroove(t.groove, t.swing) for t in self.tracks}

    def audible(self, role: str) -> bool:
        """Whether ``role`` is heard: not muted, and soloed if anything is."""
        t = self.track(role)
        if any(x.solo for x in self.tracks):
            return t.solo
        return not t.mute


# -- commands (to the real-time thread) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetTrack:
    """Change some of one track's controls (None: leave as is; poly/dur :data:`AUTO`: back to
    the model's choice)."""

    role: str
    temperature: float | None = None
    density: float | None = None
    mute: bool | None = None
    solo: bool | None = None
    lock: bool | None = None
    toggle: bool = False  # flip mute/solo/lock given as True instead of setting them
    poly: int | None = None  # a control bin, or AUTO
    dur: int | None = None  # a control bin, or AUTO
    groove: float | None = None
    swing: float | None = None

    def __post_init__(self) -> None:
        check_role(self.role)
        if self.temperature is not None:
            _in_range("temperature", self.temperature, *TEMPERATURE_RANGE)
        if self.density is not None:
            _in_range("density", self.density, *DENSITY_RANGE)
        if self.groove is not None:
            _in_range("groove", self.groove, *GROOVE_RANGE)
        if self.swing is not None:
            _in_range("swing", self.swing, *SWING_RANGE)
        _check_bin("poly", self.poly, auto=True)
        _check_bin("dur", self.dur, auto=True)

    def apply(self, controls: Controls) -> Controls:
        current = controls.track(self.role)
        changes: dict[str, object] = {}
        for name in (*_SETTABLE, "poly", "dur"):
            value = getattr(self, name)
            if value is None:
                continue
            if self.toggle and name in ("mute", "solo", "lock") and value:
                value = not getattr(current, name)
            changes[name] = None if value == AUTO and name in CONTROL_BINS else value
        return controls.with_track(self.role, **changes)


_SETTABLE = ("temperature", "density", "groove", "swing", "mute", "solo", "lock")


@dataclass(frozen=True, slots=True)
class SetPreset:
    """Switch the preset (regenerates from the next bar line). ``tracks`` carry the new
    preset's generation side per role (:data:`GENERATION_FIELDS`); mute, solo and lock stay as
    the producer set them."""

    name: str
    tracks: tuple[TrackControls, ...] = ()  # the preset's values; (): keep the current ones

    def __post_init__(self) -> None:
        if not isinstance(self.tracks, tuple) or not all(
            isinstance(t, TrackControls) for t in self.tracks
        ):
            raise JamBridgeError("SetPreset.tracks must be a tuple of TrackControls")

    def apply(self, controls: Controls) -> Controls:
        switched = replace(controls, preset=self.name)
        for t in self.tracks:
            switched = switched.with_track(
                t.role, **{name: getattr(t, name) for name in GENERATION_FIELDS}
            )
        return switched


@dataclass(frozen=True, slots=True)
class Regenerate:
    """Draw ``role``'s track afresh from the next bar line."""

    role: str

    def __post_init__(self) -> None:
        check_role(self.role)


@dataclass(frozen=True, slots=True)
class Refill:
    """Draw the next ``bars`` bars of ``role`` afresh from the next bar line (a riff's role:
    from the bar after it, the bars written to lead back into the riff); then its riff or lock
    (if any) plays on as before."""

    role: str
    bars: int = 2

    def __post_init__(self) -> None:
        check_role(self.role)
        _in_range("refill bars", self.bars, *REFILL_BARS_RANGE)


@dataclass(frozen=True, slots=True)
class ArmCapture:
    """Record the next ``bars`` bars from the next bar line into ``role``; the riff then plays
    as ``riff`` says from the bar line the capture ends on. With ``duck``, JamBridge's own
    ``role`` is silent from now until then (the player hears themself)."""

    bars: int = 2
    role: str = "bass"
    channel: int | None = None  # 0-based input channel; None: all channels
    riff: RiffSettings = LIVE_RIFF  # how the captured riff plays (mode, input quantize ...)
    duck: bool = True  # mute JamBridge's own part in ``role`` while armed and recording

    def __post_init__(self) -> None:
        _check_capture(self.bars, self.role, self.channel, self.riff)


@dataclass(frozen=True, slots=True)
class RetroCapture:
    """Take the last ``bars`` bars heard on the input into ``role``; the riff plays as
    ``riff`` says from the next bar line."""

    bars: int = 2
    role: str = "bass"
    channel: int | None = None  # 0-based input channel; None: all channels
    riff: RiffSettings = LIVE_RIFF  # how the captured riff plays

    def __post_init__(self) -> None:
        _check_capture(self.bars, self.role, self.channel, self.riff)


def _check_capture(bars: int, role: str, channel: int | None, riff: RiffSettings) -> None:
    _in_range("capture bars", bars, *CAPTURE_BARS_RANGE)
    check_role(role)
    if channel is not None:
        _in_range("capture channel (0-based)", channel, 0, 15)
    if not isinstance(riff, RiffSettings):
        raise JamBridgeError(f"riff must be RiffSettings, got {type(riff).__name__}")
    check_riff(riff, role)


def check_riff(riff: RiffSettings, role: str) -> None:
    """Raise unless a riff in ``role`` can play with ``riff`` (drumify needs a pitched riff)."""
    if riff.drumify and role == "drums":
        raise JamBridgeError(
            "drumify writes the drums from a bass, chords or lead riff; this riff is the drums"
        )


@dataclass(frozen=True, slots=True)
class SetRiff:
    """Change how the riff playing plays, from the next bar line (None: leave as is); its
    position in the loop is kept. Without a riff, nothing happens."""

    mode: str | None = None  # keep, develop or continue
    amount: float | None = None  # develop: the share of the riff's notes that change
    kind: str | None = None  # develop: rhythm, notes or free
    return_every: int | None = None  # develop: bars from one start of the riff to the next
    quantize: float | None = None  # the riff's onsets toward the 16th grid, 0..1
    drumify: bool | None = None  # drums written from the riff's accents

    def __post_init__(self) -> None:
        self.apply(LIVE_RIFF)  # validates (RiffSettings names the field and its range)

    def apply(self, settings: RiffSettings) -> RiffSettings:
        changes = {f: getattr(self, f) for f in _RIFF_FIELDS if getattr(self, f) is not None}
        return replace(settings, **changes)


_RIFF_FIELDS = ("mode", "amount", "kind", "return_every", "quantize", "drumify")


@dataclass(frozen=True, slots=True)
class DropRiff:
    """The riff stops from the next bar line: the model plays its role freely again."""


@dataclass(frozen=True, slots=True)
class SetLatency:
    """Send notes this many ms before their clock-ideal time (negative: later)."""

    ms: float

    def __post_init__(self) -> None:
        _in_range("latency offset (ms)", self.ms, *LATENCY_RANGE_MS)


@dataclass(frozen=True, slots=True)
class Panic:
    """Note-off for every sounding note, then All Notes Off (CC 123) on every channel."""


@dataclass(frozen=True, slots=True)
class PlayInternal:
    """Internal clock: play from bar ``from_bar`` on a bar line after the count-in (bar 1:
    Start; a later bar: Song Position Pointer, then Continue). Link: start the session."""

    from_bar: int = 1

    def __post_init__(self) -> None:
        if (
            not isinstance(self.from_bar, int)
            or isinstance(self.from_bar, bool)
            or not (1 <= self.from_bar <= 9999)
        ):
            raise JamBridgeError(f"from_bar must be a bar number 1..9999, got {self.from_bar!r}")


@dataclass(frozen=True, slots=True)
class StopInternal:
    """Internal clock: stop (sends Stop; notes end)."""


@dataclass(frozen=True, slots=True)
class SetBpm:
    """Internal clock: change the tempo from the next pulse."""

    bpm: float

    def __post_init__(self) -> None:
        _in_range("bpm", self.bpm, *BPM_RANGE)


PORTS = ("output", "input")


@dataclass(frozen=True, slots=True)
class PortLost:
    """A port went away (the session's watch noticed): a lost output is no longer sent to; a
    lost input ends every note on every channel, as :class:`Panic` does."""

    port: str  # one of PORTS

    def __post_init__(self) -> None:
        if self.port not in PORTS:
            raise JamBridgeError(f"port must be one of {', '.join(PORTS)}, got {self.port!r}")


Command = (
    SetTrack
    | SetPreset
    | Regenerate
    | Refill
    | ArmCapture
    | RetroCapture
    | SetRiff
    | DropRiff
    | SetLatency
    | Panic
    | PlayInternal
    | StopInternal
    | SetBpm
    | PortLost
)


class MidiIn(NamedTuple):
    """A MIDI message that arrived at ``t_s`` (on the scheduler's clock), posted rather than
    polled from a port (tests and tools)."""

    t_s: float
    msg: list[int]  # the message's bytes


Inbound = Command | MidiIn  # what the real-time thread's inbox takes
