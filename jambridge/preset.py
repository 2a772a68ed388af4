"""Presets: a style, tempo, key and per-track settings, stored as JSON.

Shipped presets live in ``presets/`` (installed as ``jambridge.presets``); the user's own go to
the platform config folder (see :func:`user_preset_dir`). A preset is found by name (user's
first, then shipped) or by path. Every field is validated, and an error names the file and the
field: ``acid.json: tracks.bass.density must be in range 0..1, got 3``.

JSON shape (channels are 1-based like a DAW shows them; everything but ``name`` is optional)::

    {"name": "Acid", "style": "acid", "bpm": 132, "key": "A minor", "scale_lock": true,
     "temperature": 1.0, "top_p": 0.95, "top_k": 0, "description": "...",
     "drumify_four_on_the_floor": false,
     "tracks": {"bass": {"enabled": true, "program": 38, "channel": 2, "density": 0.7,
                         "temperature": 0.9, "groove": 1.0, "swing": 0.58}, ...}}

A track's ``swing`` (0.5 straight .. 0.667 triplet .. 0.75) is where its off-beat 16ths sit
inside their 8th (:mod:`jambridge.groove`).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from importlib import resources
from pathlib import Path

from jambridge import safe_json
from jambridge.errors import JamBridgeError, PresetError
from jambridge.files import read_capped
from jambridge.groove import GROOVE_RANGE, SWING_RANGE, TrackGroove
from jambridge.music import ROLES, STYLES, Key
from jambridge.roles import ROLE_SPECS
from jambridge.user_dirs import presets_dir

# a preset is < 2 kB; the cap leaves room for a long description
PRESET_LIMITS = safe_json.JsonLimits(max_bytes=256_000)
# density 0..1 -> the tokenizer's per-role density level (notes-per-bar buckets); roles differ
# in how busy "busy" is: a busy drum bar has ~30 hits, a busy chord part ~12 notes.
DENSITY_LEVELS: dict[str, tuple[int, int]] = {
    "drums": (3, 7),
    "bass": (2, 6),
    "chords": (1, 5),
    "lead": (2, 6),
}


@dataclass(frozen=True)
class TrackSettings:
    """How one role plays."""

    enabled: bool = True
    program: int = 0  # GM program 0..127 (drums: ignored)
    channel: int = 1  # MIDI channel 1..16 as a DAW shows it
    density: float = 0.5  # 0 sparse .. 1 busy
    temperature: float = 1.0  # sampling temperature 0..2 (0 = always the likeliest token)
    groove: float = 1.0  # micro-timing kept: 0 every onset on the grid .. 1 as the model plays
    swing: float = 0.5  # where the off-beat 16th sits in its 8th: 0.5 straight .. 0.667 triplet
    # Per-bar controls besides density (v2 models): "poly", "dur", "rep" -> bin (see
    # jambridge.tokenizer.config); a kind left out is "any", the model chooses.
    controls: dict[str, int] = field(default_factory=dict)

    @classmethod
    def default(cls, role: str) -> TrackSettings:
        """The role's default program and channel (ROLE_SPECS), other fields at defaults."""
        spec = ROLE_SPECS[role]
        return cls(program=spec.program, channel=spec.channel + 1)

    def density_level(self, role: str) -> int:
        """The tokenizer density level this track's 0..1 density maps to for ``role``."""
        low, high = DENSITY_LEVELS[role]
        return low + round(self.density * (high - low))


@dataclass(frozen=True)
class Preset:
    """A complete set of generation settings."""

    name: str
    style: str = "techno"  # one of STYLES: the model's style conditioning
    bpm: float = 130.0  # 40..300
    key: Key = field(default_factory=lambda: Key(9, "minor"))  # key of the pitched tracks
    scale_lock: bool = True  # mask out-of-scale pitches while sampling
    temperature: float = 1.0  # multiplies every track's temperature, 0..2
    top_p: float = 0.95  # nucleus sampling, 0 < top_p <= 1
    top_k: int = 0  # 0 = off
    description: str = ""
    drumify_four_on_the_floor: bool = False  # drumify keeps a kick on every beat as well
    tracks: dict[str, TrackSettings] = field(
        default_factory=lambda: {r: TrackSettings.default(r) for r in ROLES}
    )

    @property
    def enabled_roles(self) -> tuple[str, ...]:
        """The roles switched on, in canonical order."""
        return tuple(r for r in ROLES if self.tracks[r].enabled)

    def track_temperature(self, role: str) -> float:
        """The sampling temperature of ``role``: the preset's factor times the track's."""
        return self.temperature * self.tracks[role].temperature

    def grooves(self) -> dict[str, TrackGroove]:
        """role -> the groove amount and swing its track is played with."""
        return {r: TrackGroove(t.groove, t.swing) for r, t in self.tracks.items()}

    def with_track(self, role: str, **changes) -> Preset:
        """This preset with ``changes`` (TrackSettings fields) applied to ``role``'s track."""
        tracks = dict(self.tracks)
        tracks[role] = replace(tracks[role], **changes)
        return replace(self, tracks=tracks)

    def to_dict(self) -> dict:
        """The JSON shape of the module docstring (what :func:`save_preset` writes)."""
        d = asdict(self)
        d["key"] = self.key.name
        return d


