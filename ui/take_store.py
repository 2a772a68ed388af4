"""The take history on disk: every generated or captured clip, kept across restarts.

No Qt here (it is tested without a display). A take is a folder under the store root::

    takes/
      index.json                  # {"version": 1, "next_id": 8, "takes": [{...}, ...]}
      0007/
        song.json                 # the notes, exactly (the source of truth)
        JamBridge 0007 Acid.mid   # the whole take: type-1, tempo, names, programs, ch. 10 drums
        JamBridge 0007 Acid - Bass.mid   # one file per track (what a lane drag drops)

The ``.mid`` files are written when the take is added, so a drag out of the window only points
at a file that is already there. ``index.json`` is replaced atomically; a take whose folder has
gone is dropped from the index on load (and reported), and an index that cannot be read is kept
aside as ``index.json.bad`` and the history starts afresh (reported, never fatal).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from jambridge.errors import DataError
from jambridge.generation import split_stems
from jambridge.midi_io import write_midi
from jambridge.music import ROLES, Key, Note, Song, Track
from jambridge.roles import ROLE_SPECS

INDEX_NAME = "index.json"
SONG_NAME = "song.json"
INDEX_VERSION = 1
KINDS = ("generated", "regenerated", "captured", "jam")  # where a take came from
KIND_TAGS = {"generated": "gen", "regenerated": "regen", "captured": "riff", "jam": "jam"}


def default_takes_dir() -> Path:
    """``takes/`` next to the bridge's ``captures/`` in the platform data folder
    (``$XDG_DATA_HOME/jambridge`` on Linux, ``~/Library/Application Support/JamBridge`` on
    macOS, ``%APPDATA%/JamBridge`` on Windows)."""
    from jambridge.bridge.capture import captures_dir

    return captures_dir().parent / "takes"


@dataclass(frozen=True)
class Take:
    """One entry of the history (what index.json holds; the notes are in the folder)."""

    id: int  # 1, 2, ... never reused
    name: str  # shown in the list and used in file names, e.g. "JamBridge 0007 Acid"
    kind: str  # one of KINDS
    created: str  # local time, ISO 8601 to the second
    bpm: float  # tempo written to the files
    bars: int  # length in bars
    roles: tuple[str, ...]  # tracks in the take, in ROLES order
    folder: str  # folder name under the store root
    preset: str = ""  # preset name it was made with ("" for captures)
    seed: int | None = None  # generator seed, when there was one

    @property
    def label(self) -> str:
        """One line for the list: ``#7 Acid (gen) · 8 bars · 132 BPM``."""
        what = self.name.split(" ", 2)[-1] if self.name.startswith("JamBridge ") else self.name
        kind = KIND_TAGS.get(self.kind, self.kind)
        return f"#{self.id} {what} ({kind}) · {self.bars} bars · {self.bpm:g} BPM"


def song_to_data(song: Song) -> dict:
    """A Song as plain JSON data (exact: grid times survive as floats rounded to 1e-9)."""
    return {
        "tempo_bpm": song.tempo_bpm,
        "key": song.key.name if song.key else None,
        "style": song.style,
        "name": song.name,
        "length_bars": song.length_bars,
        "tracks": [
            {
                "role": t.role,
                "program": t.program,
                "channel": t.channel,
                "name": t.name,
                "notes": [[n.pitch, n.start_beats, n.duration_beats, n.velocity] for n in t.notes],
            }
            for t in song.tracks
        ],
    }


