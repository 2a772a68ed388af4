"""A song's own harmony from its pitch classes: chords per half bar, for re-styling any song.

For songs without chord annotations (LMMS projects, MIDI files): the pitch classes sounding in
each half bar of the chords and bass tracks (the lead's when there are neither), weighted by
how long they sound and the bass's doubly, are matched against chord templates
(:data:`TEMPLATES`) on all twelve roots; the bass's lowest note breaks ties toward the root.
A half bar with nothing sounding holds the chord before it. The song's bass line, when it has
one, becomes the bass spans.
"""

from __future__ import annotations

from jambridge.errors import DataError
from jambridge.keyfinder import estimate_key
from jambridge.music import Key, Note, Song
from jambridge.procedural.chord import QUALITIES, Chord, chord_from_intervals
from jambridge.procedural.given import GivenHarmony, TimedChord, from_timed

# Qualities a half bar is matched against, with a prior (simple chords win close calls).
TEMPLATES: dict[str, float] = {
    "maj": 0.0,
    "min": 0.0,
    "7": -0.08,
    "min7": -0.08,
    "maj7": -0.08,
    "sus4": -0.1,
    "sus2": -0.1,
    "dim": -0.12,
    "5": -0.15,
}
BASS_WEIGHT = 2.0  # the bass's notes count this much more than the chords'
ROOT_BONUS = 0.15  # share of the weight added when the template's root is the lowest note
WINDOW_BEATS = 2.0  # a chord per half bar at most


def _weights(notes: list[Note], start: float, end: float, factor: float, w: list[float]) -> None:
    for n in notes:
        overlap = min(n.end_beats, end) - max(n.start_beats, start)
        if overlap > 0:
            w[n.pitch % 12] += overlap * factor


def best_chord(weights: list[float], lowest: int | None, key: Key) -> Chord:
    """The template chord that explains ``weights`` (per pitch class) best."""
    total = sum(weights) or 1.0
    best: tuple[float, int, str] | None = None
    for quality, prior in TEMPLATES.items():
        tones = {i % 12 for i in QUALITIES[quality]}
        for root in range(12):
            inside = sum(weights[(root + t) % 12] for t in tones)
            score = (2 * inside - total) / total + prior - 0.02 * len(tones)
            score += ROOT_BONUS if lowest == root else 0.0
            score += 0.01 if root in key.pitch_classes else 0.0
            if best is None or score > best[0] + 1e-12:
                best = (score, root, quality)
    assert best is not None
    return chord_from_intervals(best[1], QUALITIES[best[2]], key)


def harmony_from_song(song: Song, key: Key | None = None) -> GivenHarmony:
    """The chords of ``song`` per half bar (and its bass line), in ``key`` (default: the song's,
    else estimated from its notes).

    Raises:
        DataError: the song has no pitched notes.
    """
    bass = list(song.track("bass").notes) if song.track("bass") else []
    chords = list(song.track("chords").notes) if song.track("chords") else []
    upper = chords or bass or (list(song.track("lead").notes) if song.track("lead") else [])
    if not upper:
        raise DataError(f"{song.name or 'song'}: no pitched notes to find chords in")
    key = key or song.key or estimate_key(song) or Key(0, "minor")
    end = max(n.end_beats for n in [*upper, *bass])
    timed: list[TimedChord] = []
    at = 0.0
    while at < end:
        w = [0.0] * 12
        _weights(upper, at, at + WINDOW_BEATS, 1.0, w)
        _weights(bass, at, at + WINDOW_BEATS, BASS_WEIGHT, w)
        low = [n for n in bass or upper if n.start_beats < at + WINDOW_BEATS and n.end_beats > at]
        if sum(w) > 0:
            lowest = min(low, key=lambda n: n.pitch).pitch % 12 if low else None
            timed.append(TimedChord(at, at + WINDOW_BEATS, best_chord(w, lowest, key)))
        at += WINDOW_BEATS
    return from_timed(timed, key, bass or None, name=song.name)
