"""POP909's annotations -> a song's harmony and bass line, in bars, for re-styling.

A song folder ``NNN/`` holds ``NNN.mid`` (MELODY, BRIDGE, PIANO tracks), ``chord_midi.txt``
(per line: start and end in seconds, then a chord label), ``beat_midi.txt`` (per line: a beat's
time in seconds and two flags, the second 1 on a 4/4 downbeat) and ``key_audio.txt`` (start,
end, key such as ``Gb:maj``). Chord labels are Harte-style: a root (``A``..``G`` with ``#`` or
``b``), ``:``, a quality of :data:`~jambridge.procedural.chord.QUALITIES`, and an optional bass
degree after a slash (``3``, ``b3``, ``5``, ``b7``, ``7``); ``N`` is no chord.

Seconds become beats through the beat annotations, beat 0 on the first downbeat, so bars start
where the song's own bars do. The bass line is the piano's lowest voice (as
:func:`~jambridge.roles.split_lowest_voice` finds it when the MIDI file is read) or the chord
roots (with a slash chord's bass note).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

from jambridge.errors import DataError
from jambridge.music import BEATS_PER_BAR, Key, Note, Song
from jambridge.procedural.chord import QUALITIES, chord_from_intervals
from jambridge.procedural.given import GivenHarmony, TimedChord, from_timed

NOTE_NAMES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
BASS_DEGREES = {"1": 0, "b2": 1, "2": 2, "b3": 3, "3": 4, "4": 5, "b5": 6, "5": 7, "#5": 8,
                "b6": 8, "6": 9, "b7": 10, "7": 11}  # fmt: skip
BASS_MODES = ("line", "roots")  # the piano's lowest voice, or the chord roots


@dataclass(frozen=True, slots=True)
class ChordLine:
    """One line of a chord file: a chord (None for ``N``) from ``start`` to ``end`` seconds."""

    start: float
    end: float
    root: int | None  # pitch class; None: no chord
    intervals: tuple[int, ...]  # semitones above the root
    bass: int | None  # the slash bass note's pitch class, None when the root is the bass


def parse_pitch_class(name: str) -> int:
    """``C``, ``C#``, ``Db``, ``Cb``... -> 0..11.

    Raises:
        DataError: not a note letter with optional sharps or flats.
    """
    if not name or name[0] not in NOTE_NAMES or set(name[1:]) - {"#", "b"}:
        raise DataError(f"note name must be A..G with # or b, got {name!r}")
    return (NOTE_NAMES[name[0]] + name.count("#") - name.count("b")) % 12


def parse_chord_label(label: str) -> tuple[int, tuple[int, ...], int | None] | None:
    """``Bb:min7/b7`` -> (root, intervals, bass pitch class or None); ``N`` -> None.

    Raises:
        DataError: an unknown root, quality or bass degree.
    """
    if label == "N":
        return None
    root_name, colon, rest = label.partition(":")
    quality, slash, degree = rest.partition("/")
    if not colon or quality not in QUALITIES:
        raise DataError(f"chord label {label!r}: want ROOT:QUALITY[/DEGREE], {_known()}")
    if slash and degree not in BASS_DEGREES:
        raise DataError(f"chord label {label!r}: bass degree must be among {list(BASS_DEGREES)}")
    root = parse_pitch_class(root_name)
    bass = (root + BASS_DEGREES[degree]) % 12 if slash and BASS_DEGREES[degree] else None
    return root, QUALITIES[quality], bass


def _known() -> str:
    return f"quality among {', '.join(QUALITIES)}"


def _read_lines(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: cannot read ({getattr(err, 'strerror', None) or err})") from None
    return [line.split() for line in text.splitlines() if line.strip()]


def read_chord_file(path: str | Path) -> list[ChordLine]:
    """The lines of a ``chord_midi.txt``.

    Raises:
        DataError: the file cannot be read, or a line is damaged (names file, line and why).
    """
    out = []
    for number, fields in enumerate(_read_lines(Path(path)), 1):
        try:
            if len(fields) != 3:
                raise DataError(f"want 'START END LABEL', got {' '.join(fields)!r}")
            try:
                start, end = float(fields[0]), float(fields[1])
            except ValueError:
                raise DataError(f"times must be numbers, got {fields[0]!r} {fields[1]!r}") from None
            if not 0 <= start <= end:
                raise DataError(f"want 0 <= start <= end, got {start} {end}")
            parsed = parse_chord_label(fields[2])
        except DataError as err:
            raise DataError(f"{path}:{number}: {err}") from None
        root, tones, bass = parsed if parsed else (None, (), None)
        out.append(ChordLine(start, end, root, tones, bass))
    return out


def read_beats(path: str | Path) -> tuple[list[float], int]:
    """(beat times in seconds, index of the first 4/4 downbeat) of a ``beat_midi.txt``.

    Raises:
        DataError: unreadable, fewer than two beats, times not increasing, or a damaged line.
    """
    times, first = [], None
    for number, fields in enumerate(_read_lines(Path(path)), 1):
        try:
            time, down = float(fields[0]), float(fields[2])
        except (IndexError, ValueError):
            raise DataError(f"{path}:{number}: want 'TIME FLAG DOWNBEAT' numbers") from None
        if times and time <= times[-1]:
            raise DataError(f"{path}:{number}: beat times must increase")
        if first is None and down == 1:
            first = len(times)
        times.append(time)
    if len(times) < 2:
        raise DataError(f"{path}: want at least two beats")
    return times, first or 0


def read_key(path: str | Path) -> Key:
    """The key that lasts longest in a ``key_audio.txt`` (``Gb:maj`` -> Gb major).

    Raises:
        DataError: unreadable, no key, or a damaged line.
    """
    best: tuple[float, Key] | None = None
    for number, fields in enumerate(_read_lines(Path(path)), 1):
        try:
            name, _, mode = fields[2].partition(":")
            key = Key(parse_pitch_class(name), {"maj": "major", "min": "minor"}[mode])
            length = float(fields[1]) - float(fields[0])
        except (IndexError, KeyError, ValueError, DataError):
            raise DataError(f"{path}:{number}: want 'START END ROOT:maj|min'") from None
        if best is None or length > best[0]:
            best = (length, key)
    if best is None:
        raise DataError(f"{path}: no key")
    return best[1]


class BeatClock:
    """Seconds -> beats from the song's first downbeat, through the beat annotations (linear
    between beats, the nearest interval's tempo outside them)."""

    def __init__(self, times: list[float], downbeat: int) -> None:
        self.times = times
        self.downbeat = downbeat

    def beats(self, seconds: float) -> float:
        t = self.times
        i = min(max(bisect.bisect_right(t, seconds) - 1, 0), len(t) - 2)
        return i + (seconds - t[i]) / (t[i + 1] - t[i]) - self.downbeat


