"""The take history's files as data: index entries checked on the way in, and a take's notes
(``song.json``) to and from JSON.

No Qt, no file writes. :func:`take_from_data` turns one entry of ``index.json`` (or a folder's
``take.json``) into a :class:`Take`, refusing anything off (wrong types, a NaN tempo, a folder
that is not a plain take-folder name); :func:`read_index` reads the whole index through
:mod:`jambridge.safe_json` and says what it had to leave out; :func:`read_take_folder` reads the
entry of one take folder (the store's and the trash's).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

from jambridge import safe_json
from jambridge.errors import DataError, JamBridgeError
from jambridge.music import ROLES, Key, Note, Song, Track

INDEX_NAME = "index.json"
SONG_NAME = "song.json"
TAKE_NAME = "take.json"  # a take folder's own entry (the index is rebuilt from these)
INDEX_VERSION = 1
# where a take came from ("infilled": bars of one track written afresh, the rest kept)
KINDS = ("generated", "regenerated", "infilled", "captured", "jam", "recovered")
KIND_TAGS = {"generated": "gen", "regenerated": "regen", "infilled": "fill", "captured": "riff",
             "jam": "jam"}  # fmt: skip
MAX_TAKE_ID = 99_999_999  # folder names stay 4 to 8 digits
FOLDER_NAME = re.compile(r"[0-9]{4,8}")  # the only folder names a take may have: "0007"
# ~200 bytes an entry: 16 MB is ~80,000 takes. A song.json of a 64-bar take is ~300 kB.
INDEX_LIMITS = safe_json.JsonLimits(max_bytes=16_000_000)
SONG_LIMITS = safe_json.JsonLimits(max_bytes=16_000_000)


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
    folder: str  # folder name under the store root: FOLDER_NAME, f"{id:04d}"
    preset: str = ""  # preset name it was made with ("" for captures)
    seed: int | None = None  # generator seed, when there was one

    @property
    def label(self) -> str:
        """One line for the list: ``#7 Acid (gen) · 8 bars · 132 BPM``."""
        what = self.name.split(" ", 2)[-1] if self.name.startswith("JamBridge ") else self.name
        kind = KIND_TAGS.get(self.kind, self.kind)
        return f"#{self.id} {what} ({kind}) · {self.bars} bars · {self.bpm:g} BPM"

    def to_data(self) -> dict:
        """The JSON entry (index.json's and take.json's)."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "created": self.created,
            "bpm": self.bpm,
            "bars": self.bars,
            "roles": list(self.roles),
            "folder": self.folder,
            "preset": self.preset,
            "seed": self.seed,
        }


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: object, limit: int = 200) -> bool:
    return isinstance(value, str) and len(value) <= limit and value.isprintable()


def is_take_name(value: object) -> bool:
    """True for a name fit for file names: letters, digits, space, - and _ (what the store
    writes); a name from a file is never allowed to carry a path."""
    if not (isinstance(value, str) and _is_text(value)):
        return False
    return bool(value) and all(c.isalnum() or c in " -_" for c in value)


_FIELDS = {  # field -> (check, what it must be)
    "id": (lambda v: _is_int(v) and 1 <= v <= MAX_TAKE_ID, f"an integer 1..{MAX_TAKE_ID}"),
    "name": (is_take_name, "letters, digits, spaces, - and _"),
    "kind": (lambda v: v in KINDS, f"one of {', '.join(KINDS)}"),
    "created": (lambda v: _is_text(v, 40), "a date"),
    "bpm": (
        lambda v: (_is_int(v) or isinstance(v, float)) and math.isfinite(v) and 1 <= v <= 1000,
        "a tempo 1..1000",
    ),
    "bars": (lambda v: _is_int(v) and 0 <= v <= 100_000, "a bar count"),
    "roles": (
        lambda v: isinstance(v, list) and all(r in ROLES for r in v) and len(v) <= len(ROLES),
        f"a list of {', '.join(ROLES)}",
    ),
    "folder": (lambda v: isinstance(v, str) and FOLDER_NAME.fullmatch(v), "a take folder name"),
    "preset": (lambda v: _is_text(v), "text"),
    "seed": (lambda v: v is None or _is_int(v), "an integer or null"),
}
_REQUIRED = ("id", "name", "kind", "created", "bpm", "bars", "roles", "folder")


def take_from_data(data: object) -> Take:
    """A Take from one JSON entry; unknown fields are ignored (a newer version's).

    Raises:
        DataError: a field is missing or not what it must be (the message names it).
    """
    if not isinstance(data, dict):
        raise DataError("an entry is not an object")
    for name in _REQUIRED:
        if name not in data:
            raise DataError(f"an entry has no {name}")
    for name, (check, what) in _FIELDS.items():
        if name in data and not check(data[name]):
            raise DataError(f"an entry's {name} must be {what}, got {data[name]!r:.40}")
    fields = {k: data[k] for k in _FIELDS if k in data}
    return Take(**{**fields, "roles": tuple(data["roles"]), "bpm": float(data["bpm"])})


@dataclass(frozen=True)
class IndexRead:
    """What :func:`read_index` found."""

    takes: tuple[Take, ...]  # the entries that passed, in file order
    next_id: int  # the index's next id (1 when it had none that passed)
    damage: tuple[str, ...]  # what was wrong; empty when the file is sound


def read_index(path: Path) -> IndexRead:
    """Read ``index.json``. Never raises for a damaged file: what could not be used is said in
    ``damage`` (the whole file when it cannot be parsed, else each bad entry)."""
    try:
        data = safe_json.load_file(path, "the take history", DataError, INDEX_LIMITS)
    except DataError as err:
        return IndexRead((), 1, (str(err),))
    if not isinstance(data, dict) or not isinstance(data.get("takes"), list):
        return IndexRead((), 1, (f"{path}: not a take history (no list of takes)",))
    damage: list[str] = []
    next_id = data.get("next_id", 1)
    if not (_is_int(next_id) and 1 <= next_id <= MAX_TAKE_ID + 1):
        damage.append(f"{path}: next_id must be an integer 1..{MAX_TAKE_ID}, got {next_id!r:.40}")
        next_id = 1
    takes = []
    for i, entry in enumerate(data["takes"]):
        try:
            takes.append(take_from_data(entry))
        except DataError as err:
            damage.append(f"{path}: entry {i}: {err}")
    return IndexRead(tuple(takes), next_id, tuple(damage))


def read_take_folder(path: Path, folder: str) -> Take | None:
    """The entry of the take folder at ``path`` (its folder name in the store: ``folder``): its
    take.json, else rebuilt from its song.json (kind "recovered"); None when it is not a take."""
    try:
        take = take_from_data(safe_json.load_file(path / TAKE_NAME, "a take entry", DataError))
        if take.folder == folder:
            return take
    except DataError:
        pass
    try:
        data = safe_json.load_file(path / SONG_NAME, "a take", DataError, SONG_LIMITS)
        song = song_from_data(data, str(path))
        created = time.localtime((path / SONG_NAME).stat().st_mtime)
    except (DataError, OSError):
        return None  # not a take
    return Take(
        id=int(folder),
        name=song.name if is_take_name(song.name) else f"JamBridge {folder}",
        kind="recovered",
        created=time.strftime("%Y-%m-%dT%H:%M:%S", created),
        bpm=song.tempo_bpm,
        bars=song.length_bars,
        roles=tuple(r for r in ROLES if song.track(r) is not None),
        folder=folder,
    )


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
    except (KeyError, TypeError, ValueError, AttributeError, JamBridgeError) as err:
        why = f"{type(err).__name__}: {str(err)[:100]}"
        raise DataError(f"{where}: not a JamBridge take ({why})") from None
