"""MIDI CC map: a hardware controller drives capture, the riff, regenerate, refill and the tracks.

A table from controller number to action; :meth:`CcMap.translate` turns one Control Change on
the input port into a command for the real-time thread (or nothing). Buttons act on the press
(the value crossing from below 64 to 64 or more), so a controller that sends 127 on press and 0
on release triggers once. Knobs map 0..127 linearly onto the control's range.

Default map (controller numbers from MIDI's undefined ranges 20-31 and 102-119, so they do not
fight a keyboard's mod wheel, sustain or filter knobs):

======= ====================================================== =============================
CC      action                                                 kind
======= ====================================================== =============================
20      arm capture (``capture_bars`` bars)                    button
21      retro capture (last ``capture_bars``)                  button
22-25   regenerate drums / bass / chords / lead                button
26-29   mute drums / bass / chords / lead                      button (toggles)
85-88   groove drums / bass / chords / lead                    knob 0 (grid) .. 1
89, 90  refill drums, bass (the next ``refill_bars`` afresh)   button
102-105 temperature drums / bass / chords / lead               knob 0..2
106-109 density drums / bass / chords / lead                   knob 0..1
110-113 polyphony drums / bass / chords / lead                 knob: auto, then each bin
114-117 duration drums / bass / chords / lead                  knob: auto, then each bin
118,119 refill chords, lead                                    button
======= ====================================================== =============================

Captures go to ``capture_role`` from ``capture_channel`` (None: all channels) and play in
``capture_mode`` (keep, develop or continue), their onsets ``capture_quantize`` of the way to
the 16th grid, the role ducked while an armed one runs unless ``capture_duck`` is false. The
map is JSON::

    {"channel": null, "capture_bars": 2, "capture_role": "bass", "capture_channel": null,
     "capture_mode": "keep", "capture_quantize": 1.0, "capture_duck": true, "refill_bars": 2,
     "controls": {"20": "arm_capture", "21": "retro_capture", "22": "regenerate:drums",
                  "26": "mute:drums", "102": "temperature:drums", "106": "density:bass"}}

``channel`` (1..16, or null for any) is the controller's channel; action names are
``arm_capture``, ``retro_capture``, ``regenerate:ROLE``, ``refill:ROLE``, ``mute:ROLE``,
``solo:ROLE``, ``lock:ROLE``, ``temperature:ROLE``, ``density:ROLE``, ``poly:ROLE``,
``dur:ROLE``, ``groove:ROLE``, ``swing:ROLE`` (a knob from 0.5, straight, to 0.75; the
default map has no controller for it, the undefined ranges being taken: give it one), and for
the riff playing ``riff_mode`` (a knob in three zones: keep, develop, continue) and
``riff_amount`` (develop's amount, 0..1).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jambridge import safe_json
from jambridge.bridge.controls import (
    AUTO,
    CONTROL_BINS,
    DENSITY_RANGE,
    LIVE_RIFF,
    TEMPERATURE_RANGE,
    ArmCapture,
    Command,
    Refill,
    Regenerate,
    RetroCapture,
    SetRiff,
    SetTrack,
    check_role,
)
from jambridge.errors import JamBridgeError
from jambridge.groove import GROOVE_RANGE, SWING_RANGE
from jambridge.music import ROLES
from jambridge.riff.settings import MODES, RiffSettings

PRESS = 64  # a button value at or above this is "down"
CC_MAP_LIMITS = safe_json.JsonLimits(max_bytes=64_000)  # a full map of 120 controls is ~4 kB


@dataclass(frozen=True, slots=True)
class Action:
    """What one action name does: a button (fires on press) or a knob (fires on every value)."""

    button: bool
    make: Callable[[str, float, CcMap], Command]  # (role or "", value 0..127, map) -> command


def _scale(value: float, low: float, high: float) -> float:
    return low + (high - low) * value / 127.0


def _zone(value: float, zones: int) -> int:
    """Which of ``zones`` equal parts of 0..127 ``value`` falls in."""
    return min(int(value) * zones // 128, zones - 1)


def _bin(kind: str, value: float) -> int:
    """A control knob: its first zone is AUTO, then each of ``kind``'s bins."""
    zone = _zone(value, CONTROL_BINS[kind] + 1)
    return AUTO if zone == 0 else zone - 1


