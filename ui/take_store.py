"""The take history on disk: every generated or captured clip, kept across restarts.

No Qt here (it is tested without a display). A take is a folder under the store root::

    takes/
      index.json                  # {"version": 1, "next_id": 8, "takes": [{...}, ...]}
      .trash/                     # deleted takes, kept for undo (see take_trash.py)
      0007/
        take.json                 # this take's own entry (the index is rebuilt from these)
        song.json                 # the notes, exactly (the source of truth)
        JamBridge 0007 Acid.mid   # the whole take: type-1, tempo, names, programs, ch. 10 drums
        JamBridge 0007 Acid - Bass.mid   # one file per track (what a lane drag drops)

The ``.mid`` files are written when the take is added, so a drag out of the window only points
at a file that is already there. Every JSON file is written atomically and read through
:mod:`jambridge.safe_json`.

The store never loses or overwrites a take, and never touches anything outside its root:

- a new take gets a folder that does not exist yet, numbered above every take folder on disk
  and the index's ``next_id``, so a lost or damaged index can never renumber over ``0001/``;
- an index that cannot be read (or holds damaged entries) is kept aside as ``index.json.bad``
  (``.bad.2``, ... when that exists) and the history is rebuilt from the folders on disk; a
  folder the index lacks is recovered from its ``take.json`` (or its ``song.json``);
- a take folder is always a plain ``0007``-style name directly under the root: an entry naming
  ``../elsewhere`` or ``/abs`` is refused, and a folder that is a symbolic link is left alone
  (never read, written or deleted);
- a deleted take goes to the trash (:mod:`jambridge.ui.take_trash`), and
  :meth:`TakeStore.undo_delete` brings it back as it was: a number in the trash is never reused.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from jambridge import safe_json
from jambridge.errors import DataError
from jambridge.generation import split_stems
from jambridge.midi_io import write_midi
from jambridge.music import ROLES, Song
from jambridge.roles import ROLE_SPECS
from jambridge.ui.take_index import (
    FOLDER_NAME,
    INDEX_NAME,
    INDEX_VERSION,
    KIND_TAGS,
    KINDS,
    MAX_TAKE_ID,
    SONG_LIMITS,
    SONG_NAME,
    TAKE_NAME,
    Take,
    is_take_name,
    read_index,
    read_take_folder,
    song_from_data,
    song_to_data,
)
from jambridge.ui.take_trash import TakeTrash, TrashPolicy
from jambridge.user_dirs import takes_dir

__all__ = [
    "INDEX_NAME", "INDEX_VERSION", "KINDS", "KIND_TAGS", "SONG_NAME", "TAKE_NAME", "Take",
    "TakeStore", "TrashPolicy", "Undone", "song_from_data", "song_to_data",
]  # fmt: skip
LEGACY_TRASH = ".deleted-"  # older versions renamed a take being deleted to this, then removed it


def default_takes_dir() -> Path:
    """``takes/`` next to the bridge's ``captures/`` (see :mod:`jambridge.user_dirs`)."""
    return takes_dir()


def _safe(text: str) -> str:
    """A file-name-safe version of ``text`` (letters, digits, space, - and _)."""
    kept = "".join(c if c.isalnum() or c in " -_" else "-" for c in text).strip()
    return kept or "take"


@dataclass(frozen=True)
class Undone:
    """What :meth:`TakeStore.undo_delete` brought back."""

    takes: tuple[Take, ...]  # newest first; empty when there was nothing to undo
    warnings: tuple[str, ...]  # deleted takes that could not come back, one line each