def midi_seconds(song: Song, beats: float) -> float:
    """Seconds at ``beats`` of a song read from MIDI (its tempo and tempo changes)."""
    changes = [(0.0, song.tempo_bpm), *song.tempo_changes]
    seconds = 0.0
    for (at, bpm), nxt in zip(changes, [*changes[1:], (float("inf"), 0.0)]):
        if beats <= at:
            break
        seconds += (min(beats, nxt[0]) - at) * 60.0 / bpm
    return seconds


def pop909_harmony(folder: str | Path, bass: str = "line") -> GivenHarmony:
    """The harmony of a POP909 song folder, bars from its first chord's bar to its last chord,
    with the bass from ``bass`` (one of :data:`BASS_MODES`; ``line`` falls back to the roots
    when the piano has no lowest voice to split off).

    Raises:
        DataError: a file is missing or damaged, there is no chord, or ``bass`` is unknown.
    """
    if bass not in BASS_MODES:
        raise DataError(f"bass must be one of {', '.join(BASS_MODES)}, got {bass!r}")
    d = Path(folder)
    key = read_key(d / "key_audio.txt")
    clock = BeatClock(*read_beats(d / "beat_midi.txt"))
    lines = [c for c in read_chord_file(d / "chord_midi.txt") if c.root is not None]
    timed = [(clock.beats(c.start), clock.beats(c.end), c) for c in lines]
    timed = [(max(s, 0.0), e, c) for s, e, c in timed if e > 0]
    if not timed:
        raise DataError(f"{d}: no chord after the first downbeat")
    origin = BEATS_PER_BAR * int((timed[0][0] + 1e-3) // BEATS_PER_BAR)  # annotations' rounding
    chords = []
    notes: list[Note] = []
    for s, e, c in timed:
        s = max(s, origin)
        chord = chord_from_intervals(c.root, c.intervals, key)
        chords.append(TimedChord(s - origin, e - origin, chord))
        pitch = 36 + (c.bass if c.bass is not None else c.root)
        notes.append(Note(pitch, s - origin, max(e - s, 1e-3), 100))
    if bass == "line":
        notes = _lowest_voice(d, clock, origin) or notes
    return from_timed(chords, key, notes, name=f"pop909/{d.name}")


def _lowest_voice(folder: Path, clock: BeatClock, origin: float) -> list[Note]:
    """The piano's lowest voice of ``folder``'s MIDI file, in the annotations' beats."""
    from jambridge.midi_io import read_midi  # reads and splits the bass off the piano

    song, _report = read_midi(folder / f"{folder.name}.mid")
    track = song.track("bass")
    out = []
    for n in track.notes if track else ():
        start = clock.beats(midi_seconds(song, n.start_beats)) - origin
        if start >= 0:
            out.append(Note(n.pitch, start, n.duration_beats, n.velocity))
    return out