_TRACK_RULES = {  # field -> (type, low, high)
    "enabled": (bool, None, None),
    "program": (int, 0, 127),
    "channel": (int, 1, 16),
    "density": (float, 0.0, 1.0),
    "temperature": (float, 0.0, 2.0),
    "groove": (float, *GROOVE_RANGE),
    "swing": (float, *SWING_RANGE),
    "controls": (dict, None, None),
}
_PRESET_RULES = {
    "name": (str, None, None),
    "style": (str, None, None),
    "bpm": (float, 40.0, 300.0),
    "key": (str, None, None),
    "scale_lock": (bool, None, None),
    "temperature": (float, 0.0, 2.0),
    "top_p": (float, 0.01, 1.0),
    "top_k": (int, 0, 1000),
    "description": (str, None, None),
    "drumify_four_on_the_floor": (bool, None, None),
    "tracks": (dict, None, None),
}


def _check(where: str, name: str, value, rule):
    """``value`` checked against ``rule`` (type, low, high); ints pass as floats. PresetError
    says ``where: name must ...`` (just ``name must ...`` when ``where`` is empty)."""
    kind, low, high = rule
    where = f"{where}: " if where else ""
    ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        article = "an" if kind is int else "a"
        raise PresetError(f"{where}{name} must be {article} {kind.__name__}, got {value!r:.80}")
    if kind is str and not all(c.isprintable() or (name == "description" and c in "\n\t")
                               for c in value):  # fmt: skip
        raise PresetError(f"{where}{name} must be one line of printable text, got {value!r:.80}")
    if low is not None and not low <= value <= high:
        raise PresetError(f"{where}{name} must be in range {low}..{high}, got {value!r}")
    return value


def preset_from_dict(data: dict, where: str = "preset") -> Preset:
    """Validate and build a Preset; PresetError names the first bad field."""
    if not isinstance(data, dict):
        raise PresetError(f"{where}: must be a JSON object")
    unknown = set(data) - set(_PRESET_RULES)
    if unknown:
        raise PresetError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    if "name" not in data:
        raise PresetError(f"{where}: name is missing")
    values = {k: _check(where, k, v, _PRESET_RULES[k]) for k, v in data.items()}
    if not values["name"].strip():
        raise PresetError(f"{where}: name must not be empty")
    if values.get("style", "techno") not in STYLES:
        raise PresetError(
            f"{where}: style must be one of {', '.join(STYLES)}, got {values['style']!r}"
        )
    if "key" in values:
        try:
            values["key"] = Key.parse(values["key"])
        except JamBridgeError as err:
            raise PresetError(f"{where}: key: {err}") from None
    tracks = {r: TrackSettings.default(r) for r in ROLES}
    for role, t in values.pop("tracks", {}).items():
        if role not in ROLES:
            raise PresetError(f"{where}: tracks.{role} is not a role ({', '.join(ROLES)})")
        if not isinstance(t, dict):
            raise PresetError(f"{where}: tracks.{role} must be an object")
        for k, v in t.items():
            if k not in _TRACK_RULES:
                raise PresetError(f"{where}: unknown field tracks.{role}.{k}")
            t = {**t, k: _check(where, f"tracks.{role}.{k}", v, _TRACK_RULES[k])}
        if "controls" in t:
            t["controls"] = check_controls(t["controls"], f"{where}: tracks.{role}.controls")
        tracks[role] = replace(tracks[role], **t)
    if not any(t.enabled for t in tracks.values()):
        raise PresetError(f"{where}: tracks: at least one track must be enabled")
    return Preset(tracks=tracks, **values)