class TakeStore:
    """The take history in ``root`` (see the module docstring). Not thread-safe: one owner
    (the app's file worker) at a time; reads of :attr:`takes` return an immutable tuple.
    ``trash`` says how long deleted takes are kept; ``clock`` dates deletes (tests fake it)."""

    def __init__(
        self,
        root: Path | str | None = None,
        trash: TrashPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = Path(root) if root is not None else default_takes_dir()
        self.trash = TakeTrash(self.root, trash, clock)
        self._takes: tuple[Take, ...] = ()
        self._next_id = 1

    @property
    def takes(self) -> tuple[Take, ...]:
        """Every take, newest first."""
        return self._takes

    def load(self) -> list[str]:
        """Read the history: the index, checked against the take folders on disk. Returns
        warnings (takes gone, recovered, a damaged index kept aside, damage in the trash); never
        raises for a damaged history. Deleted takes past the trash's policy go for good."""
        self._sweep_legacy_trash()
        trash = self.trash.scan()
        in_trash = {e.folder for e in trash.entries}
        path = self.root / INDEX_NAME
        index = read_index(path) if path.exists() or path.is_symlink() else None
        warnings: list[str] = []
        kept_aside = True
        if index is not None and index.damage:
            kept_aside, warning = self._keep_aside(path, index.damage)
            warnings.append(warning)
        on_disk = self._folders()
        alive = {name for name, p in on_disk.items() if (p / SONG_NAME).is_file()}
        kept: dict[int, Take] = {}
        listed: set[str] = set()
        finished = False  # a delete stopped before it wrote the index: the take is in the trash
        for take in index.takes if index else ():
            if take.id in kept or take.folder in listed:
                warnings.append(f"take #{take.id} is listed twice; kept the first")
            elif take.folder in in_trash and take.folder not in on_disk:
                finished = True
            elif take.folder not in alive:
                warnings.append(self._gone(take))
            else:
                kept[take.id] = take
                listed.add(take.folder)
        for folder in sorted(alive - listed):
            take = read_take_folder(on_disk[folder], folder)
            if take is not None and take.id not in kept:
                kept[take.id] = take
                warnings.append(f"take #{take.id} ({take.name}) recovered from its folder")
        self._takes = tuple(sorted(kept.values(), key=lambda t: -t.id))
        for take in self._takes:  # takes from before take.json: the rebuild needs it
            if not (on_disk[take.folder] / TAKE_NAME).exists():
                with suppress(DataError):  # best effort: the index still has the entry
                    _write_json(on_disk[take.folder] / TAKE_NAME, take.to_data())
        highest = max([0, *kept, *(int(f) for f in on_disk.keys() | in_trash)])
        self._next_id = max(index.next_id if index else 1, highest + 1)
        if kept_aside and (warnings or finished or (index is None and kept)):
            self._write_index()
        self.trash.purge()
        blocked = [f"{e.path}: deleted take {e.folder} cannot come back, the number is in use"
                   for e in trash.entries if e.folder in on_disk]  # fmt: skip
        return warnings + list(trash.warnings) + blocked

    def add(
        self,
        song: Song,
        kind: str,
        title: str,
        preset: str = "",
        seed: int | None = None,
    ) -> Take:
        """Store ``song`` as a new take: notes, the whole .mid and one .mid per track, in a
        folder that did not exist before.

        Raises:
            DataError: ``kind`` is unknown, the song is empty, or the files cannot be written.
        """
        if kind not in KINDS:
            raise DataError(f"take kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if not song.tracks:
            raise DataError("a take needs at least one track")
        take_id, directory = self._new_folder()
        name = f"JamBridge {take_id:04d} {_safe(title)}"
        song = replace(song, name=name, length_bars=max(song.length_bars, 1))
        take = Take(
            id=take_id,
            name=name,
            kind=kind,
            created=time.strftime("%Y-%m-%dT%H:%M:%S"),
            bpm=song.tempo_bpm,
            bars=song.length_bars,
            roles=tuple(r for r in ROLES if song.track(r) is not None),
            folder=directory.name,
            preset=preset,
            seed=seed,
        )
        self._next_id = take_id + 1
        _write_json(directory / SONG_NAME, song_to_data(song))
        write_midi(song, self.midi_path(take))
        for stem in split_stems(song):
            write_midi(stem, self.midi_path(take, stem.tracks[0].role))
        _write_json(directory / TAKE_NAME, take.to_data())
        self._takes = (take, *self._takes)
        self._write_index()
        return take

    def song(self, take: Take) -> Song:
        """The notes of ``take``.

        Raises:
            DataError: the take's files are gone or damaged, or its folder is not the store's.
        """
        path = self._folder(take) / SONG_NAME
        try:
            data = safe_json.load_file(path, "a take", DataError, SONG_LIMITS)
        except DataError as err:
            raise DataError(f"take #{take.id}: {err}") from None
        return song_from_data(data, str(path))

    def midi_path(self, take: Take, role: str | None = None) -> Path:
        """The whole take's .mid file, or the one of ``role``'s track.

        Raises:
            DataError: the take's folder or name is not one the store writes (never for a
                stored take).
        """
        suffix = f" - {ROLE_SPECS[role].track_name}" if role else ""
        if not is_take_name(take.name):
            raise DataError(f"take #{take.id}: {take.name!r:.60} is not a take name")
        return self._folder(take, links_ok=True) / f"{take.name}{suffix}.mid"

    def delete(self, *takes: Take) -> None:
        """Move ``takes`` to the trash, as one delete that :meth:`undo_delete` takes back (a
        crash leaves each take either here or there). A folder that is a link, or not the
        store's, is left alone.

        Raises:
            DataError: a folder cannot be moved (those before it are deleted), or one is not
                this store's to delete (then none is).
        """
        stored = [next((t for t in self._takes if t.id == take.id), take) for take in takes]
        folders = [self._folder(t) for t in stored]
        stamp = self.trash.next_stamp()
        try:
            for take, folder in zip(stored, folders, strict=True):
                if folder.exists():
                    self.trash.put(folder, stamp)
                self._takes = tuple(t for t in self._takes if t.id != take.id)
        finally:
            self._write_index()
        self.trash.purge()

    def undo_delete(self) -> Undone:
        """Bring back the takes of the last delete the trash still holds (one from before a
        restart too): their folders as they were, their numbers and places in the history.
        A damaged one, or one whose number is in use again (by hand), stays in the trash."""
        ids, folders = {t.id for t in self._takes}, self._folders()
        ready = [
            (e, e.take)
            for e in self.trash.scan().entries
            if e.take and e.take.id not in ids and e.folder not in folders
        ]
        if not ready:
            return Undone((), ())
        back: list[Take] = []
        warnings = []
        for entry, take in ready:
            if entry.stamp != ready[-1][0].stamp:
                continue
            try:
                self.trash.take_back(entry, self.root / entry.folder)
                back.append(take)
            except DataError as err:
                warnings.append(str(err))
        if back:
            self._takes = tuple(sorted((*self._takes, *back), key=lambda t: -t.id))
            self._next_id = max(self._next_id, *(t.id + 1 for t in back))
            self._write_index()
        return Undone(tuple(sorted(back, key=lambda t: -t.id)), tuple(warnings))

    def export_stems(self, take: Take, folder: Path | str) -> list[Path]:
        """Copy the take's per-track .mid files into ``folder`` (created if needed).

        Raises:
            DataError: the folder cannot be written or a stem is missing.
        """
        out = Path(folder)
        written = []
        self._folder(take)  # a link is not followed
        sources = [self.midi_path(take, role) for role in take.roles]
        try:
            out.mkdir(parents=True, exist_ok=True)
            for source in sources:
                target = out / source.name
                shutil.copyfile(source, target)
                written.append(target)
        except OSError as err:
            raise DataError(f"cannot export stems to {out}: {err.strerror or err}") from err
        return written

    # -- the folders -----------------------------------------------------------------------------

    def _folder(self, take: Take, links_ok: bool = False) -> Path:
        """The take's folder, checked: a plain take-folder name right under the root, and not
        a link unless ``links_ok`` (for a path that is only shown or dragged)."""
        path = self.root / take.folder
        if not FOLDER_NAME.fullmatch(take.folder):
            raise DataError(f"take #{take.id}: {take.folder!r:.60} is not a take folder name")
        if links_ok:
            return path
        if path.is_symlink() or path.resolve().parent != self.root.resolve():
            raise DataError(f"take #{take.id}: {path} is a link; the store does not follow it")
        return path

    def _folders(self) -> dict[str, Path]:
        """Take folders on disk: plain, numbered, real folders (links are skipped)."""
        try:
            entries = list(os.scandir(self.root))
        except OSError:
            return {}
        return {
            e.name: Path(e.path)
            for e in entries
            if FOLDER_NAME.fullmatch(e.name) and e.is_dir(follow_symlinks=False)
        }

    def _new_folder(self) -> tuple[int, Path]:
        """The next id whose folder does not exist yet, and that folder, created."""
        take_id = self._next_id
        if self.root.exists() and not self.root.is_dir():
            raise DataError(f"cannot write a take to {self.root}: it is a file, not a folder")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            while take_id <= MAX_TAKE_ID:
                directory = self.root / f"{take_id:04d}"
                try:
                    directory.mkdir()
                    return take_id, directory
                except FileExistsError:
                    take_id += 1  # a folder (or link) the index did not know: never reuse it
        except OSError as err:
            raise DataError(f"cannot write a take to {self.root}: {err.strerror or err}") from err
        raise DataError(f"the take history in {self.root} is full ({MAX_TAKE_ID} takes)")

    def _gone(self, take: Take) -> str:
        path = self.root / take.folder
        if path.is_symlink():
            return f"take #{take.id}: {path} is a link; left alone and dropped from the history"
        return f"take #{take.id} ({take.name}) is gone from {path}"

    def _sweep_legacy_trash(self) -> None:
        """Finish deletes of an older version that a crash interrupted (never links)."""
        try:
            entries = list(os.scandir(self.root))
        except OSError:
            return
        for e in entries:
            if e.name.startswith(LEGACY_TRASH) and e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path, ignore_errors=True)

    # -- the index -------------------------------------------------------------------------------

    def _keep_aside(self, path: Path, damage: tuple[str, ...]) -> tuple[bool, str]:
        """Move the damaged index to the first free ``index.json.bad[.N]``: (moved, warning)."""
        more = f" (and {len(damage) - 1} more problem(s))" if len(damage) > 1 else ""
        n = 1
        while (bad := path.with_name(INDEX_NAME + ".bad" + (f".{n}" if n > 1 else ""))).exists():
            n += 1
        try:
            os.replace(path, bad)
        except OSError as err:
            return False, f"{damage[0]}{more}; it could not be kept aside ({err.strerror or err})"
        return True, f"{damage[0]}{more}; kept it as {bad.name}, rebuilt from the take folders"

    def _write_index(self) -> None:
        data = {
            "version": INDEX_VERSION,
            "next_id": self._next_id,
            "takes": [t.to_data() for t in self._takes],
        }
        _write_json(self.root / INDEX_NAME, data, indent=1)


def _write_json(path: Path, data: object, indent: int | None = None) -> None:
    """Write atomically: a temporary file, flushed to disk, then renamed over ``path``.

    Raises:
        DataError: the file cannot be written (the message says where and why).
    """
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(data, indent=indent))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as err:
        raise DataError(f"cannot write {path}: {err.strerror or err}") from err