ACTIONS: dict[str, Action] = {
    "arm_capture": Action(
        True,
        lambda r, v, m: ArmCapture(
            m.capture_bars, m.capture_role, m.capture_channel, m.riff, m.capture_duck
        ),
    ),
    "retro_capture": Action(
        True,
        lambda r, v, m: RetroCapture(m.capture_bars, m.capture_role, m.capture_channel, m.riff),
    ),
    "regenerate": Action(True, lambda r, v, m: Regenerate(r)),
    "refill": Action(True, lambda r, v, m: Refill(r, m.refill_bars)),
    "mute": Action(True, lambda r, v, m: SetTrack(r, mute=True, toggle=True)),
    "solo": Action(True, lambda r, v, m: SetTrack(r, solo=True, toggle=True)),
    "lock": Action(True, lambda r, v, m: SetTrack(r, lock=True, toggle=True)),
    "temperature": Action(
        False, lambda r, v, m: SetTrack(r, temperature=round(_scale(v, *TEMPERATURE_RANGE), 3))
    ),
    "density": Action(
        False, lambda r, v, m: SetTrack(r, density=round(_scale(v, *DENSITY_RANGE), 3))
    ),
    "groove": Action(False, lambda r, v, m: SetTrack(r, groove=round(_scale(v, *GROOVE_RANGE), 3))),
    "swing": Action(False, lambda r, v, m: SetTrack(r, swing=round(_scale(v, *SWING_RANGE), 3))),
    "poly": Action(False, lambda r, v, m: SetTrack(r, poly=_bin("poly", v))),
    "dur": Action(False, lambda r, v, m: SetTrack(r, dur=_bin("dur", v))),
    "riff_mode": Action(False, lambda r, v, m: SetRiff(mode=MODES[_zone(v, len(MODES))])),
    "riff_amount": Action(False, lambda r, v, m: SetRiff(amount=round(v / 127, 3))),
}
ROLE_ACTIONS = frozenset(
    {"regenerate", "refill", "mute", "solo", "lock", "temperature", "density", "groove", "swing",
     "poly", "dur"}
)  # fmt: skip
REFILL_CCS = (89, 90, 118, 119)  # refill drums, bass, chords, lead (see the table above)


def _defaults() -> dict[int, str]:
    table = {20: "arm_capture", 21: "retro_capture"}
    for i, role in enumerate(ROLES):
        table[22 + i] = f"regenerate:{role}"
        table[26 + i] = f"mute:{role}"
        table[85 + i] = f"groove:{role}"
        table[REFILL_CCS[i]] = f"refill:{role}"
        table[102 + i] = f"temperature:{role}"
        table[106 + i] = f"density:{role}"
        table[110 + i] = f"poly:{role}"
        table[114 + i] = f"dur:{role}"
    return table


DEFAULT_CONTROLS: dict[int, str] = _defaults()


def parse_action(name: str) -> tuple[str, str | None]:
    """``"mute:bass"`` -> ``("mute", "bass")``; raises JamBridgeError naming the choices."""
    base, _, role = name.partition(":")
    if base not in ACTIONS:
        raise JamBridgeError(f"CC action must be one of {', '.join(ACTIONS)}, got {name!r}")
    if base in ROLE_ACTIONS:
        if not role:
            raise JamBridgeError(f"CC action {base!r} needs a role, like '{base}:bass'")
        check_role(role)
        return base, role
    if role:
        raise JamBridgeError(f"CC action {base!r} takes no role, got {name!r}")
    return base, None