def check_controls(controls: dict, where: str) -> dict[str, int]:
    """Per-track controls checked: kinds poly, dur, rep (density has its own slider), each an
    integer bin in the tokenizer's range. PresetError names the first bad one."""
    from jambridge.tokenizer import TokenizerConfig

    config = TokenizerConfig()
    out = {}
    for kind, value in controls.items():
        if kind not in SETTABLE_CONTROLS:
            raise PresetError(
                f"{where}: {kind!r} is not a control ({', '.join(SETTABLE_CONTROLS)})"
            )
        top = config.control_bins(kind) - 1
        out[kind] = _check(where, kind, value, (int, 0, top))
    return out


SETTABLE_CONTROLS = ("poly", "dur", "rep")


def with_overrides(
    preset: Preset,
    bpm: float | None = None,
    temperature: float | None = None,
    key: str | Key | None = None,
    controls: dict[str, dict[str, int]] | None = None,
    groove: dict[str, float] | None = None,
    swing: dict[str, float] | None = None,
) -> Preset:
    """``preset`` with command-line overrides, checked by the preset's own rules: ``bpm``,
    ``temperature`` (every track's, the preset-wide factor reset to 1), ``key`` (a Key or
    text for :meth:`Key.parse`), ``controls`` (role -> {kind: bin}), ``groove`` (role ->
    0..1) and ``swing`` (role -> 0.5..0.75). None leaves a setting as it is.

    Raises:
        PresetError: a value out of range (the message names the option and the range).
        DataError: a key that cannot be parsed.
    """
    if bpm is not None:
        preset = replace(preset, bpm=_check("", "--bpm", bpm, _PRESET_RULES["bpm"]))
    if temperature is not None:
        t = _check("", "--temperature", temperature, _TRACK_RULES["temperature"])
        tracks = {r: replace(s, temperature=t) for r, s in preset.tracks.items()}
        preset = replace(preset, temperature=1.0, tracks=tracks)
    if key is not None:
        preset = replace(preset, key=key if isinstance(key, Key) else Key.parse(key))
    for role, wanted in (controls or {}).items():
        merged = {**preset.tracks[role].controls, **check_controls(wanted, f"--control {role}")}
        preset = preset.with_track(role, controls=merged)
    for role, amount in (groove or {}).items():
        preset = preset.with_track(role, groove=_check("", "--groove", amount,
                                                       _TRACK_RULES["groove"]))  # fmt: skip
    for role, ratio in (swing or {}).items():
        preset = preset.with_track(role, swing=_check("", "--swing", ratio, _TRACK_RULES["swing"]))
    return preset


def user_preset_dir() -> Path:
    """Where the user's own presets live (created on save): see :mod:`jambridge.user_dirs`."""
    return presets_dir()


def _shipped() -> dict[str, resources.abc.Traversable]:
    files = resources.files("jambridge.presets")
    return {f.name[:-5]: f for f in files.iterdir() if f.name.endswith(".json")}


def list_presets() -> list[str]:
    """Names of the shipped and user presets (user presets shadow shipped ones)."""
    names = set(_shipped())
    d = user_preset_dir()
    if d.is_dir():
        names |= {p.stem for p in d.glob("*.json")}
    return sorted(names)


def load_preset(name_or_path: str | os.PathLike) -> Preset:
    """A preset by name (user folder, then shipped) or by path to a JSON file.

    Text that ends in ``.json``, names a file or holds a path separator is a path.

    Raises:
        PresetError: no such preset, an unreadable file, or an invalid preset (the message
            names the file and the field).
    """
    text = str(name_or_path)
    path = Path(text)
    is_path = text.endswith(".json") or path.is_file() or any(c in text for c in "/\\")
    if not is_path:
        user = user_preset_dir() / f"{text}.json"
        if user.is_file():
            path = user
        elif text in _shipped():
            return _parse(_shipped()[text].read_text(), f"{text}.json")
        else:
            raise PresetError(f"no preset named {text!r}; known: {', '.join(list_presets())}")
    data = read_capped(path, PRESET_LIMITS.max_bytes, "a preset", PresetError)
    return _parse(data, path.name)


def _parse(text: str | bytes, where: str) -> Preset:
    data = safe_json.loads(text, where, PresetError, PRESET_LIMITS)
    return preset_from_dict(data, where)


def save_preset(preset: Preset, path: str | os.PathLike | None = None) -> Path:
    """Write ``preset`` as JSON (default: the user folder, file named after the preset)."""
    if path is None:
        slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in preset.name.lower())
        path = user_preset_dir() / f"{slug}.json"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = preset.to_dict()
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


assert {f.name for f in fields(TrackSettings)} == set(_TRACK_RULES)
assert {f.name for f in fields(Preset)} == set(_PRESET_RULES)
