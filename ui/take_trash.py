"""The take store's trash: deleted takes kept for a while, so a delete can be undone, also after
a restart.

No Qt here. Deleting moves a take's folder, untouched, into ``.trash/`` in the store root (one
rename each); undoing moves it back::

    takes/
      .trash/
        1718000000123-0007/   # take #7's folder as it was, deleted at that time (ms since 1970)
        1718000000123-0006/   # the same stamp: deleted together, brought back together

The newest stamp is the next undo. Deleted takes older than :attr:`TrashPolicy.max_age_days`,
or past the newest :attr:`TrashPolicy.max_takes`, are removed for good. The store's rules hold
here too: ``.trash`` is a real folder right under the root (never a link), an entry is a name the
store writes and a real folder; anything else in it is reported in one line and left alone, and
an entry whose take cannot be read is reported and never brought back (purged with the rest).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jambridge.errors import DataError
from jambridge.ui.take_index import Take, read_take_folder

TRASH_NAME = ".trash"
ENTRY_NAME = re.compile(r"([0-9]{1,18})-([0-9]{4,8})")  # "<stamp>-<take folder>"
DAY_MS = 86_400_000


@dataclass(frozen=True)
class TrashPolicy:
    """How long deleted takes are kept for undo."""

    max_age_days: float = 30.0  # older ones go at the next start or delete
    max_takes: int = 100  # at most this many are kept, the oldest go first (a take: ~20-300 kB)


@dataclass(frozen=True)
class Trashed:
    """One deleted take in the trash."""

    stamp: int  # when it was deleted, ms since 1970; one stamp per delete (undone together)
    folder: str  # its folder name in the store, "0007" (its number: never reused)
    path: Path  # where it is now: .trash/<stamp>-<folder>
    take: Take | None = None  # its entry (None: not read yet, or damaged)


@dataclass(frozen=True)
class TrashScan:
    """What :meth:`TakeTrash.scan` found."""

    entries: tuple[Trashed, ...]  # oldest first, each read (take None: damaged)
    warnings: tuple[str, ...]  # one line per thing in the trash that is not a deleted take


class TakeTrash:
    """The trash of the take store in ``root`` (see the module docstring). One owner, as the
    store."""

    def __init__(
        self, root: Path, policy: TrashPolicy | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.folder = root / TRASH_NAME
        self.policy = policy or TrashPolicy()
        self.clock = clock  # wall-clock seconds: stamps are dates on disk, not schedules

    def scan(self) -> TrashScan:
        """Every deleted take, read; never raises (damage is in ``warnings``)."""
        try:
            entries, warnings = self._entries()
        except DataError as err:
            return TrashScan((), (str(err),))
        read = []
        for e in entries:
            take = read_take_folder(e.path, e.folder)
            if take is None:
                warnings.append(f"{e.path}: a damaged deleted take; it cannot be undone")
            read.append(Trashed(e.stamp, e.folder, e.path, take))
        return TrashScan(tuple(read), tuple(warnings))

    def next_stamp(self) -> int:
        """The stamp of a new delete: now, and above every stamp in the trash."""
        try:
            newest = max((e.stamp for e in self._entries()[0]), default=0)
        except DataError:
            newest = 0
        return max(int(self.clock() * 1000), newest + 1)

    def put(self, path: Path, stamp: int) -> None:
        """Move the take folder ``path`` (checked by the store) into the trash under ``stamp``.

        Raises:
            DataError: the trash is not a real folder, or the move fails.
        """
        target = self.folder / f"{stamp}-{path.name}"
        try:
            self.folder.mkdir(exist_ok=True)
            self._check()
            if target.exists() or target.is_symlink():
                raise FileExistsError(f"{target} exists")
            os.rename(path, target)
        except OSError as err:
            raise DataError(f"cannot delete {path}: {err.strerror or err}") from err

    def take_back(self, entry: Trashed, target: Path) -> None:
        """Move ``entry`` back to ``target``, a path that must not exist.

        Raises:
            DataError: ``target`` exists, or the move fails; the entry stays in the trash.
        """
        if target.exists() or target.is_symlink():
            raise DataError(f"deleted take {entry.folder} cannot come back: {target} exists")
        try:
            self._check()
            os.rename(entry.path, target)
        except OSError as err:
            raise DataError(f"cannot bring back {entry.path}: {err.strerror or err}") from err

    def purge(self) -> int:
        """Remove for good the deleted takes past the policy; returns how many went."""
        try:
            entries = self._entries()[0]
        except DataError:
            return 0  # not a real folder: left alone (scan says so)
        oldest_kept = int(self.clock() * 1000) - int(self.policy.max_age_days * DAY_MS)
        newest_first = sorted(entries, key=lambda e: (e.stamp, e.folder), reverse=True)
        gone = 0
        for i, e in enumerate(newest_first):
            if i >= self.policy.max_takes or e.stamp < oldest_kept:
                shutil.rmtree(e.path, ignore_errors=True)  # a real folder: rmtree never follows
                gone += 1  # a link inside it, and refuses a link given to it
        return gone

    def _check(self) -> None:
        """Raise OSError unless the trash is a real folder (not a link)."""
        if self.folder.is_symlink() or not self.folder.is_dir():
            raise NotADirectoryError(f"{self.folder} is not a folder of the store (a link?)")

    def _entries(self) -> tuple[list[Trashed], list[str]]:
        """The well-named real folders in the trash (unread), and a warning for anything else.

        Raises:
            DataError: the trash is a link or a file (never looked into).
        """
        if not (self.folder.exists() or self.folder.is_symlink()):
            return [], []
        try:
            self._check()
            found = sorted(os.scandir(self.folder), key=lambda e: e.name)
        except OSError as err:
            raise DataError(f"{self.folder}: {err.strerror or err}; left alone") from err
        entries, warnings = [], []
        for e in found:
            match = ENTRY_NAME.fullmatch(e.name)
            if e.is_symlink():
                warnings.append(f"{e.path}: a link in the trash; left alone")
            elif match is None or not e.is_dir(follow_symlinks=False):
                warnings.append(f"{e.path}: not a deleted take; left alone")
            else:
                entries.append(Trashed(int(match[1]), match[2], Path(e.path)))
        entries.sort(key=lambda e: (e.stamp, e.folder))
        return entries, warnings
