"""Small real artifacts for the model / training / export / engine tests: a dataset folder in the
``jambridge data build`` format made from synthetic songs, tiny model configs, and tiny ONNX
models (random weights, the real tokenizer). Everything is built into ``tmp_path`` in well under
a second; no test here depends on the shipped model or on the shared data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from jambridge.music import Bar, Key, Note, Song, Track
from jambridge.tokenizer import Tokenizer
from jambridge.tokenizer.codec import default_track

TINY = {"n_layer": 2, "n_embd": 32, "n_head": 2, "n_kv_head": 1, "head_size": 16,
        "block_size": 192}  # fmt: skip


def tiny_config(**changes):
    from jambridge.training.config import ModelConfig

    tok = Tokenizer()
    return ModelConfig.from_dict({**TINY, "vocab_size": tok.vocab_size, **changes})


def synthetic_song(seed: int, bars: int = 8) -> Song:
    """Four-on-the-floor drums, an offbeat bass, a chord stab and a little lead riff, varied by
    ``seed`` (pitches, velocities, which lead steps play)."""
    rng = np.random.default_rng(seed)
    root = 33 + int(rng.integers(0, 12))
    drums, bass, chords, lead = [], [], [], []
    for b in range(bars):
        t0 = 4.0 * b
        for beat in range(4):
            drums.append(Note(36, t0 + beat, 0.25, 120))
            drums.append(Note(42, t0 + beat + 0.5, 0.25, int(rng.choice([70, 96]))))
            bass.append(Note(root + int(rng.choice([0, 0, 7, 12])), t0 + beat + 0.5, 0.25, 96))
        if b % 2 == 0:
            chords += [Note(root + 24 + d, t0, 1.0, 70) for d in (0, 3, 7)]
        for step in range(8):
            if rng.random() < 0.4:
                lead.append(Note(root + 36 + int(rng.choice([0, 3, 5, 7, 10])), t0 + step / 2,
                                 0.5, 96))  # fmt: skip
    tracks = (
        default_track("drums").with_notes(drums),
        default_track("bass").with_notes(bass),
        default_track("chords").with_notes(chords),
        default_track("lead").with_notes(lead),
    )
    return Song(tracks, tempo_bpm=130.0, key=Key(root % 12, "minor"), style="techno")


def write_dataset(path: Path, n_train: int = 24, n_val: int = 4, bars: int = 8) -> Path:
    """A dataset folder like ``jambridge data build`` writes: one document per song."""
    path.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer()
    for split, seeds in (("train", range(n_train)), ("val", range(1000, 1000 + n_val))):
        docs, rows, offset = [], [], 0
        for i, seed in enumerate(seeds):
            song = synthetic_song(seed, bars)
            ids = np.asarray(tok.encode(song, shuffle_rng=np.random.default_rng(seed)), np.uint16)
            docs.append(ids)
            rows.append((offset, len(ids), i))
            offset += len(ids)
        (np.concatenate(docs) if docs else np.zeros(0, np.uint16)).tofile(path / f"{split}.bin")
        np.save(path / f"{split}_docs.npy", np.asarray(rows, np.int64).reshape(-1, 3))
    tok.save(path / "tokenizer.json")
    meta = {"format": "jambridge-dataset/1", "vocab_size": tok.vocab_size,
            "vocab_hash": tok.vocab_hash, "dtype": "uint16"}  # fmt: skip
    (path / "meta.json").write_text(json.dumps(meta))
    return path


def random_onnx(path: Path, seed: int = 0, **changes) -> Path:
    """A tiny random-weights ONNX model with the real tokenizer embedded (needs torch)."""
    from jambridge.export.onnx_export import export_random

    tok = Tokenizer()
    return export_random(tiny_config(**changes), path, tok.vocab_hash, tok.to_json(), seed=seed)


def one_track_bar(role: str, notes: list[Note]) -> Bar:
    return Bar((default_track(role).with_notes(notes),))


def bass_riff() -> Track:
    return default_track("bass").with_notes(
        [Note(36, 0.0, 0.5, 96), Note(36, 1.0, 0.5, 96), Note(43, 2.5, 0.25, 120),
         Note(39, 3.0, 0.5, 70)]
    )  # fmt: skip
