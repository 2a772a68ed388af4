"""Dataset builder: MIDI folders (+ procedural techno) -> memory-mapped token arrays on disk.

Each file is read (any real-world MIDI), role-assigned, quantized, its key estimated when the
file has none, transposed (pitched roles only) for augmentation, cut into documents of whole bars
that fit the model's context (each document starts with its own header, so the model learns to
continue from a header plus recent bars, which is what the engine feeds it after sliding its
window), and tokenized with a random role order per bar. Work runs in worker processes; results
come back in input order, so a build is deterministic for a given seed and worker count.

Output directory::

    train.bin, val.bin            uint16 token ids, documents concatenated
    train_docs.npy, val_docs.npy  int64 (n_docs, 3): offset, length, source index
    tokenizer.json                the vocabulary (its hash is in meta.json)
    meta.json                     sources, counts and the build report

The validation split is chosen by a hash of the file's bytes (procedural songs: of their seed),
so adding files never moves an old file between splits. Corrupt or hostile files are skipped and
counted with their reason; they never stop the build.

The sources (``PATH[:STYLE]``, song files) live in :mod:`jambridge.dataset_sources`, song ->
documents in :mod:`jambridge.dataset_docs`, a worker's job in :mod:`jambridge.dataset_jobs` (and
:mod:`jambridge.dataset_restyle`), the report in :mod:`jambridge.dataset_report`; this module is the
config, the plan and the build.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from jambridge.dataset_jobs import FileResult, process_file, process_procedural
from jambridge.dataset_report import make_report
from jambridge.dataset_restyle import RestyleJob, plan_restyle, process_restyle
from jambridge.dataset_sources import find_midi_files
from jambridge.errors import DataError
from jambridge.progress import Progress
from jambridge.tokenizer import Tokenizer

MIN_DOC_TOKENS = 64  # a header, EOS and a bar of a few notes per role


@dataclass(frozen=True)
class BuildConfig:
    """How a dataset is built. Saved into meta.json."""

    sources: tuple[tuple[str, str], ...]  # (folder or file, style) pairs
    out: str
    procedural: int = 0  # procedural techno songs to add (styles cycle)
    procedural_bars: tuple[int, int] = (16, 64)  # bar count range of procedural songs
    # re-styled real harmony (jambridge.dataset_restyle): "" = none
    restyle_progressions: str = ""  # the progressions JSON: each progression in the styles
    restyle_pop909: str = ""  # a POP909 folder: each song's chords and bass in the styles
    restyle_songs: str = ""  # a folder of songs: their chords (from pitch classes) in the styles
    restyle_versions: int = 1  # re-styled songs per progression / song, the style cycling
    transpositions: int = 3  # extra transposed copies of each training song with pitched roles
    transpose_range: tuple[int, int] = (-5, 6)  # semitones, inclusive; 0 excluded
    val_fraction: float = 0.05  # share of files in the validation split (by hash)
    max_doc_tokens: int = 1024  # a document (header + whole bars) fits the model's context
    max_file_bytes: int = 8_000_000  # bigger files are skipped as hostile (real songs are < 1 MB)
    fill_every_bars: int = 16  # one bar-fill document per so many bars of each version (0 = none)
    workers: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    seed: int = 0

    def __post_init__(self) -> None:
        lo, hi = self.transpose_range
        b_lo, b_hi = self.procedural_bars
        checks = [  # (field, ok, what it must be)
            ("procedural", self.procedural >= 0, ">= 0"),
            ("procedural_bars", 1 <= b_lo <= b_hi <= 10_000, "a range within 1..10000"),
            ("restyle_versions", 1 <= self.restyle_versions <= 64, "in range 1..64"),
            ("transpositions", self.transpositions >= 0, ">= 0"),
            ("transpose_range", -24 <= lo <= hi <= 24, "a range within -24..24"),
            ("val_fraction", 0.0 <= self.val_fraction < 1.0, "in range 0..1 (1 excluded)"),
            ("max_doc_tokens", MIN_DOC_TOKENS <= self.max_doc_tokens <= 1_000_000,
             f"in range {MIN_DOC_TOKENS}..1000000"),
            ("max_file_bytes", self.max_file_bytes >= 1, ">= 1"),
            ("fill_every_bars", self.fill_every_bars >= 0, ">= 0"),
            ("workers", self.workers >= 1, ">= 1"),
        ]  # fmt: skip
        for name, ok, rule in checks:
            if not ok:
                raise DataError(f"{name} must be {rule}, got {getattr(self, name)!r}")


def dispatch(job: tuple | RestyleJob) -> FileResult:
    """Run any job in a worker: a re-styled song, a procedural song (an int seed first) or a song
    file."""
    if isinstance(job, RestyleJob):
        return process_restyle(job)
    return process_procedural(job) if isinstance(job[0], int) else process_file(job)


def _plan(cfg: BuildConfig) -> tuple[list[dict], list]:
    """The sources (for the report) and a worker job per file, per procedural song and per
    re-styled song (a :class:`~jambridge.dataset_restyle.RestyleJob`)."""
    sources: list[dict] = []
    jobs: list = []
    for path, style in cfg.sources:
        files = find_midi_files(path)
        name = Path(path).name or str(path)
        sources.append({"name": name, "path": str(path), "style": style, "files": len(files)})
        jobs += [(str(f), len(sources) - 1, style, cfg) for f in files]
    if cfg.procedural:
        from jambridge.procedural import STYLES

        sources.append(
            {"name": "procedural", "path": "", "style": "mixed", "files": cfg.procedural}
        )
        jobs += [(i, len(sources) - 1, STYLES[i % len(STYLES)], cfg) for i in range(cfg.procedural)]
    if cfg.restyle_progressions or cfg.restyle_pop909 or cfg.restyle_songs:
        jobs += plan_restyle(cfg, sources)
    if not jobs:
        raise DataError(
            "no MIDI files found in the sources and no procedural or re-styled songs asked for"
        )
    return sources, jobs


def _make_out_dir(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DataError(f"output {out} is a file; --out needs a folder") from None
    except OSError as err:
        raise DataError(f"cannot create the output folder {out}: {err.strerror}") from None


def build(cfg: BuildConfig, show_progress: bool = True) -> dict:
    """Build the dataset described by ``cfg`` into ``cfg.out``; return the report (also saved
    into meta.json).

    Raises:
        DataError: a source is missing, there is nothing to build, the output folder cannot be
            written, or no file gave a token (then nothing in ``cfg.out`` is overwritten).
    """
    t0 = time.monotonic()
    out = Path(cfg.out)
    sources, jobs = _plan(cfg)
    _make_out_dir(out)
    tok = Tokenizer()
    splits: dict[str, list[np.ndarray]] = {"train": [], "val": []}
    doc_rows: dict[str, list[tuple[int, int, int]]] = {"train": [], "val": []}
    offsets = {"train": 0, "val": 0}
    totals: Counter = Counter()
    per_source = [Counter() for _ in sources]
    skipped: Counter = Counter()
    skipped_examples: dict[str, str] = {}
    with (
        Progress(len(jobs), "files", "data build", enabled=show_progress) as bar,
        ProcessPoolExecutor(max_workers=cfg.workers) as pool,
    ):
        for r in pool.map(dispatch, jobs, chunksize=8):
            bar.update(1, skipped=sum(skipped.values()))
            if r.skipped:
                skipped[r.skipped] += 1
                skipped_examples.setdefault(r.skipped, r.name)
                per_source[r.source]["skipped"] += 1
                continue
            per_source[r.source]["used"] += 1
            per_source[r.source].update(r.stats)
            totals.update(r.stats)
            for doc in r.docs:
                splits[r.split].append(doc)
                doc_rows[r.split].append((offsets[r.split], len(doc), r.source))
                offsets[r.split] += len(doc)
            per_source[r.source][f"files_{r.split}"] += 1

    if not any(offsets.values()):
        reasons = "; ".join(f"{n}x {why}" for why, n in skipped.most_common(3))
        raise DataError(
            f"no tokens from {len(jobs)} file(s): {sum(skipped.values())} skipped"
            + (f" ({reasons})" if reasons else "")
            + f", {totals['bars_too_long']} bar(s) longer than max_doc_tokens"
            f" {cfg.max_doc_tokens}; nothing written to {out}"
        )
    report = make_report(
        cfg, sources, per_source, totals, skipped, skipped_examples, offsets, time.monotonic() - t0
    )
    meta = {
        "format": "jambridge-dataset/1",
        "vocab_size": tok.vocab_size,
        "vocab_hash": tok.vocab_hash,
        "dtype": "uint16",
        "sources": sources,
        "config": asdict(cfg),
        "report": report,
    }
    try:
        for split in ("train", "val"):
            arr = np.concatenate(splits[split]) if splits[split] else np.zeros(0, np.uint16)
            arr.tofile(out / f"{split}.bin")
            rows = np.asarray(doc_rows[split], dtype=np.int64).reshape(-1, 3)
            np.save(out / f"{split}_docs.npy", rows)
        tok.save(out / "tokenizer.json")
        (out / "meta.json").write_text(json.dumps(meta, indent=1))
    except OSError as err:
        raise DataError(f"cannot write the dataset into {out}: {err.strerror}") from None
    return report


def load_split(path: str | Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(tokens memmap, docs table) of a built split; a split with no documents (a small
    corpus can leave ``train`` empty) gives empty arrays, not an error."""
    d = Path(path)
    try:
        docs = np.load(d / f"{split}_docs.npy")
        tokens_path = d / f"{split}.bin"
        if tokens_path.stat().st_size == 0:  # np.memmap cannot map an empty file
            tokens = np.zeros(0, dtype=np.uint16)
        else:
            tokens = np.memmap(tokens_path, dtype=np.uint16, mode="r")
    except (OSError, ValueError) as err:
        raise DataError(f"{d} is not a built dataset ({err})") from None
    return tokens, docs
