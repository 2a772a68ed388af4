"""Sets of songs to evaluate: a folder of MIDI files, or the documents of a built dataset.

A :class:`SongSet` is a list of songs with where each came from (its *source*: a corpus name
such as ``groove`` or ``pop909``, which the report names per role) and what was skipped and why.

- :func:`load_midi_set` reads every ``.mid`` under a folder with
  :func:`jambridge.midi_io.read_midi`. A file in a subfolder named after a known corpus
  (``groove/``, ``pop909/``) takes that name as its source and the corpus's style token; other
  files take the folder's name. Songs without a key signature get an estimated key (as the
  dataset builder does), so n-gram prompts carry one.
- :func:`load_dataset_set` decodes the documents of a built dataset's split (default ``val``,
  the held-out files) with the dataset's own tokenizer; documents from the procedural generator
  are left out unless asked for, since they are not real music.

Both take at most ``max_bars`` bars (files or documents in a seeded random order) and crop each
song to at most ``max_song_bars`` bars (a seeded window of whole segments), so a set of many long
songs is a spread of songs rather than a few whole ones.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from jambridge.errors import DataError
from jambridge.music import Song

PROCEDURAL_SOURCE = "procedural"  # the dataset builder's name for its procedural songs


@dataclass(frozen=True)
class SetLimits:
    """How much of a set is read."""

    max_bars: int = 1024  # bars per set, at most (files / documents in a seeded random order)
    max_song_bars: int = 32  # bars per song, at most (a seeded window, whole segments)
    segment_bars: int = 4  # crop windows start on multiples of this
    seed: int = 0  # file order and crop windows

    def __post_init__(self) -> None:
        if self.max_bars < 1 or self.max_song_bars < 1 or self.segment_bars < 1:
            raise DataError(
                "max_bars, max_song_bars and segment_bars must be >= 1, got "
                f"{self.max_bars}, {self.max_song_bars}, {self.segment_bars}"
            )


@dataclass
class SongSet:
    """Songs and where they came from."""

    name: str  # how the report names the set
    songs: list[Song] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # per song: corpus / folder name
    skipped: Counter = field(default_factory=Counter)  # reason -> files or documents skipped
    origin: str = ""  # the path (or description) it was read from

    def __post_init__(self) -> None:
        if not self.sources:  # songs made in memory (a baseline): the set is their source
            self.sources = [self.name] * len(self.songs)
        if len(self.sources) != len(self.songs):
            raise DataError(f"{self.name}: {len(self.songs)} songs but {len(self.sources)} sources")

    @property
    def bars(self) -> int:
        return sum(s.length_bars for s in self.songs)

    def add(self, song: Song, source: str) -> None:
        self.songs.append(song)
        self.sources.append(source)

    def extend(self, other: SongSet) -> None:
        self.songs += other.songs
        self.sources += other.sources
        self.skipped.update(other.skipped)
        self.origin = ", ".join(filter(None, (self.origin, other.origin)))


def crop(song: Song, limits: SetLimits, rng: np.random.Generator) -> Song:
    """At most ``limits.max_song_bars`` bars of ``song``: a random window of whole segments."""
    if song.length_bars <= limits.max_song_bars:
        return song
    slots = (song.length_bars - limits.max_song_bars) // limits.segment_bars
    start = int(rng.integers(0, slots + 1)) * limits.segment_bars
    bars = song.bars()[start : start + limits.max_song_bars]
    return Song.from_bars(
        bars,
        tracks=song.tracks,
        tempo_bpm=song.tempo_bpm,
        key=song.key,
        style=song.style,
        name=song.name,
    )


def is_dataset(path: str | Path) -> bool:
    """True for a built dataset folder (``meta.json`` + ``val.bin``)."""
    p = Path(path)
    return (p / "meta.json").is_file() and (p / "val.bin").is_file()


def _source_of(root: Path, path: Path) -> str:
    from jambridge.dataset_sources import STYLE_BY_FOLDER

    parts = path.relative_to(root).parts if root.is_dir() else ()
    if len(parts) > 1 and parts[0].lower() in STYLE_BY_FOLDER:
        return parts[0]
    return root.resolve().name if root.is_dir() else root.resolve().parent.name


def _reason(err: Exception, path: Path) -> str:
    text = str(err).replace(str(path), "").lstrip(": ")
    return text.split("(")[0].strip()[:60] or type(err).__name__


def load_midi_set(
    path: str | Path, name: str | None = None, limits: SetLimits = SetLimits()
) -> SongSet:
    """Read the MIDI files under ``path`` (a folder or one file) into a :class:`SongSet`."""
    from jambridge.dataset_sources import STYLE_BY_FOLDER, find_midi_files
    from jambridge.keyfinder import estimate_key
    from jambridge.song_files import read_song

    root = Path(path)
    files = find_midi_files(root)
    if not files:
        raise DataError(f"{path}: no MIDI files (.mid, .midi) found")
    rng = np.random.default_rng(limits.seed)
    order = rng.permutation(len(files))
    out = SongSet(name or root.resolve().name, origin=str(path))
    for i in order:
        if out.bars >= limits.max_bars:
            break
        f = files[int(i)]
        try:
            song, _report = read_song(f)
        except DataError as err:
            out.skipped[_reason(err, f)] += 1
            continue
        source = _source_of(root, f)
        style = STYLE_BY_FOLDER.get(source.lower(), "other")
        song = replace(song, style=style, key=song.key or estimate_key(song))
        out.add(crop(song, limits, rng), source)
    return out


def load_dataset_set(
    path: str | Path,
    split: str = "val",
    name: str | None = None,
    limits: SetLimits = SetLimits(),
    include_procedural: bool = False,
) -> SongSet:
    """Decode the documents of a built dataset's split into a :class:`SongSet`."""
    from jambridge.dataset import load_split
    from jambridge.tokenizer import Tokenizer

    d = Path(path)
    tokens, docs = load_split(d, split)
    tok = Tokenizer.load(d / "tokenizer.json")
    try:
        meta = json.loads((d / "meta.json").read_text())
        source_names = [s["name"] for s in meta["sources"]]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise DataError(f"{d}/meta.json is unreadable: {err}") from None
    if len(docs) == 0:
        raise DataError(f"{d}: the {split} split has no documents")
    rng = np.random.default_rng(limits.seed)
    out = SongSet(name or f"{d.name} ({split})", origin=f"{d} ({split} split)")
    for i in rng.permutation(len(docs)):
        if out.bars >= limits.max_bars:
            break
        offset, length, source = (int(x) for x in docs[int(i)])
        source_name = source_names[source] if source < len(source_names) else f"source {source}"
        if source_name == PROCEDURAL_SOURCE and not include_procedural:
            out.skipped["procedural document (not real music)"] += 1
            continue
        song, skipped = tok.decode_report(tokens[offset : offset + length], strict=False)
        if skipped:
            out.skipped["document with tokens the grammar forbids"] += 1
        if song.length_bars == 0:
            out.skipped["document without bars"] += 1
            continue
        out.add(crop(song, limits, rng), source_name)
    return out


def load_set(
    path: str | Path, name: str | None = None, limits: SetLimits = SetLimits(), split: str = "val"
) -> SongSet:
    """A built dataset folder (its ``split``), or a folder / file of MIDI."""
    if is_dataset(path):
        return load_dataset_set(path, split, name, limits)
    return load_midi_set(path, name, limits)
