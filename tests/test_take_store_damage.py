"""The take store under a damaged history and hostile entries (issue 15, items 2 and 3): it never
renumbers over existing takes, keeps every damaged index aside without overwriting an older one,
rebuilds from the folders on disk, and never reads, writes or deletes outside its own folder,
its trash of deleted takes included."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pytest

from jambridge.bridge.playback.sources import pattern_bar
from jambridge.errors import DataError
from jambridge.music import Key, Song
from jambridge.ui.take_store import INDEX_NAME, Take, TakeStore, TrashPolicy
from jambridge.ui.take_trash import TRASH_NAME


def song(bars: int = 1) -> Song:
    return Song.from_bars([pattern_bar(i) for i in range(bars)], tempo_bpm=128.0, key=Key(9))


def digest(folder: Path) -> str:
    """A hash of every file under ``folder`` (names and bytes)."""
    h = hashlib.sha256()
    for f in sorted(folder.rglob("*")):
        if f.is_file():
            h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


@pytest.fixture
def three(tmp_path) -> tuple[Path, list[Take]]:
    """A store with takes #1..#3 on disk and in its index."""
    root = tmp_path / "takes"
    store = TakeStore(root)
    store.load()
    takes = [store.add(song(n), "generated", f"take {n}") for n in (1, 2, 3)]
    return root, takes


