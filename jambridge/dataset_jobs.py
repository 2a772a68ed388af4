"""The dataset builder's worker side: one job (a song file, a procedural song or a re-styled
song) in, its documents and counts out, in a worker process. See :mod:`jambridge.dataset`."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from jambridge.dataset_docs import documents, fill_documents, song_stats, transpose
from jambridge.errors import JamBridgeError
from jambridge.keyfinder import find_key
from jambridge.music import ROLES, Key, Song
from jambridge.tokenizer import Tokenizer

if TYPE_CHECKING:
    from jambridge.dataset import BuildConfig


@dataclass
class FileResult:
    """What one worker job returns (picklable)."""

    name: str
    source: int
    split: str = "train"
    skipped: str = ""  # reason, when skipped
    docs: list[np.ndarray] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)


def split_of(digest: str, val_fraction: float) -> str:
    """``val`` or ``train`` by a content hash, so adding files never moves an old one."""
    return "val" if int(digest[:8], 16) % 10_000 < val_fraction * 10_000 else "train"


def encode_versions(
    tok: Tokenizer, song: Song, digest: str, cfg: BuildConfig, split: str, result: FileResult
) -> None:
    """The song's documents (and, in train, its transposed copies') into ``result``."""
    rng = np.random.default_rng([cfg.seed, int(digest[:12], 16)])
    song_stats(tok, song, result.stats)
    versions = [song]
    pitched = any(t.role != "drums" and t.notes for t in song.tracks)
    if split == "train" and pitched and cfg.transpositions > 0:
        lo, hi = cfg.transpose_range
        shifts = [s for s in range(lo, hi + 1) if s != 0]
        for s in rng.choice(shifts, size=min(cfg.transpositions, len(shifts)), replace=False):
            t = transpose(song, int(s))
            if t is not None:
                versions.append(t)
    for v in versions:
        q = tok.quantize_song(v)
        fills = -(-q.length_bars // cfg.fill_every_bars) if cfg.fill_every_bars else 0
        for doc in chain(
            documents(tok, q, rng, cfg.max_doc_tokens, result.stats),
            fill_documents(tok, q, rng, cfg.max_doc_tokens, fills, result.stats),
        ):
            result.docs.append(doc)
            result.stats["tokens"] += len(doc)
    result.stats["versions"] += len(versions)


def process_file(job: tuple[str, int, str, BuildConfig]) -> FileResult:
    """A song file (path, source index, style, config): read, keyed, split and encoded; any
    failure is a skip with its reason."""
    path, source, style, cfg = job
    result = FileResult(name=path, source=source)
    from jambridge.song_files import song_bytes_to_song  # MIDI files and LMMS projects

    try:
        size = os.path.getsize(path)
        if size > cfg.max_file_bytes:
            result.skipped = f"file larger than {cfg.max_file_bytes} bytes"
            return result
        data = Path(path).read_bytes()
        digest = hashlib.sha1(data).hexdigest()
        song, _report = song_bytes_to_song(data, path)
        if song.note_count() == 0:
            result.skipped = "no notes after role assignment"
            return result
        song = replace(song, style=style, key=find_key(song).key)  # a wrong signature loses
        result.split = split_of(digest, cfg.val_fraction)
        encode_versions(worker_tokenizer(), song, digest, cfg, result.split, result)
    except JamBridgeError as err:
        result.skipped = skip_reason(err, path)
    except Exception as err:  # a hostile file must never stop the build; the exception's
        # type names the skip reason, so a bug in the reader still shows in the report
        result.skipped = f"unreadable ({type(err).__name__})"
    if result.skipped:
        result.docs.clear()
    return result


def process_procedural(job: tuple[int, int, str, BuildConfig]) -> FileResult:
    """A procedural song (seed, source index, style, config) with drawn roles, density, key and
    length, split and encoded."""
    seed, source, style, cfg = job
    from jambridge.procedural import generate_song, style_feel
    from jambridge.procedural.styles import style_params

    rng = np.random.default_rng([cfg.seed, 7, seed])
    roles = list(ROLES)
    if rng.random() < 0.25:  # teach the model songs with some roles off
        drop = rng.choice(ROLES[1:], size=int(rng.integers(1, 3)), replace=False)
        roles = [r for r in roles if r not in drop]
    density = {r: float(rng.uniform(0.15, 0.95)) for r in roles}
    tonic = int(rng.integers(0, 12))
    key = Key(tonic, "minor" if rng.random() < 0.85 else "major")
    bars = int(rng.integers(cfg.procedural_bars[0], cfg.procedural_bars[1] + 1))
    song = generate_song(
        style=style,
        bars=bars,
        seed=int(seed),
        key=key,
        roles=roles,
        density=density,
        sections=bool(rng.random() < 0.7),
        feel=style_feel(style_params(style), int(seed), float(rng.uniform(0.0, 1.0))),
    )
    digest = hashlib.sha1(f"procedural-{cfg.seed}-{seed}".encode()).hexdigest()
    result = FileResult(name=f"procedural:{style}:{seed}", source=source)
    result.split = split_of(digest, cfg.val_fraction)
    # Procedural songs already cover all keys: no transposed copies.
    encode_versions(
        worker_tokenizer(), song, digest, replace(cfg, transpositions=0), result.split, result
    )
    return result


def skip_reason(err: Exception, path: str) -> str:
    """A skip reason that groups files: the message without its leading file name."""
    text = str(err)
    if text.startswith(f"{path}: "):
        text = text[len(path) + 2 :]
    return f"{type(err).__name__}: {text[:100]}"


_TOKENIZER: Tokenizer | None = None


def worker_tokenizer() -> Tokenizer:
    """The worker process's tokenizer (made once)."""
    global _TOKENIZER  # one per worker process
    if _TOKENIZER is None:
        _TOKENIZER = Tokenizer()
    return _TOKENIZER
