"""Re-styled songs in a dataset build: real harmony and bass lines played in the techno styles.

Three sources, each optional (:class:`~jambridge.dataset.BuildConfig`):

- ``restyle_progressions``: the progressions JSON (``chords/progressions.json``), each
  progression looped in a key of the style;
- ``restyle_pop909``: a POP909 folder, each song folder ``NNN/`` with its chord, beat and key
  annotations and the piano's lowest voice;
- ``restyle_songs``: a folder of songs (MIDI, LMMS projects) whose chords come from their own
  pitch classes.

Every item gives ``restyle_versions`` songs, the style cycling through
:data:`~jambridge.procedural.STYLES` (see :mod:`jambridge.procedural.restyle` for what each
song draws). A re-styled song takes its source item's split: a POP909 song's or a file's by
the hash of its bytes, as the file itself is split, so a held-out song's harmony never trains;
a progression's by the hash of its numerals. No transposed copies: progressions take a key
from the style, the others keep their own (real songs are transposed as files already).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from jambridge.dataset_jobs import (
    FileResult,
    encode_versions,
    skip_reason,
    split_of,
    worker_tokenizer,
)
from jambridge.dataset_sources import find_midi_files
from jambridge.errors import DataError, JamBridgeError
from jambridge.music import Song

if TYPE_CHECKING:
    from jambridge.dataset import BuildConfig

KINDS = ("progressions", "pop909", "songs")  # the re-style sources, in report order


@dataclass(frozen=True)
class RestyleJob:
    """One re-styled song for a worker to make and encode."""

    kind: str  # one of KINDS
    path: str  # the progressions file, a POP909 song folder, or a song file
    item: int  # the progression's index (progressions), else 0
    version: int  # which of the item's versions, 0..restyle_versions-1
    style: str  # the techno style it is played in
    source: int  # the source's index in the report
    cfg: BuildConfig


def _items(kind: str, path: str) -> list[tuple[str, int]]:
    """(path, item) per source item of ``kind`` at ``path``."""
    if kind == "progressions":
        from jambridge.procedural.progressions import load_progressions

        return [(path, i) for i in range(len(load_progressions(path)))]
    if kind == "pop909":
        root = Path(path)
        if not root.is_dir():
            raise DataError(f"restyle source {path} is not a POP909 folder")
        return [(str(d), 0) for d in sorted(root.iterdir()) if (d / "chord_midi.txt").is_file()]
    return [(str(f), 0) for f in find_midi_files(path)]


def plan_restyle(cfg: BuildConfig, sources: list[dict]) -> list[RestyleJob]:
    """The re-style jobs of ``cfg``; each source is appended to ``sources`` (for the report,
    ``files`` = songs asked for).

    Raises:
        DataError: a source is missing or damaged (the progressions file is read here).
    """
    from jambridge.procedural import STYLES

    jobs: list[RestyleJob] = []
    for kind, path in zip(KINDS, (cfg.restyle_progressions, cfg.restyle_pop909, cfg.restyle_songs)):
        if not path:
            continue
        items = _items(kind, path)
        count = len(items) * cfg.restyle_versions
        sources.append({"name": f"restyle-{kind}", "path": path, "style": "mixed", "files": count})
        for n, (item_path, item) in enumerate(items):
            for v in range(cfg.restyle_versions):
                style = STYLES[(n * cfg.restyle_versions + v) % len(STYLES)]
                jobs.append(RestyleJob(kind, item_path, item, v, style, len(sources) - 1, cfg))
    return jobs


def _song_and_digest(job: RestyleJob, seed: int) -> tuple[Song, str]:
    from jambridge.procedural import restyle

    if job.kind == "progressions":
        from jambridge.procedural.progressions import load_progressions

        numerals = " ".join(load_progressions(job.path)[job.item].numerals)
        digest = hashlib.sha1(f"progression {numerals}".encode()).hexdigest()
        return restyle.progression_song(job.path, job.item, job.style, seed).song, digest
    if job.kind == "pop909":
        folder = Path(job.path)
        data = (folder / f"{folder.name}.mid").read_bytes()
        return restyle.pop909_song(folder, job.style, seed).song, hashlib.sha1(data).hexdigest()
    from jambridge.song_files import song_bytes_to_song  # MIDI files and LMMS projects

    if Path(job.path).stat().st_size > job.cfg.max_file_bytes:
        raise DataError(f"file larger than {job.cfg.max_file_bytes} bytes")
    data = Path(job.path).read_bytes()
    song, _report = song_bytes_to_song(data, job.path)
    return restyle.song_restyle(song, job.style, seed).song, hashlib.sha1(data).hexdigest()


def process_restyle(job: RestyleJob) -> FileResult:
    """Make, split and encode the job's song (a failure is a skip with its reason)."""
    name = f"restyle:{job.kind}:{Path(job.path).name}:{job.item}:{job.version}:{job.style}"
    result = FileResult(name=name, source=job.source)
    text = f"{job.cfg.seed}:{job.kind}:{Path(job.path).name}:{job.item}:{job.version}"
    seed = int(hashlib.sha1(text.encode()).hexdigest()[:12], 16)
    try:
        song, digest = _song_and_digest(job, seed)
        result.split = split_of(digest, job.cfg.val_fraction)
        cfg = replace(job.cfg, transpositions=0)
        encode_versions(worker_tokenizer(), song, digest, cfg, result.split, result)
    except (JamBridgeError, OSError) as err:
        result.skipped = skip_reason(err, job.path)
    except Exception as err:  # as for files: a bug or a hostile file is a counted skip
        result.skipped = f"unreadable ({type(err).__name__})"
    if result.skipped:
        result.docs.clear()
    return result