def _truncate(text: str) -> str:
    return text[: len(text) // 2]


DAMAGE = {  # name -> what becomes of index.json's text
    "truncated": _truncate,
    "empty": lambda t: "",
    "nan next_id": lambda t: t.replace('"next_id": 4', '"next_id": NaN'),
    "huge next_id": lambda t: t.replace('"next_id": 4', '"next_id": 1e999'),
    "big int next_id": lambda t: t.replace('"next_id": 4', '"next_id": 1000000000000000'),
    "next_id as text": lambda t: t.replace('"next_id": 4', '"next_id": "4"'),
    "takes not a list": lambda t: json.dumps({"version": 1, "next_id": 4, "takes": "all"}),
    "a list, not an object": lambda t: "[1, 2, 3]",
    "entry with wrong types": lambda t: t.replace('"id": 2', '"id": "2"').replace(
        '"bars": 1', '"bars": [1]'
    ),
    "deep nesting": lambda t: "[" * 100_000 + "]" * 100_000,
    "not UTF-8": lambda t: "\udcff",  # written with surrogateescape: a lone 0xFF byte
}


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_index_never_renumbers_over_existing_takes(three, kind):
    root, takes = three
    before = {t.folder: digest(root / t.folder) for t in takes}
    text = (root / INDEX_NAME).read_text()
    (root / INDEX_NAME).write_text(DAMAGE[kind](text), errors="surrogateescape")
    store = TakeStore(root)
    warnings = store.load()
    assert warnings and "index.json.bad" in warnings[0]
    assert all("\n" not in w for w in warnings)
    assert sorted(t.id for t in store.takes) == [1, 2, 3]  # rebuilt from the folders
    new = store.add(song(2), "generated", "after the damage")
    assert new.id == 4 and new.folder == "0004"
    assert {t.folder: digest(root / t.folder) for t in takes} == before
    again = TakeStore(root)
    assert again.load() == []  # the rebuilt index is sound
    assert [t.id for t in again.takes] == [4, 3, 2, 1]


def test_the_rebuild_keeps_what_each_take_was(three):
    root, takes = three
    (root / INDEX_NAME).write_text("{")
    store = TakeStore(root)
    store.load()
    assert sorted(store.takes, key=lambda t: t.id) == takes  # kind, preset, created survive


def test_takes_from_before_take_json_are_rebuilt_as_they_were(three):
    root, takes = three
    for t in takes:
        (root / t.folder / "take.json").unlink()  # a store written by an older version
    TakeStore(root).load()
    (root / INDEX_NAME).write_text("{")
    store = TakeStore(root)
    store.load()
    assert sorted(store.takes, key=lambda t: t.id) == takes


def test_an_older_bad_index_is_never_overwritten(three):
    root, _ = three
    (root / "index.json.bad").write_text("the first damage")
    (root / INDEX_NAME).write_text("the second damage")
    warnings = TakeStore(root).load()
    assert (root / "index.json.bad").read_text() == "the first damage"
    assert (root / "index.json.bad.2").read_text() == "the second damage"
    assert "index.json.bad.2" in warnings[0]


def test_a_lost_index_never_renumbers_over_existing_takes(three):
    root, takes = three
    (root / INDEX_NAME).unlink()
    store = TakeStore(root)
    store.load()
    assert store.add(song(), "jam", "fresh").id == 4
    assert sorted(t.id for t in store.takes) == [1, 2, 3, 4]


def test_a_folder_the_index_does_not_know_is_never_reused(three):
    root, _ = three
    store = TakeStore(root)
    store.load()
    (root / "0004").mkdir()
    (root / "0004" / "mine.txt").write_text("not a take")
    take = store.add(song(), "generated", "next")
    assert take.folder == "0005"
    assert (root / "0004" / "mine.txt").read_text() == "not a take"


def _outside(tmp_path: Path) -> Path:
    """A folder outside the store that looks like a take (so a careless store would use it)."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "song.json").write_text("{}")
    (outside / "precious.txt").write_text("keep me")
    return outside


@pytest.mark.parametrize("where", ["../elsewhere", "absolute"])
def test_an_entry_pointing_outside_the_store_is_never_touched(three, tmp_path, where):
    root, _ = three
    outside = _outside(tmp_path)
    folder = str(outside) if where == "absolute" else where
    data = json.loads((root / INDEX_NAME).read_text())
    data["takes"][0]["folder"] = folder
    (root / INDEX_NAME).write_text(json.dumps(data))
    store = TakeStore(root)
    warnings = store.load()
    assert any("folder" in w for w in warnings)
    assert all(t.folder != folder for t in store.takes)
    hostile = Take(9, "x", "generated", "", 120.0, 1, ("drums",), folder)
    with pytest.raises(DataError, match="not a take folder name"):
        store.delete(hostile)
    with pytest.raises(DataError, match="not a take folder name"):
        store.song(hostile)
    assert (outside / "precious.txt").read_text() == "keep me"


def test_a_take_name_carrying_a_path_is_refused(three, tmp_path):
    root, _ = three
    outside = _outside(tmp_path)
    (outside / "x - Drums.mid").write_bytes(b"MThd")
    data = json.loads((root / INDEX_NAME).read_text())
    data["takes"][0]["name"] = "../../elsewhere/x"
    (root / INDEX_NAME).write_text(json.dumps(data))
    store = TakeStore(root)
    assert any("name must be" in w for w in store.load())
    hostile = Take(9, "../../elsewhere/x", "generated", "", 120.0, 1, ("drums",), "0001")
    with pytest.raises(DataError, match="is not a take name"):
        store.export_stems(hostile, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_take_folder_that_is_a_link_is_never_written_or_deleted(three, tmp_path):
    root, takes = three
    outside = _outside(tmp_path)
    before = digest(outside)
    (root / INDEX_NAME).unlink()  # the history starts from the folders
    for t in takes:
        os.rename(root / t.folder, tmp_path / f"moved-{t.folder}")
    os.symlink(outside, root / "0001")
    store = TakeStore(root)
    store.load()
    assert store.takes == ()  # the link is not a take
    new = store.add(song(), "generated", "new")
    assert new.folder == "0002"
    with pytest.raises(DataError, match="is a link"):
        store.delete(takes[0])  # folder 0001: the link
    assert digest(outside) == before
    assert (root / "0001").is_symlink()


def test_a_linked_folder_in_the_index_is_dropped_and_left_alone(three, tmp_path):
    root, takes = three
    outside = _outside(tmp_path)
    target = root / takes[1].folder
    os.rename(target, tmp_path / "moved")
    os.symlink(outside, target)
    store = TakeStore(root)
    warnings = store.load()
    assert any("is a link" in w for w in warnings)
    assert takes[1].id not in [t.id for t in store.takes]
    assert (outside / "precious.txt").read_text() == "keep me"


def test_an_index_write_that_fails_leaves_the_old_index_whole(three, monkeypatch):
    root, _ = three
    before = (root / INDEX_NAME).read_text()
    store = TakeStore(root)
    store.load()

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(DataError, match="No space left"):
        store.add(song(), "generated", "no room")
    assert (root / INDEX_NAME).read_text() == before


def test_delete_moves_only_the_take_and_only_into_the_trash(three, tmp_path):
    root, takes = three
    outside = _outside(tmp_path)
    before, outside_before = digest(root / "0001"), digest(outside)
    store = TakeStore(root)
    store.load()
    store.delete(takes[0])
    assert not (root / takes[0].folder).exists()
    assert sorted(p.name for p in root.iterdir()) == [TRASH_NAME, "0002", "0003", INDEX_NAME]
    (entry,) = (root / TRASH_NAME).iterdir()
    assert entry.name.endswith("-0001") and not entry.is_symlink()
    assert digest(entry) == before and digest(outside) == outside_before
    again = TakeStore(root)
    assert again.load() == [] and [t.id for t in again.takes] == [3, 2]


# -- the trash -----------------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["a link", "a file"])
def test_a_trash_that_is_not_a_real_folder_is_never_used(three, tmp_path, what):
    root, takes = three
    outside = _outside(tmp_path)
    before = digest(outside)
    if what == "a link":
        os.symlink(outside, root / TRASH_NAME)
    else:
        (root / TRASH_NAME).write_text("not a folder")
    store = TakeStore(root)
    warnings = store.load()
    assert len(warnings) == 1 and TRASH_NAME in warnings[0] and "\n" not in warnings[0]
    with pytest.raises(DataError, match="cannot delete"):
        store.delete(takes[0])
    assert (root / "0001" / "song.json").is_file()  # the take stayed where it was
    assert digest(outside) == before
    assert store.undo_delete().takes == ()
    assert digest(outside) == before


def _deleted_take(root: Path, name: str, take_json: str | None, song_json: str | None) -> Path:
    entry = root / TRASH_NAME / name
    entry.mkdir(parents=True)
    if take_json is not None:
        (entry / "take.json").write_text(take_json)
    if song_json is not None:
        (entry / "song.json").write_text(song_json)
    return entry


FUTURE = "9999999999999"  # a stamp newer than any delete: the damage is the next undo's first try
TRASH_DAMAGE = {  # name -> makes one damaged thing in the trash (root, outside)
    "a stray file": lambda r, o: (r / TRASH_NAME / "notes.txt").write_text("mine"),
    "a folder with another name": lambda r, o: (r / TRASH_NAME / "0009").mkdir(),
    "a link named like a deleted take": lambda r, o: os.symlink(
        o, r / TRASH_NAME / f"{FUTURE}-0009"
    ),
    "a file named like a deleted take": lambda r, o: (r / TRASH_NAME / f"{FUTURE}-0009").write_text(
        "x"
    ),
    "garbage take.json and song.json": lambda r, o: _deleted_take(r, f"{FUTURE}-0009", "{", "[[[["),
    "an entry pointing outside": lambda r, o: _deleted_take(
        r, f"{FUTURE}-0009", json.dumps({"id": 9, "folder": "../elsewhere"}), None
    ),
    "an empty entry": lambda r, o: _deleted_take(r, f"{FUTURE}-0009", None, None),
}


@pytest.mark.parametrize("kind", TRASH_DAMAGE)
def test_damage_in_the_trash_is_a_one_line_warning_and_left_alone(three, tmp_path, kind):
    root, takes = three
    outside = _outside(tmp_path)
    store = TakeStore(root)
    store.load()
    store.delete(takes[2])
    (deleted,) = (root / TRASH_NAME).iterdir()
    TRASH_DAMAGE[kind](root, outside)
    damage = {p.name for p in (root / TRASH_NAME).iterdir()} - {deleted.name}
    outside_before = digest(outside)
    again = TakeStore(root)
    warnings = again.load()
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert again.undo_delete().takes == (takes[2],)  # the damage is skipped, never restored
    assert again.undo_delete().takes == ()
    assert {p.name for p in (root / TRASH_NAME).iterdir()} == damage  # left where it was
    assert not (root / "0009").exists() and digest(outside) == outside_before
    assert [t.id for t in again.takes] == [3, 2, 1]


def test_purge_never_follows_a_link_in_the_trash(three, tmp_path):
    root, takes = three
    outside = _outside(tmp_path)
    before = digest(outside)
    store = TakeStore(root, trash=TrashPolicy(max_takes=0))
    store.load()
    (root / TRASH_NAME).mkdir()
    os.symlink(outside, root / TRASH_NAME / "1-0009")
    store.delete(takes[0])  # purges everything it may
    assert digest(outside) == before
    assert [p.name for p in (root / TRASH_NAME).iterdir()] == ["1-0009"]


def test_undo_never_overwrites_a_folder_that_took_the_number(three):
    root, takes = three
    store = TakeStore(root)
    store.load()
    store.delete(takes[2])
    (root / "0003").mkdir()
    (root / "0003" / "mine.txt").write_text("not a take")
    again = TakeStore(root)
    warnings = again.load()
    assert len(warnings) == 1 and "0003" in warnings[0] and "in use" in warnings[0]
    assert again.undo_delete().takes == ()
    assert (root / "0003" / "mine.txt").read_text() == "not a take"
    assert len(list((root / TRASH_NAME).iterdir())) == 1  # still kept
