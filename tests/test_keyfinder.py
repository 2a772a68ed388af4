"""Key estimation and scale consistency on small, unambiguous songs."""

from __future__ import annotations

import warnings

from jambridge.keyfinder import estimate_key, scale_consistency
from jambridge.music import Key, Note, Song, Track


def _song(role: str, pitches: list[int], beats: float = 1.0) -> Song:
    notes = tuple(Note(p, i * beats, beats, 100) for i, p in enumerate(pitches))
    return Song((Track(role, notes),))


def test_a_minor_riff_reads_as_a_minor():
    riff = [45, 48, 52, 45, 43, 45, 50, 48, 57, 52, 45, 45]  # A C E A G A D C A E A A
    assert estimate_key(_song("bass", riff)) == Key(9, "minor")


def test_drums_and_too_few_notes_give_no_key():
    assert estimate_key(_song("drums", [36, 38, 42, 46] * 4)) is None
    assert estimate_key(_song("bass", [45, 48], beats=1.0)) is None  # 2 beats < 4


def test_every_pitch_class_equal_gives_no_key_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert estimate_key(_song("chords", list(range(60, 72)))) is None


def test_scale_consistency_counts_notes_in_the_scale():
    song = _song("lead", [57, 59, 60, 61])  # A B C in A minor, C# not
    assert scale_consistency(song, Key(9, "minor")) == 0.75
    assert scale_consistency(_song("drums", [36]), Key(9, "minor")) == 1.0