def song_from_data(data: dict, where: str = SONG_NAME) -> Song:
    """:func:`song_to_data` backwards.

    Raises:
        DataError: the data is not a song (names ``where`` and the problem).
    """
    try:
        tracks = tuple(
            Track(
                role=t["role"],
                notes=tuple(Note(*n) for n in t["notes"]),
                program=t["program"],
                channel=t["channel"],
                name=t.get("name", ""),
            )
            for t in data["tracks"]
        )
        key = Key.parse(data["key"]) if data.get("key") else None
        return Song(
            tracks=tracks,
            tempo_bpm=data["tempo_bpm"],
            key=key,
            style=data.get("style", "techno"),
            name=data.get("name", ""),
            length_bars=data.get("length_bars", 0),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise DataError(f"{where}: not a JamBridge take ({type(err).__name__}: {err})") from err


def _safe(text: str) -> str:
    """A file-name-safe version of ``text`` (letters, digits, space, - and _)."""
    kept = "".join(c if c.isalnum() or c in " -_" else "-" for c in text).strip()
    return kept or "take"


class TakeStore:
    """The take history in ``root`` (see the module docstring). Not thread-safe: one owner
    (the app's file worker) at a time; reads of :attr:`takes` return an immutable tuple."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_takes_dir()
        self._takes: tuple[Take, ...] = ()
        self._next_id = 1

    @property
    def takes(self) -> tuple[Take, ...]:
        """Every take, newest first."""
        return self._takes

    def load(self) -> list[str]:
        """Read the index. Returns warnings (takes dropped, index reset); never raises for a
        damaged history."""
        path = self.root / INDEX_NAME
        warnings: list[str] = []
        if not path.is_file():
            self._takes, self._next_id = (), 1
            return warnings
        try:
            data = json.loads(path.read_text())
            takes = [
                Take(**{**t, "roles": tuple(t["roles"])})
                for t in data["takes"]
                if isinstance(t, dict)
            ]
            next_id = int(data.get("next_id", 1))
        except (OSError, ValueError, KeyError, TypeError) as err:
            bad = path.with_name(INDEX_NAME + ".bad")
            os.replace(path, bad)
            self._takes, self._next_id = (), 1
            return [f"the take history {path} could not be read ({err}); kept it as {bad.name}"]
        alive = [t for t in takes if (self.root / t.folder / SONG_NAME).is_file()]
        for t in takes:
            if t not in alive:
                warnings.append(f"take #{t.id} ({t.name}) is gone from {self.root / t.folder}")
        self._takes = tuple(sorted(alive, key=lambda t: -t.id))
        self._next_id = max([next_id, *(t.id + 1 for t in alive)])
        if len(alive) != len(takes):
            self._write_index()
        return warnings

    def add(
        self,
        song: Song,
        kind: str,
        title: str,
        preset: str = "",
        seed: int | None = None,
    ) -> Take:
        """Store ``song`` as a new take: notes, the whole .mid and one .mid per track.

        Raises:
            DataError: ``kind`` is unknown, the song is empty, or the files cannot be written.
        """
        if kind not in KINDS:
            raise DataError(f"take kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if not song.tracks:
            raise DataError("a take needs at least one track")
        take_id = self._next_id
        name = f"JamBridge {take_id:04d} {_safe(title)}"
        folder = f"{take_id:04d}"
        song = replace(song, name=name, length_bars=max(song.length_bars, 1))
        take = Take(
            id=take_id,
            name=name,
            kind=kind,
            created=time.strftime("%Y-%m-%dT%H:%M:%S"),
            bpm=song.tempo_bpm,
            bars=song.length_bars,
            roles=tuple(r for r in ROLES if song.track(r) is not None),
            folder=folder,
            preset=preset,
            seed=seed,
        )
        directory = self.root / folder
        try:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / SONG_NAME).write_text(json.dumps(song_to_data(song)))
        except OSError as err:
            raise DataError(f"cannot write the take to {directory}: {err.strerror}") from err
        write_midi(song, self.midi_path(take))
        for stem in split_stems(song):
            write_midi(stem, self.midi_path(take, stem.tracks[0].role))
        self._takes = (take, *self._takes)
        self._next_id = take_id + 1
        self._write_index()
        return take

    def song(self, take: Take) -> Song:
        """The notes of ``take``.

        Raises:
            DataError: the take's files are gone or damaged.
        """
        path = self.root / take.folder / SONG_NAME
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as err:
            raise DataError(f"take #{take.id}: cannot read {path} ({err})") from err
        return song_from_data(data, str(path))

    def midi_path(self, take: Take, role: str | None = None) -> Path:
        """The whole take's .mid file, or the one of ``role``'s track."""
        suffix = f" - {ROLE_SPECS[role].track_name}" if role else ""
        return self.root / take.folder / f"{take.name}{suffix}.mid"

    def delete(self, take: Take) -> None:
        """Remove ``take`` and its files."""
        shutil.rmtree(self.root / take.folder, ignore_errors=True)
        self._takes = tuple(t for t in self._takes if t.id != take.id)
        self._write_index()

    def export_stems(self, take: Take, folder: Path | str) -> list[Path]:
        """Copy the take's per-track .mid files into ``folder`` (created if needed).

        Raises:
            DataError: the folder cannot be written or a stem is missing.
        """
        out = Path(folder)
        written = []
        try:
            out.mkdir(parents=True, exist_ok=True)
            for role in take.roles:
                source = self.midi_path(take, role)
                target = out / source.name
                shutil.copyfile(source, target)
                written.append(target)
        except OSError as err:
            raise DataError(f"cannot export stems to {out}: {err.strerror or err}") from err
        return written

    def _write_index(self) -> None:
        data = {
            "version": INDEX_VERSION,
            "next_id": self._next_id,
            "takes": [{**asdict(t), "roles": list(t.roles)} for t in self._takes],
        }
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / (INDEX_NAME + ".tmp")
        try:
            tmp.write_text(json.dumps(data, indent=1))
            os.replace(tmp, self.root / INDEX_NAME)
        except OSError as err:
            raise DataError(f"cannot write the take history {tmp}: {err.strerror}") from err
