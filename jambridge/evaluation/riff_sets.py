"""Riffs cut from real files, for ``python -m jambridge.evaluation.riff_check``.

- POP909 (:func:`pop909_riffs`): two bars of the bass (the piano's lowest voice, as the MIDI
  reader splits it off) or of the melody (lead), timed through the song's beat annotations so
  that bars start on the song's own downbeats, with the human timing kept; the key is the
  song's annotated one. Songs are spread evenly over the folder; the riff is the first pair of
  bars from bar 9 on where the role plays 3..16 onsets in each bar.
- Groove (:func:`groove_riffs`): bars 3-4 of 4/4 ``beat`` files (not fills), drums as played.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from jambridge.errors import DataError
from jambridge.music import Bar, Note, Song, Track
from jambridge.riff import Riff

RIFF_BARS = 2
FIRST_BAR = 8  # 0-based: skip intros
ONSETS_PER_BAR = (3, 16)  # a riff bar's 16th onsets, fewest and most


@dataclass(frozen=True)
class NamedRiff:
    """A riff and where it came from (``pop909/012 bass bars 9-10``)."""

    name: str
    riff: Riff


def pop909_riffs(root: Path, role: str, count: int) -> list[NamedRiff]:
    """Up to ``count`` two-bar ``role`` riffs (bass or lead) from songs spread over ``root``."""
    folders = sorted(p for p in root.iterdir() if (p / "beat_midi.txt").is_file())
    out: list[NamedRiff] = []
    for folder in _spread(folders, count):
        if len(out) >= count:
            break
        try:
            song = _aligned_song(folder, role)
        except DataError:
            continue
        start = _riff_start(song, role)
        if start is not None:
            riff = Riff.from_song(song, [role], start, RIFF_BARS)
            name = f"pop909/{folder.name} {role} bars {start + 1}-{start + RIFF_BARS}"
            out.append(NamedRiff(name, riff))
    return out


def _spread(items: list, count: int) -> list:
    """``items`` spread evenly (every k-th, ``count`` of them) first, then the others in
    order, so that a file without a riff is replaced by one near the end of the list."""
    stride = max(1, len(items) // max(count, 1))
    first = items[::stride]
    return first + [x for i, x in enumerate(items) if i % stride]


def _aligned_song(folder: Path, role: str) -> Song:
    """``folder``'s ``role`` track in the annotations' beats (bar 0 on the first downbeat)."""
    from jambridge.midi_io import read_midi
    from jambridge.procedural.pop909 import BeatClock, midi_seconds, read_beats, read_key

    song, _ = read_midi(folder / f"{folder.name}.mid")
    track = song.track(role)
    if track is None or not track.notes:
        raise DataError(f"{folder}: no {role}")
    clock = BeatClock(*read_beats(folder / "beat_midi.txt"))
    notes = []
    for n in track.notes:
        start = clock.beats(midi_seconds(song, n.start_beats))
        end = clock.beats(midi_seconds(song, n.end_beats))
        if start >= 0 and end > start:
            notes.append(Note(n.pitch, start, end - start, n.velocity))
    if not notes:
        raise DataError(f"{folder}: no {role} after the first downbeat")
    key = read_key(folder / "key_audio.txt")
    return Song((track.with_notes(notes),), song.tempo_bpm, (), key, "pop", folder.name)


def _riff_start(song: Song, role: str) -> int | None:
    bars = song.bars()
    for start in range(FIRST_BAR, len(bars) - RIFF_BARS + 1, RIFF_BARS):
        counts = [len({round(n.start_beats * 4) for n in role_track(b, role).notes}) for b in
                  bars[start : start + RIFF_BARS]]  # fmt: skip
        if all(ONSETS_PER_BAR[0] <= c <= ONSETS_PER_BAR[1] for c in counts):
            return start
    return None


def groove_riffs(root: Path, count: int) -> list[NamedRiff]:
    """Up to ``count`` two-bar drum riffs: bars 3-4 of Groove's 4/4 beat files (spread over
    the listed files in ``info.csv`` order)."""
    from jambridge.song_files import read_song

    with open(root / "info.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["beat_type"] == "beat"
                and r["time_signature"] == "4-4"]  # fmt: skip
    out: list[NamedRiff] = []
    for row in _spread(rows, count):
        if len(out) >= count:
            break
        try:
            song, _ = read_song(root / row["midi_filename"])
            riff = Riff.from_song(song, ["drums"], 2, RIFF_BARS)
        except DataError:
            continue
        out.append(NamedRiff(f"groove/{row['id']} drums bars 3-4", riff))
    return out


def role_track(bar: Bar, role: str) -> Track:
    """``bar``'s track of ``role`` (an empty one when it has none)."""
    return bar.track(role) or Track(role)
