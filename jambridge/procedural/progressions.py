"""Chord progressions in roman numerals (``chords/progressions.json``) -> chords in a key.

The file holds free-midi-chords' three lists (MIT): ``prog_maj`` (numerals of a major key),
``prog_min`` (of a natural minor key) and ``prog_modal`` (a major key with borrowed chords:
bVII, bVI, iv...), each entry ``"NUMERAL NUMERAL ... =Mood Mood"``.

A numeral (:func:`parse_numeral`) is an optional ``b`` or ``#`` (the root a semitone lower or
higher), the degree ``I``..``VII`` and a suffix from :data:`SUFFIXES`. Case gives the triad:
upper case major, lower case minor, except that a lower-case numeral on a degree whose own
triad is diminished (vii in major, ii in minor) stays diminished. Suffix ``7`` adds the key's
own seventh (Imaj7, V7, ii7...), ``6`` and ``add9`` follow the case too; the others name the
chord (``M`` major, ``m`` minor, ``dom7``, ``M7``, ``sus4``, ``M-5`` major flat five...).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jambridge.errors import DataError
from jambridge.music import Key
from jambridge.procedural.chord import QUALITIES, Chord, chord_from_intervals
from jambridge.procedural.given import ChordSpan, GivenHarmony
from jambridge.procedural.hits import TICKS_PER_BAR
from jambridge.procedural.theory import interval

FAMILIES = {"prog_maj": "major", "prog_min": "minor", "prog_modal": "modal"}  # JSON key -> family
# Suffix -> quality name in QUALITIES; "" / "7" / "6" / "add9" depend on the case (see above).
SUFFIXES: dict[str, str] = {
    "": "",
    "7": "",
    "6": "",
    "add9": "",
    "M": "maj",
    "m": "min",
    "5": "5",
    "dim": "dim",
    "M-5": "majb5",
    "dom7": "7",
    "M7": "maj7",
    "m7": "min7",
    "M6": "maj6",
    "m6": "min6",
    "9": "9",
    "m9": "min9",
    "madd9": "madd9",
    "69": "69",
    "sus2": "sus2",
    "sus4": "sus4",
}
_NUMERAL = re.compile(r"([b#]?)(VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)(.*)")
_DEGREE = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}


@dataclass(frozen=True, slots=True)
class Progression:
    """One progression of the file."""

    numerals: tuple[str, ...]  # e.g. ("i", "VI", "III", "VII")
    family: str  # "major", "minor" or "modal" (numerals of a major key, with borrowed chords)
    moods: tuple[str, ...]  # the file's mood tags

    @property
    def mode(self) -> str:
        """The mode of the key the numerals count in."""
        return "minor" if self.family == "minor" else "major"

    def chords(self, key: Key) -> tuple[Chord, ...]:
        """The chords in ``key`` (whose mode should be :attr:`mode`)."""
        return tuple(parse_numeral(n, key) for n in self.numerals)


def _triad(key: Key, degree: int, upper: bool, shifted: bool) -> tuple[int, ...]:
    if upper:
        return QUALITIES["maj"]
    if not shifted and interval(key, degree, 4) == 6:  # the degree's own triad is diminished
        return QUALITIES["dim"]
    return QUALITIES["min"]


def parse_numeral(numeral: str, key: Key) -> Chord:
    """The chord of ``numeral`` (e.g. ``bVIIM7``, ``iv``, ``V7``) in ``key``.

    Raises:
        DataError: not a numeral with a known suffix.
    """
    match = _NUMERAL.fullmatch(numeral)
    if match is None or match.group(3) not in SUFFIXES:
        suffixes = " ".join(s for s in SUFFIXES if s)
        raise DataError(
            f"chord numeral {numeral!r}: want [b|#]I..VII or i..vii and a suffix among {suffixes}"
        )
    accidental, roman, suffix = match.groups()
    degree = _DEGREE[roman.lower()]
    shift = {"": 0, "b": -1, "#": 1}[accidental]
    root = (key.tonic + interval(key, 0, degree) + shift) % 12
    triad = _triad(key, degree, roman.isupper(), shift != 0)
    if SUFFIXES[suffix]:
        tones = QUALITIES[SUFFIXES[suffix]]
    elif suffix == "7":
        tones = (*triad, interval(key, degree, 6) if shift == 0 else 10)
    elif suffix == "6":
        tones = (*triad, 9)
    elif suffix == "add9":
        tones = (*triad, 14)
    else:
        tones = triad
    return chord_from_intervals(root, tones, key)


def _entry(text: object, family: str, where: str) -> Progression:
    if not isinstance(text, str) or not text.split("=")[0].split():
        raise DataError(f"{where}: want 'NUMERALS =Moods', got {text!r}")
    body, _, moods = text.partition("=")
    prog = Progression(tuple(body.split()), family, tuple(moods.split()))
    try:
        prog.chords(Key(0, prog.mode))
    except DataError as err:
        raise DataError(f"{where}: {err}") from None
    return prog


@lru_cache(maxsize=4)
def load_progressions(path: str) -> tuple[Progression, ...]:
    """The progressions of the JSON file at ``path``, in file order (major, minor, modal).

    Raises:
        DataError: the file cannot be read, is not JSON, lacks a list, or an entry does not
            parse (the message names the file, the list and the entry).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise DataError(f"{path}: cannot read the progressions ({err.strerror or err})") from None
    except ValueError as err:
        raise DataError(f"{path}: not JSON ({err})") from None
    out: list[Progression] = []
    for name, family in FAMILIES.items():
        entries = data.get(name) if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise DataError(f"{path}: want a list {name!r} of progressions")
        out += [_entry(e, family, f"{path}: {name}[{i}]") for i, e in enumerate(entries)]
    return tuple(out)


def progression_harmony(prog: Progression, key: Key, per_bar: int = 1) -> GivenHarmony:
    """``prog`` in ``key``, ``per_bar`` (1 or 2) chords a bar, as a loop of whole bars (an odd
    progression holds its last chord twice, as the source's own MIDI files do).

    Raises:
        DataError: ``per_bar`` is not 1 or 2, or a numeral does not parse.
    """
    if per_bar not in (1, 2):
        raise DataError(f"chords per bar must be 1 or 2, got {per_bar!r}")
    chords = list(prog.chords(key))
    if len(chords) % 2:
        chords.append(chords[-1])
    width = TICKS_PER_BAR // per_bar
    bars = []
    for b in range(len(chords) // per_bar):
        spans: list[ChordSpan] = []
        for k in range(per_bar):
            chord = chords[b * per_bar + k]
            if not spans or spans[-1].chord != chord:
                spans.append(ChordSpan(k * width, chord))
        bars.append(tuple(spans))
    return GivenHarmony(key, tuple(bars), None, " ".join(prog.numerals))