@dataclass(frozen=True)
class CcMap:
    """Controller number -> action, and the settings captures use."""

    controls: dict[int, str] = field(default_factory=lambda: dict(DEFAULT_CONTROLS))  # CC->action
    channel: int | None = None  # 0-based controller channel; None: any channel
    capture_bars: int = 2  # bars a capture button takes
    capture_role: str = "bass"  # role a captured riff is given
    capture_channel: int | None = None  # 0-based input channel captured; None: all
    capture_mode: str = LIVE_RIFF.mode  # how a captured riff plays: keep, develop or continue
    capture_quantize: float = LIVE_RIFF.quantize  # its onsets toward the 16th grid, 0..1
    capture_duck: bool = True  # an armed capture's role is silent while it runs
    refill_bars: int = 2  # bars a refill button draws afresh

    @property
    def riff(self) -> RiffSettings:
        """How a riff captured from the controller plays."""
        return RiffSettings(mode=self.capture_mode, quantize=self.capture_quantize)

    def __post_init__(self) -> None:
        for cc, name in self.controls.items():
            if not 0 <= cc <= 119:
                raise JamBridgeError(f"CC number must be in range 0..119, got {cc}")
            parse_action(name)
        for what, ch in (("channel", self.channel), ("capture_channel", self.capture_channel)):
            if ch is not None and not 0 <= ch <= 15:
                raise JamBridgeError(f"{what} must be in range 1..16, got {ch + 1}")
        ArmCapture(self.capture_bars, self.capture_role, self.capture_channel, self.riff)
        Refill(self.capture_role, self.refill_bars)  # validates
        parsed = {cc: parse_action(name) for cc, name in self.controls.items()}
        object.__setattr__(self, "_parsed", parsed)

    def translate(self, channel: int, cc: int, value: int, previous: int | None) -> Command | None:
        """The command a Control Change makes, or None. ``previous`` is the last value seen
        on this controller (None: first), to detect button presses."""
        if self.channel is not None and channel != self.channel:
            return None
        parsed = self._parsed.get(cc)  # type: ignore[attr-defined]
        if parsed is None:
            return None
        base, role = parsed
        action = ACTIONS[base]
        if action.button and not (value >= PRESS and (previous is None or previous < PRESS)):
            return None
        return action.make(role or "", value, self)  # parse_action: role actions have one

    # -- JSON ------------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "channel": None if self.channel is None else self.channel + 1,
            "capture_bars": self.capture_bars,
            "capture_role": self.capture_role,
            "capture_channel": None if self.capture_channel is None else self.capture_channel + 1,
            "capture_mode": self.capture_mode,
            "capture_quantize": self.capture_quantize,
            "capture_duck": self.capture_duck,
            "refill_bars": self.refill_bars,
            "controls": {str(cc): name for cc, name in sorted(self.controls.items())},
        }

    @classmethod
    def from_dict(cls, data: dict, where: str = "CC map") -> CcMap:
        """Build from the JSON shape in the module docstring (channels 1-based). Types are
        strict: ``1.9`` or ``true`` where an integer belongs is an error, never truncated."""
        if not isinstance(data, dict):
            raise JamBridgeError(f"{where}: must be a JSON object")
        unknown = set(data) - set(_FIELDS)
        if unknown:
            raise JamBridgeError(
                f"{where}: unknown field(s) {', '.join(map(repr, sorted(unknown)))}"
            )
        try:
            for name, value in data.items():
                _FIELDS[name](name, value)
            controls = _controls(data.get("controls", DEFAULT_CONTROLS))
            return cls(
                controls=controls,
                channel=_channel(data.get("channel")),
                capture_bars=data.get("capture_bars", 2),
                capture_role=data.get("capture_role", "bass"),
                capture_channel=_channel(data.get("capture_channel")),
                capture_mode=data.get("capture_mode", LIVE_RIFF.mode),
                capture_quantize=float(data.get("capture_quantize", LIVE_RIFF.quantize)),
                capture_duck=data.get("capture_duck", True),
                refill_bars=data.get("refill_bars", 2),
            )
        except JamBridgeError as err:
            raise JamBridgeError(f"{where}: {err}") from None

    def save(self, path: str | os.PathLike[str]) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CcMap:
        """Read a CC map file (through :mod:`jambridge.safe_json`); errors name the file."""
        data = safe_json.load_file(path, "the CC map", JamBridgeError, CC_MAP_LIMITS)
        return cls.from_dict(data, where=str(path))


def _int(name: str, value, optional: bool = False) -> None:
    """JamBridgeError unless ``value`` is a JSON integer (a bool or a float is not)."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        also = " or null" if optional else ""
        raise JamBridgeError(f"{name} must be an integer{also}, got {value!r:.40}")


def _text(name: str, value) -> None:
    if not isinstance(value, str):
        raise JamBridgeError(f"{name} must be text, got {value!r:.40}")


def _number(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise JamBridgeError(f"{name} must be a number, got {value!r:.40}")


def _flag(name: str, value) -> None:
    if not isinstance(value, bool):
        raise JamBridgeError(f"{name} must be true or false, got {value!r:.40}")


def _object(name: str, value) -> None:
    if not isinstance(value, dict):
        raise JamBridgeError(f'{name} must be an object of "CC number": "action"')


_FIELDS: dict[str, Callable[[str, object], None]] = {  # field -> its type check
    "channel": lambda n, v: _int(n, v, optional=True),
    "capture_bars": _int,
    "capture_role": _text,
    "capture_channel": lambda n, v: _int(n, v, optional=True),
    "capture_mode": _text,
    "capture_quantize": _number,
    "capture_duck": _flag,
    "refill_bars": _int,
    "controls": _object,
}


def _controls(table: dict) -> dict[int, str]:
    """``{"20": "arm_capture"}`` -> ``{20: "arm_capture"}``; keys are decimal CC numbers."""
    out = {}
    for key, name in table.items():
        if isinstance(key, str) and not (key.isascii() and key.isdigit() and len(key) <= 3):
            raise JamBridgeError(f"controls: {key!r:.40} is not a CC number 0..119")
        _text(f"controls.{key}", name)
        out[int(key)] = name
    return out


def _channel(value: int | None) -> int | None:
    if value is None:
        return None
    if not 1 <= value <= 16:
        raise JamBridgeError(f"channel must be in range 1..16, got {value}")
    return value - 1
