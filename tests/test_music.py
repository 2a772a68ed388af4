"""Music values: key names as producers type them, and songs that refuse a role twice."""

from __future__ import annotations

import pytest

from jambridge.errors import DataError
from jambridge.music import Key, Note, Song, Track


@pytest.mark.parametrize(
    ("text", "tonic", "mode"),
    [
        ("A minor", 9, "minor"),
        ("Am", 9, "minor"),
        ("a min", 9, "minor"),
        ("Amin", 9, "minor"),
        ("A-minor", 9, "minor"),
        ("F# minor", 6, "minor"),
        ("f#m", 6, "minor"),
        ("Bb major", 10, "major"),
        ("bbm", 10, "minor"),
        ("E flat min", 3, "minor"),
        ("A♭ minor", 8, "minor"),
        ("Cb", 11, "major"),
        ("B#", 0, "major"),
        ("C", 0, "major"),
        ("Dmaj", 2, "major"),
    ],
)
def test_key_parses_the_ways_producers_write_keys(text, tonic, mode):
    assert Key.parse(text) == Key(tonic, mode)


@pytest.mark.parametrize("text", ["H minor", "", "m", "Am7", "A minorr", "Abb"])
def test_unreadable_key_names_the_accepted_forms(text):
    with pytest.raises(DataError, match="key must look like 'A minor'"):
        Key.parse(text)


@pytest.mark.parametrize("key", [Key(t, m) for t in range(12) for m in ("minor", "major")])
def test_key_name_parses_back(key):
    assert Key.parse(key.name) == key


def test_song_refuses_a_role_twice():
    bass = Track("bass", (Note(33, 0, 1, 100),))
    with pytest.raises(DataError, match="each role at most once"):
        Song((bass, bass))
