"""Immutable music values: notes, tracks, bars, songs and keys. Times are in beats (quarter notes).

A :class:`Song` holds whole-song tracks; :meth:`Song.bars` cuts it into :class:`Bar` values whose
note times are relative to the bar start, and :meth:`Song.from_bars` joins bars back. Bars are
what the tokenizer, the engine and the scheduler pass around.

Everything validates on construction and names the allowed range in its message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from jambridge.errors import DataError

BEATS_PER_BAR = 4  # 4/4 only: the genre lives there, and the clock follower counts bars of 4.
# Quantization grid: 16ths (3), 8th triplets (4), 16th triplets (2); divides the 24 PPQN clock.
GRID_PER_BEAT = 12
ROLES: tuple[str, ...] = ("drums", "bass", "chords", "lead")  # canonical order everywhere
# The style names, written here only. STYLES: what presets and the procedural generator play
# (jambridge.procedural.styles has one row of parameters for each); CORPUS_STYLES: what the data
# build calls real music (Groove, POP909, the rest). The tokenizer conditions on both.
STYLES: tuple[str, ...] = ("techno", "minimal", "acid", "dub", "peak", "house", "electro")
CORPUS_STYLES: tuple[str, ...] = ("groove", "pop", "other")

_NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
# Tonics as musicians write the key (fewest accidentals; F# major and Eb minor where the flat
# and sharp spellings tie at six): Bb major, not A# major; F# minor, not Gb minor.
_KEY_SPELLING = {
    "major": ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"),
    "minor": ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"),
}
_SCALES = {  # semitone offsets from the tonic
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "major": (0, 2, 4, 5, 7, 9, 11),
}


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not (low <= value <= high) or (isinstance(value, float) and math.isnan(value)):
        raise DataError(f"{name} must be in range {low}..{high}, got {value!r}")


@dataclass(frozen=True, slots=True)
class Note:
    """One note. ``start_beats`` is relative to the song (in a Song) or the bar (in a Bar)."""

    pitch: int  # MIDI note number 0..127 (for drums: the GM percussion key)
    start_beats: float  # >= 0
    duration_beats: float  # > 0
    velocity: int  # 1..127 (0 would be a note-off)

    def __post_init__(self) -> None:
        # Times are kept to 1e-9 beats so that grid times compare equal however they were
        # computed (26/12 + 4 == 74/12 after rounding; not before).
        object.__setattr__(self, "start_beats", round(float(self.start_beats), 9))
        object.__setattr__(self, "duration_beats", round(float(self.duration_beats), 9))
        _check_range("pitch", self.pitch, 0, 127)
        _check_range("velocity", self.velocity, 1, 127)
        _check_range("start_beats", self.start_beats, 0.0, 1e7)
        if not self.duration_beats > 0:
            raise DataError(f"duration_beats must be > 0, got {self.duration_beats!r}")

    @property
    def end_beats(self) -> float:
        """Where the note ends (start + duration), in beats."""
        return self.start_beats + self.duration_beats

    def shifted(self, delta_beats: float) -> Note:
        """This note moved by ``delta_beats`` (negative moves it earlier)."""
        return replace(self, start_beats=self.start_beats + delta_beats)


@dataclass(frozen=True, slots=True)
class Track:
    """The notes of one role, with how to play them (GM program, 0-based MIDI channel)."""

    role: str  # one of ROLES
    notes: tuple[Note, ...] = ()
    program: int = 0  # GM program 0..127 (ignored for drums)
    channel: int = 0  # 0..15; drums play on 9 (= channel 10)
    name: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise DataError(f"role must be one of {', '.join(ROLES)}, got {self.role!r}")
        _check_range("program", self.program, 0, 127)
        _check_range("channel", self.channel, 0, 15)
        if not isinstance(self.notes, tuple):
            object.__setattr__(self, "notes", tuple(self.notes))

    def with_notes(self, notes: Iterable[Note]) -> Track:
        """This track (role, program, channel, name) holding ``notes``, sorted by start."""
        return replace(self, notes=tuple(sorted(notes, key=_note_order)))


def _note_order(n: Note) -> tuple[float, int, float, int]:
    return (n.start_beats, n.pitch, n.duration_beats, n.velocity)


@dataclass(frozen=True, slots=True)
class Key:
    """A key: tonic pitch class 0..11 (0 = C) and mode (``minor`` or ``major``)."""

    tonic: int
    mode: str = "minor"

    def __post_init__(self) -> None:
        _check_range("tonic", self.tonic, 0, 11)
        if self.mode not in _SCALES:
            raise DataError(f"mode must be one of {', '.join(_SCALES)}, got {self.mode!r}")

    @property
    def pitch_classes(self) -> frozenset[int]:
        """The 7 pitch classes (0 = C) of the key's scale."""
        return frozenset((self.tonic + s) % 12 for s in _SCALES[self.mode])

    @property
    def name(self) -> str:
        """The key as musicians write it: ``"A minor"``, ``"Bb major"``, ``"F# minor"``,
        ``"Eb major"`` (:meth:`parse` reads it back)."""
        return f"{_KEY_SPELLING[self.mode][self.tonic]} {self.mode}"

    @property
    def token_name(self) -> str:
        """``"A# major"``: sharps only. The tokenizer's KEY token names (and so the vocabulary
        hash of every trained model) are built from it: never change it."""
        return f"{_NOTE_NAMES[self.tonic]} {self.mode}"

    @classmethod
    def parse(cls, text: str) -> Key:
        """Parse a key as producers write it: ``"A minor"``, ``"Am"``, ``"F# minor"``,
        ``"Bb major"``, ``"bbm"``, ``"C"`` (major), ``"E flat min"``, ``"A-minor"``.

        Raises:
            DataError: the text is not a note name A..G (with an optional sharp or flat)
                followed by an optional mode (m, min, minor, maj, major).
        """
        match = _KEY_RE.match(text.strip().lower().replace("♯", "#").replace("♭", "b"))
        if match is None:
            raise DataError(
                f"key must look like 'A minor', 'F# major', 'Bb minor' or 'Am', got {text!r}"
            )
        letter, accidental, mode = match.groups()
        shift = {"#": 1, "sharp": 1, "b": -1, "flat": -1}.get(accidental or "", 0)
        tonic = (_NOTE_NAMES.index(letter.upper()) + shift) % 12
        return cls(tonic, "major" if mode in (None, "maj", "major") else "minor")


