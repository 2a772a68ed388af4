"""Key finding (estimate and key signature), key names and scale consistency on small songs."""

from __future__ import annotations

import warnings
from dataclasses import replace

import pytest

from jambridge.keyfinder import KeyFinding, estimate_key, find_key, scale_consistency
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


# -- relative major / minor, key signatures, names ------------------------------------------------

_ROOTS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _progression(chords: list[str], beats: float = 4.0) -> Song:
    """Block triads (one per ``beats``) over their roots in the bass: "Am", "Bb", "F#m"."""
    bass, upper = [], []
    for i, name in enumerate(chords):
        root = _ROOTS[name[0]] + {"b": -1, "#": 1}.get(name[1:2], 0)
        third = 3 if name.endswith("m") else 4
        bass.append(Note(36 + root % 12, i * beats, beats, 100))
        upper += [Note(60 + root % 12 + s, i * beats, beats, 90) for s in (0, third, 7)]
    return Song((Track("bass", tuple(bass)), Track("chords", tuple(upper))))


@pytest.mark.parametrize(
    ("chords", "key"),
    [
        (["C", "Am", "F", "G", "C"], "C major"),
        (["Am", "F", "G", "Am"], "A minor"),  # the same scale as C major
        (["Am", "Dm", "E", "Am"], "A minor"),  # harmonic minor's G#
        (["F", "G", "C", "C"], "C major"),
        (["F", "G", "Am", "Am"], "A minor"),  # the same chords up to the last two bars
        (["Bb", "Gm", "Eb", "F", "Bb"], "Bb major"),
        (["Gm", "Eb", "F", "Gm"], "G minor"),
        (["F#m", "D", "E", "F#m"], "F# minor"),
        (["E", "C#m", "A", "B", "E"], "E major"),
        (["C#m", "A", "B", "C#m"], "C# minor"),
    ],
)
def test_relative_major_and_minor_are_told_apart(chords, key):
    assert estimate_key(_progression(chords)) == Key.parse(key)


@pytest.mark.parametrize(("pedal", "key"), [(33, "A minor"), (36, "C major")])
def test_the_bass_decides_between_relative_keys_over_the_same_chords(pedal, key):
    upper = _progression(["Am", "F", "C", "G"]).track("chords")
    bass = Track("bass", tuple(Note(pedal, i * 2.0, 2.0, 100) for i in range(8)))
    assert estimate_key(Song((bass, upper))) == Key.parse(key)


def test_a_key_signature_the_notes_agree_with_is_honoured():
    song = replace(_progression(["Gm", "Eb", "F", "Gm"]), key=Key.parse("Bb major"))
    assert estimate_key(song) == Key.parse("G minor")  # what the notes alone say
    assert find_key(song) == KeyFinding(Key.parse("Bb major"), "key signature")


def test_a_key_signature_the_notes_contradict_is_set_aside_and_said_so():
    song = replace(_progression(["E", "C#m", "A", "B", "E"]), key=Key(0, "major"))
    found = find_key(song)  # a sequencer's default C major on an E major song
    assert (found.key, found.source) == (Key.parse("E major"), "estimate")
    assert "C major" in found.detail and "E major (estimated from the notes" in found.text


def test_a_key_signature_stands_when_there_are_no_pitched_notes():
    drums = replace(_song("drums", [36, 38] * 4), key=Key.parse("F minor"))
    assert find_key(drums) == KeyFinding(Key.parse("F minor"), "key signature")
    assert find_key(_song("drums", [36, 38] * 4)) == KeyFinding(None, "none")


@pytest.mark.parametrize(
    ("tonic", "mode", "name"),
    [
        (10, "major", "Bb major"),
        (3, "major", "Eb major"),
        (8, "major", "Ab major"),
        (1, "major", "Db major"),
        (6, "major", "F# major"),
        (6, "minor", "F# minor"),
        (1, "minor", "C# minor"),
        (8, "minor", "G# minor"),
        (10, "minor", "Bb minor"),
        (3, "minor", "Eb minor"),
        (9, "minor", "A minor"),
    ],
)
def test_keys_are_named_as_musicians_write_them(tonic, mode, name):
    assert Key(tonic, mode).name == name


def test_key_tokens_keep_their_sharp_names():
    # The vocabulary hash of every trained model is built from these: they must not move.
    assert Key(10, "major").token_name == "A# major"
    assert Key(3, "minor").token_name == "D# minor"
