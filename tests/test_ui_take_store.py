"""The take history on disk (no Qt): takes survive a restart, files are real type-1 MIDI with
tempo, damaged histories are reported and never fatal, a delete can be undone (also after a
restart) and deleted takes are purged by age and count."""

from __future__ import annotations

import json
import time
from pathlib import Path

import mido
import pytest

from jambridge.bridge.playback.sources import pattern_bar
from jambridge.errors import DataError
from jambridge.midi_io import read_midi
from jambridge.music import Key, Song
from jambridge.ui.take_store import (
    INDEX_NAME,
    Take,
    TakeStore,
    TrashPolicy,
    song_from_data,
    song_to_data,
)


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


def test_a_takes_folder_that_is_a_file_says_so(tmp_path):
    root = tmp_path / "takes"
    root.write_text("not a folder")
    with pytest.raises(DataError, match=r"cannot write a take to .*takes: it is a file"):
        TakeStore(root).add(pattern_song(1), "generated", "x")
    assert root.read_text() == "not a folder"  # nothing lost


def test_delete_removes_the_take_from_the_history(tmp_path):
    store = TakeStore(tmp_path)
    take = store.add(pattern_song(1), "generated", "bye")
    store.delete(take)
    assert not (tmp_path / take.folder).exists()
    again = TakeStore(tmp_path)
    assert again.load() == [] and again.takes == ()


# -- undo ----------------------------------------------------------------------------------------


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path, with its bytes."""
    return {str(f.relative_to(folder)): f.read_bytes() for f in folder.rglob("*") if f.is_file()}


class FakeClock:
    """Wall-clock seconds that move only when a test says so (from now: a store on the real
    clock, opened later in the test, sees the same dates)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def four(tmp_path) -> tuple[TakeStore, list[Take]]:
    """A loaded store with takes #1..#4."""
    store = TakeStore(tmp_path, clock=FakeClock())
    store.load()
    return store, [
        store.add(pattern_song(n), "generated", f"take {n}", seed=n) for n in (1, 2, 3, 4)
    ]


def test_undo_brings_the_take_back_byte_for_byte_in_its_place(four, tmp_path):
    store, takes = four
    before = files_of(tmp_path / "0002")
    store.delete(takes[1])
    assert [t.id for t in store.takes] == [4, 3, 1]
    undone = store.undo_delete()
    assert undone.takes == (takes[1],) and undone.warnings == ()
    assert files_of(tmp_path / "0002") == before  # .mid files, song.json, take.json
    assert store.takes == tuple(reversed(takes))  # number, metadata and place as before
    again = TakeStore(tmp_path)
    assert again.load() == [] and again.takes == store.takes


def test_undo_works_after_a_restart(four, tmp_path):
    store, takes = four
    before = files_of(tmp_path / "0003")
    store.delete(takes[2])
    restarted = TakeStore(tmp_path)
    assert restarted.load() == []
    assert restarted.undo_delete().takes == (takes[2],)
    assert files_of(tmp_path / "0003") == before
    assert [t.id for t in restarted.takes] == [4, 3, 2, 1]


def test_a_take_made_after_a_delete_never_gets_the_deleted_number(four):
    store, takes = four
    store.delete(takes[3])  # the newest, #4
    new = store.add(pattern_song(1), "jam", "after")
    assert new.id == 5 and new.folder == "0005"
    assert store.undo_delete().takes == (takes[3],)
    assert [t.id for t in store.takes] == [5, 4, 3, 2, 1]


def test_a_lost_index_never_gives_a_deleted_number_to_a_new_take(four, tmp_path):
    store, takes = four
    store.delete(takes[3])
    (tmp_path / INDEX_NAME).unlink()
    again = TakeStore(tmp_path)
    again.load()
    assert again.add(pattern_song(1), "jam", "after").id == 5
    assert again.undo_delete().takes == (takes[3],)
    assert [t.id for t in again.takes] == [5, 4, 3, 2, 1]


def test_takes_deleted_together_come_back_together_newest_delete_first(four):
    store, takes = four
    store.delete(takes[0])
    store.delete(takes[3], takes[1])
    assert [t.id for t in store.takes] == [3]
    assert store.undo_delete().takes == (takes[3], takes[1])
    assert [t.id for t in store.takes] == [4, 3, 2]
    assert store.undo_delete().takes == (takes[0],)
    assert store.undo_delete().takes == ()  # nothing left to undo
    assert store.takes == tuple(reversed(takes))


def test_a_delete_cut_short_before_the_index_write_is_finished_at_load(four, tmp_path, monkeypatch):
    store, takes = four
    index_before = (tmp_path / INDEX_NAME).read_bytes()
    store.delete(takes[0])
    (tmp_path / INDEX_NAME).write_bytes(index_before)  # as if the crash came before the write
    again = TakeStore(tmp_path)
    assert again.load() == []  # no "take #1 is gone": it is in the trash
    assert [t.id for t in again.takes] == [4, 3, 2]
    assert again.undo_delete().takes == (takes[0],)


def test_deleted_takes_older_than_the_policy_are_purged(tmp_path):
    clock = FakeClock()
    store = TakeStore(tmp_path, trash=TrashPolicy(max_age_days=30), clock=clock)
    old = store.add(pattern_song(1), "generated", "old")
    young = store.add(pattern_song(1), "generated", "young")
    store.delete(old)
    clock.now += 20 * 86_400
    store.delete(young)
    clock.now += 11 * 86_400  # old: 31 days in the trash, young: 11
    TakeStore(tmp_path, trash=TrashPolicy(max_age_days=30), clock=clock).load()
    assert [p.name.split("-")[1] for p in (tmp_path / ".trash").iterdir()] == [young.folder]
    assert store.undo_delete().takes == (young,)
    assert store.undo_delete().takes == ()


def test_only_the_newest_deleted_takes_are_kept(tmp_path):
    store = TakeStore(tmp_path, trash=TrashPolicy(max_takes=2), clock=FakeClock())
    takes = [store.add(pattern_song(1), "generated", f"t{n}") for n in range(4)]
    for take in takes:
        store.delete(take)
    assert len(list((tmp_path / ".trash").iterdir())) == 2
    assert store.undo_delete().takes == (takes[3],)
    assert store.undo_delete().takes == (takes[2],)
    assert store.undo_delete().takes == ()