# A note letter, an optional accidental, an optional mode (text already lower-cased).
_KEY_RE = re.compile(r"([a-g])\s*(#|b|sharp|flat)?[\s_-]*(m|min|minor|maj|major)?$")


class _RoleTracks:
    """What a bar and a song share: their tracks, at most one per role."""

    __slots__ = ()
    tracks: tuple[Track, ...]

    def _check_tracks(self, holder: str) -> None:
        """Keep ``tracks`` as a tuple; refuse a role twice (``holder``: "bar" or "song")."""
        if not isinstance(self.tracks, tuple):
            object.__setattr__(self, "tracks", tuple(self.tracks))
        roles = [t.role for t in self.tracks]
        if len(set(roles)) != len(roles):
            raise DataError(f"a {holder} holds each role at most once, got {roles}")

    def track(self, role: str) -> Track | None:
        """The track of ``role``, or None when there is none."""
        return next((t for t in self.tracks if t.role == role), None)

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles of the tracks, in track order."""
        return tuple(t.role for t in self.tracks)

    def note_count(self) -> int:
        """Notes over all tracks."""
        return sum(len(t.notes) for t in self.tracks)


@dataclass(frozen=True, slots=True)
class Bar(_RoleTracks):
    """One 4/4 bar: a track per role present, note times relative to the bar start (0..4 beats).

    A note may last past the bar end; the scheduler plays it out.
    """

    tracks: tuple[Track, ...] = ()

    def __post_init__(self) -> None:
        self._check_tracks("bar")
        for t in self.tracks:
            for n in t.notes:
                if n.start_beats >= BEATS_PER_BAR:
                    raise DataError(
                        f"note start in a bar must be in range 0..{BEATS_PER_BAR}, "
                        f"got {n.start_beats} ({t.role})"
                    )

    def replace_track(self, track: Track) -> Bar:
        """This bar with ``track`` put in place of (or added beside) the track of its role."""
        kept = [t for t in self.tracks if t.role != track.role]
        return Bar(tuple(sorted([*kept, track], key=lambda t: ROLES.index(t.role))))


@dataclass(frozen=True, slots=True)
class Song(_RoleTracks):
    """A multi-track piece in 4/4. Tracks hold whole-song note times (beats from the start)."""

    tracks: tuple[Track, ...] = ()
    tempo_bpm: float = 120.0  # tempo at the start
    tempo_changes: tuple[tuple[float, float], ...] = ()  # (beat, bpm) after the start, sorted
    key: Key | None = None
    style: str = "techno"
    name: str = ""
    length_bars: int = field(default=0)  # 0: derived from the last note

    def __post_init__(self) -> None:
        _check_range("tempo_bpm", self.tempo_bpm, 10.0, 1000.0)
        self._check_tracks("song")  # a role twice: bars() would fail later, far from the cause
        if self.length_bars < 0:
            raise DataError(f"length_bars must be >= 0, got {self.length_bars}")
        if self.length_bars == 0:
            end = max((n.end_beats for t in self.tracks for n in t.notes), default=0.0)
            last_start = max((n.start_beats for t in self.tracks for n in t.notes), default=-1.0)
            bars = max(math.ceil(end / BEATS_PER_BAR - 1e-9), int(last_start // BEATS_PER_BAR) + 1)
            object.__setattr__(self, "length_bars", max(bars, 0))

    def bars(self) -> list[Bar]:
        """Cut the song into bars; a note belongs to the bar it starts in."""
        per_bar: list[dict[str, list[Note]]] = [
            {t.role: [] for t in self.tracks} for _ in range(self.length_bars)
        ]
        for t in self.tracks:
            for n in t.notes:
                i = int(n.start_beats // BEATS_PER_BAR)
                per_bar[i][t.role].append(n.shifted(-i * BEATS_PER_BAR))
        return [Bar(tuple(t.with_notes(d[t.role]) for t in self.tracks)) for d in per_bar]

    @classmethod
    def from_bars(cls, bars: Iterable[Bar], **song_fields) -> Song:
        """Join bars into a song; track program/channel/name come from the first bar holding
        the role (or from ``song_fields['tracks']`` templates when given)."""
        bars = list(bars)
        templates = {t.role: t for t in song_fields.pop("tracks", ())}
        notes: dict[str, list[Note]] = {}
        for i, bar in enumerate(bars):
            for t in bar.tracks:
                templates.setdefault(t.role, t)
                notes.setdefault(t.role, []).extend(n.shifted(i * BEATS_PER_BAR) for n in t.notes)
        tracks = tuple(templates[r].with_notes(notes.get(r, ())) for r in ROLES if r in templates)
        return cls(tracks=tracks, length_bars=len(bars), **song_fields)


def grid_ticks(beats: float) -> int:
    """Beats -> the nearest tick on the quantization grid."""
    return int(round(beats * GRID_PER_BEAT))
