"""The take store under a damaged history and hostile entries (issue 15, items 2 and 3): it never
renumbers over existing takes, keeps every damaged index aside without overwriting an older one,
rebuilds from the folders on disk, and never reads, writes or deletes outside its own folder."""

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
from jambridge.ui.take_store import INDEX_NAME, Take, TakeStore


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


def test_delete_removes_only_the_take(three):
    root, takes = three
    store = TakeStore(root)
    store.load()
    store.delete(takes[0])
    assert not (root / takes[0].folder).exists()
    assert sorted(p.name for p in root.iterdir()) == ["0002", "0003", INDEX_NAME]
    again = TakeStore(root)
    assert again.load() == [] and [t.id for t in again.takes] == [3, 2]
