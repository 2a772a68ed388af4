"""The take history on disk (no Qt): takes survive a restart, files are real type-1 MIDI with
tempo, damaged histories are reported and never fatal."""

from __future__ import annotations

import json

import mido
import pytest

from jambridge.bridge.playback.sources import pattern_bar
from jambridge.errors import DataError
from jambridge.midi_io import read_midi
from jambridge.music import Key, Song
from jambridge.ui.take_store import INDEX_NAME, TakeStore, song_from_data, song_to_data


def pattern_song(bars: int = 4, bpm: float = 133.0) -> Song:
    return Song.from_bars([pattern_bar(i) for i in range(bars)], tempo_bpm=bpm, key=Key(9))


def test_song_data_round_trip_is_exact():
    song = pattern_song()
    back = song_from_data(json.loads(json.dumps(song_to_data(song))))
    assert back == song


def test_added_take_survives_a_restart(tmp_path):
    store = TakeStore(tmp_path)
    assert store.load() == []
    first = store.add(pattern_song(4), "generated", "Acid", preset="acid", seed=7)
    second = store.add(pattern_song(2), "captured", "bass riff")
    again = TakeStore(tmp_path)
    assert again.load() == []
    assert [t.id for t in again.takes] == [second.id, first.id]  # newest first
    assert again.takes[1] == first
    assert again.song(first) == store.song(first)
    assert again.song(first).note_count() == pattern_song(4).note_count()
    third = again.add(pattern_song(1), "jam", "jam")
    assert third.id == second.id + 1  # ids are never reused


def test_take_files_are_type_1_with_tempo_and_named_tracks(tmp_path):
    store = TakeStore(tmp_path)
    take = store.add(pattern_song(4, bpm=133.0), "generated", "Peak")
    whole = mido.MidiFile(store.midi_path(take))
    assert whole.type == 1
    tempos = [m.tempo for m in whole.tracks[0] if m.type == "set_tempo"]
    assert tempos and mido.tempo2bpm(tempos[0]) == pytest.approx(133.0)
    names = [m.name for t in whole.tracks[1:] for m in t if m.type == "track_name"]
    assert names == ["Drums", "Bass", "Chords", "Lead"]
    for role in take.roles:
        stem, _ = read_midi(store.midi_path(take, role))
        assert stem.roles == (role,)
        assert stem.tempo_bpm == pytest.approx(133.0)


def test_export_stems_copies_one_file_per_track(tmp_path):
    store = TakeStore(tmp_path / "takes")
    take = store.add(pattern_song(2), "generated", "Stems")
    written = store.export_stems(take, tmp_path / "out")
    assert len(written) == 4 and all(p.is_file() and p.parent == tmp_path / "out" for p in written)


def test_a_take_whose_folder_is_gone_is_dropped_and_reported(tmp_path):
    store = TakeStore(tmp_path)
    kept = store.add(pattern_song(1), "generated", "kept")
    gone = store.add(pattern_song(1), "generated", "gone")
    for f in (tmp_path / gone.folder).iterdir():
        f.unlink()
    again = TakeStore(tmp_path)
    warnings = again.load()
    assert len(warnings) == 1 and f"#{gone.id}" in warnings[0]
    assert again.takes == (kept,)
    assert TakeStore(tmp_path).load() == []  # the index was rewritten without it


def test_a_damaged_index_is_kept_aside_and_the_history_starts_afresh(tmp_path):
    (tmp_path / INDEX_NAME).write_text("{not json")
    store = TakeStore(tmp_path)
    warnings = store.load()
    assert len(warnings) == 1 and "index.json.bad" in warnings[0]
    assert (tmp_path / "index.json.bad").read_text() == "{not json"
    assert store.takes == ()
    store.add(pattern_song(1), "generated", "fresh")
    assert len(TakeStore(tmp_path).takes) == 0  # not loaded yet
    fresh = TakeStore(tmp_path)
    fresh.load()
    assert len(fresh.takes) == 1


def test_bad_takes_are_refused_with_a_clear_error(tmp_path):
    store = TakeStore(tmp_path)
    with pytest.raises(DataError, match="kind must be one of"):
        store.add(pattern_song(1), "stolen", "x")
    with pytest.raises(DataError, match="at least one track"):
        store.add(Song(), "generated", "empty")
    with pytest.raises(DataError, match="not a JamBridge take"):
        song_from_data({"tracks": [{"role": "bass"}]})


def test_delete_removes_files_and_entry(tmp_path):
    store = TakeStore(tmp_path)
    take = store.add(pattern_song(1), "generated", "bye")
    store.delete(take)
    assert not (tmp_path / take.folder).exists()
    again = TakeStore(tmp_path)
    assert again.load() == [] and again.takes == ()
