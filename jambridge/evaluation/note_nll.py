"""NLL in nats per note: models with different tokenizers scored on the same songs.

Nats per token depend on how many tokens a tokenizer spends; nats per *note* do not. Each model
encodes each held-out song with its own tokenizer (canonical role order, no controls: the
unconditioned model), one full forward per document, and the log-likelihood is split in two:

- **content**: what the v1 vocabulary encodes (pitch, onset on the 12-per-beat grid, duration,
  the four velocity buckets, structure). For a v2 model a note token's probability is summed
  over the fine velocity levels of its bucket, and SHIFT tokens are left out.
- **expressive**: the rest of a v2 model's likelihood: SHIFT tokens (micro-timing) and the fine
  velocity level inside its bucket. Zero for v1 models (they have none).

Both are divided by the song's quantized note count (the same for every tokenizer).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from jambridge.errors import DataError, JamBridgeError


@dataclass(frozen=True)
class HeldOut:
    """One held-out song."""

    name: str
    source: str
    song: object  # jambridge.music.Song


@dataclass(frozen=True)
class NoteNll:
    """A model's score on a set of songs, per source: nats per note."""

    content: dict[str, float]
    expressive: dict[str, float]
    notes: dict[str, int]
    songs: dict[str, int]

    def to_dict(self) -> dict:
        return {"content": self.content, "expressive": self.expressive, "notes": self.notes,
                "songs": self.songs}  # fmt: skip


def is_held_out(data: bytes, val_fraction: float) -> bool:
    """The dataset builder's validation rule (a hash of the file's bytes)."""
    from jambridge.dataset_jobs import split_of

    return split_of(hashlib.sha1(data).hexdigest(), val_fraction) == "val"


def held_out_songs(
    source: str, folder: str | Path, val_fraction: float, limit: int | None = None
) -> list[HeldOut]:
    """The songs of ``folder`` that ``jambridge data build`` puts in the validation split at
    ``val_fraction`` (val_fraction 1: every file), with the key the builder gives them;
    unreadable files are skipped."""
    from jambridge.dataset_sources import find_midi_files
    from jambridge.keyfinder import find_key
    from jambridge.song_files import read_song

    out = []
    for path in find_midi_files(folder):
        try:
            data = Path(path).read_bytes()
            if val_fraction < 1 and not is_held_out(data, val_fraction):
                continue
            song, _ = read_song(path)
        except (OSError, JamBridgeError):
            continue
        if song.note_count():  # the header gets the key the data builder gives the song
            out.append(HeldOut(str(path), source, replace(song, key=find_key(song).key)))
        if limit and len(out) >= limit:
            break
    return out


class _Groups:
    """For a tokenizer: where fine velocity levels and SHIFT tokens lie."""

    def __init__(self, tok) -> None:
        v, c = tok.vocab, tok.config
        self.steps = c.velocity_steps
        self.first = np.arange(v.size)  # a note token's bucket: the id of its first fine level
        self.note = np.zeros(v.size, dtype=bool)
        for kind in ("durvel", "drum"):
            r = v.ranges[kind]
            ids = np.arange(r.start, r.stop)
            self.first[ids] = r.start + ((ids - r.start) // self.steps) * self.steps
            self.note[ids] = True
        self.shift = np.zeros(v.size, dtype=bool)
        self.shift[v.ranges["shift"].start : v.ranges["shift"].stop] = True

    def split(self, logits: np.ndarray, targets: np.ndarray) -> tuple[float, float]:
        """(content, expressive) NLL of ``targets`` given ``logits`` (T, V), summed."""
        x = logits.astype(np.float64)
        x -= x.max(axis=1, keepdims=True)
        logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
        rows = np.arange(len(targets))
        token = logp[rows, targets]
        content_lp = token.copy()
        fine = self.note[targets] if self.steps > 1 else np.zeros(len(targets), dtype=bool)
        if fine.any():
            r = rows[fine]
            levels = self.first[targets[fine]][:, None] + np.arange(self.steps)
            content_lp[fine] = np.log(np.exp(logp[r[:, None], levels]).sum(axis=1))
        keep = ~self.shift[targets]
        content = -content_lp[keep].sum()
        expressive = -(token[keep] - content_lp[keep]).sum() - token[~keep].sum()
        return float(content), float(expressive)


def score(session, songs: Iterable[HeldOut]) -> NoteNll:
    """Nats per note of ``session``'s model on ``songs``, per source."""
    from jambridge.dataset_docs import documents
    from jambridge.evaluation.nll import forward_logits

    tok = session.tokenizer()
    groups = _Groups(tok)
    content, expressive, notes, count = Counter(), Counter(), Counter(), Counter()
    for item in songs:
        q = tok.quantize_song(item.song)
        n_notes = q.note_count()
        if not n_notes:
            continue
        for doc in documents(tok, q, None, session.meta.block_size, Counter(), controls={}):
            ids = doc.astype(np.int64)
            logits = forward_logits(session, ids)
            c, e = groups.split(logits[:-1], ids[1:])
            content[item.source] += c
            expressive[item.source] += e
        notes[item.source] += n_notes
        count[item.source] += 1
    per = {s: round(content[s] / notes[s], 4) for s in notes}
    per_e = {s: round(expressive[s] / notes[s], 4) for s in notes}
    return NoteNll(per, per_e, dict(notes), dict(count))


def compare(sessions: Sequence[tuple[str, object]], songs: Sequence[HeldOut]) -> dict:
    """Each named model's score on the same songs, and the change of each against the first."""
    if not songs:
        raise DataError("no held-out songs to score")
    results = {name: score(s, songs) for name, s in sessions}
    base_name = sessions[0][0]
    base = results[base_name].content
    change = {
        name: {s: round(r.content[s] / base[s] - 1, 4) for s in r.content if base.get(s)}
        for name, r in results.items()
        if name != base_name
    }
    return {"models": {n: r.to_dict() for n, r in results.items()}, "change_vs": base_name,
            "content_change": change}  # fmt: skip
