"""What the producer steers, as values: per-track controls, and the commands that change them.

:class:`Controls` is the whole steering state (preset plus a :class:`TrackControls` per role).
Commands are small frozen values queued to the real-time thread by the session, the CLI, the
app or the CC map; the thread applies them (steering at the next bar line). Ranges are checked
here, on construction, with messages that name the range. What goes into the real-time thread is
an :data:`Inbound`: a command, or a :class:`MidiIn` message; nothing else crosses into it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple

from jambridge.bridge.timing.transport import BPM_RANGE
from jambridge.errors import JamBridgeError
from jambridge.music import ROLES

TEMPERATURE_RANGE = (0.0, 2.0)  # sampling temperature a track may use (0: likeliest token)
DENSITY_RANGE = (0.0, 1.0)  # 0: sparse .. 1: busy (the source decides what that means)
CAPTURE_BARS_RANGE = (1, 8)  # bars an armed or retro capture takes
LATENCY_RANGE_MS = (-500.0, 500.0)  # output latency offset


def _in_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise JamBridgeError(f"{name} must be in range {low}..{high}, got {value!r}")


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

    def __post_init__(self) -> None:
        check_role(self.role)
        _in_range("temperature", self.temperature, *TEMPERATURE_RANGE)
        _in_range("density", self.density, *DENSITY_RANGE)


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

    def audible(self, role: str) -> bool:
        """Whether ``role`` is heard: not muted, and soloed if anything is."""
        t = self.track(role)
        if any(x.solo for x in self.tracks):
            return t.solo
        return not t.mute


# -- commands (to the real-time thread) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetTrack:
    """Change some of one track's controls (None: leave as is)."""

    role: str
    temperature: float | None = None
    density: float | None = None
    mute: bool | None = None
    solo: bool | None = None
    lock: bool | None = None
    toggle: bool = False  # flip mute/solo/lock given as True instead of setting them

    def __post_init__(self) -> None:
        check_role(self.role)
        if self.temperature is not None:
            _in_range("temperature", self.temperature, *TEMPERATURE_RANGE)
        if self.density is not None:
            _in_range("density", self.density, *DENSITY_RANGE)

    def apply(self, controls: Controls) -> Controls:
        current = controls.track(self.role)
        changes = {}
        for name in ("temperature", "density", "mute", "solo", "lock"):
            value = getattr(self, name)
            if value is None:
                continue
            if self.toggle and name in ("mute", "solo", "lock") and value:
                value = not getattr(current, name)
            changes[name] = value
        return controls.with_track(self.role, **changes)


@dataclass(frozen=True, slots=True)
class SetPreset:
    """Switch the preset (regenerates from the next bar line). ``tracks`` carry the new
    preset's temperature and density per role; mute, solo and lock stay as the producer set
    them."""

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
            switched = switched.with_track(t.role, temperature=t.temperature, density=t.density)
        return switched


@dataclass(frozen=True, slots=True)
class Regenerate:
    """Draw ``role``'s track afresh from the next bar line."""

    role: str

    def __post_init__(self) -> None:
        check_role(self.role)


@dataclass(frozen=True, slots=True)
class ArmCapture:
    """Record the next ``bars`` bars from the next bar line into ``role``."""

    bars: int = 2
    role: str = "bass"
    channel: int | None = None  # 0-based input channel; None: all channels

    def __post_init__(self) -> None:
        _check_capture(self.bars, self.role, self.channel)


@dataclass(frozen=True, slots=True)
class RetroCapture:
    """Take the last ``bars`` bars heard on the input into ``role``."""

    bars: int = 2
    role: str = "bass"
    channel: int | None = None  # 0-based input channel; None: all channels

    def __post_init__(self) -> None:
        _check_capture(self.bars, self.role, self.channel)


def _check_capture(bars: int, role: str, channel: int | None) -> None:
    _in_range("capture bars", bars, *CAPTURE_BARS_RANGE)
    check_role(role)
    if channel is not None:
        _in_range("capture channel (0-based)", channel, 0, 15)


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
        if not isinstance(self.from_bar, int) or isinstance(self.from_bar, bool) or not (
            1 <= self.from_bar <= 9999
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
    | ArmCapture
    | RetroCapture
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
