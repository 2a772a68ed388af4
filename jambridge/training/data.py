"""Training batches from a dataset built by ``jambridge data build`` (NumPy only, no torch).

The dataset directory holds ``train.bin`` / ``val.bin`` (uint16 token ids, documents
concatenated), ``train_docs.npy`` / ``val_docs.npy`` (offset, length, source per document),
``tokenizer.json`` and ``meta.json``. Every document starts with its own header (BOS + style,
tempo, key and a density token per role), so a training row is one document: position 0 is
always BOS, exactly like the engine's context (which keeps the header pinned when it slides).
A document longer than the model's context is cut at a bar line with its header pinned in front.
Rows shorter than the context are padded; padded targets are ``-1`` (ignored).

Batches are a pure function of ``(seed, step)``: the global batch of a step is the same
whatever the number of DDP ranks or accumulation steps, and each rank takes its own rows.
That is what makes a ``torchrun`` run reproduce a single-process run, and resume exact.

Control tokens (v2) are dropped from rows at random (:class:`ControlDropout`), also a pure
function of the batch's random generator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jambridge.errors import DataError

HEADER_TOKENS = 8  # BOS STYLE TEMPO KEY + one density token per role (see the tokenizer)


@dataclass(frozen=True)
class ControlDropout:
    """Which control tokens a row keeps (see TrainConfig.controls_off / control_keep)."""

    all_off: float = 0.3  # probability that a row has no controls at all
    keep: float = 0.5  # otherwise, probability that a (kind, role) pair keeps its tokens


class _ControlIds:
    """Where the control and track tokens lie in a vocabulary (empty in v1)."""

    def __init__(self, tokenizer_json: str) -> None:
        from jambridge.tokenizer import Tokenizer

        v = Tokenizer.from_json(tokenizer_json).vocab
        self.ctrl, self.track = v.ranges["ctrl"], v.ranges["track"]
        self.kind_of = np.array(
            [v.values[i][0] for i in range(self.ctrl.start, self.ctrl.stop)], dtype=np.int64
        )
        self.kinds = int(self.kind_of.max()) + 1 if len(self.kind_of) else 0

    def drop(self, seq: np.ndarray, policy: ControlDropout, rng: np.random.Generator):
        """``seq`` without the control tokens the policy drops this time."""
        is_ctrl = (seq >= self.ctrl.start) & (seq < self.ctrl.stop)
        if not self.kinds or not is_ctrl.any():
            return seq
        if rng.random() < policy.all_off:
            return seq[~is_ctrl]
        keep = rng.random((self.kinds, len(self.track))) < policy.keep
        is_track = (seq >= self.track.start) & (seq < self.track.stop)
        last_track = np.maximum.accumulate(np.where(is_track, np.arange(len(seq)), 0))
        role = np.clip(seq[last_track] - self.track.start, 0, len(self.track) - 1)
        kind = self.kind_of[np.clip(seq - self.ctrl.start, 0, len(self.kind_of) - 1)]
        return seq[~(is_ctrl & ~keep[kind, role])]


@dataclass(frozen=True)
class DatasetInfo:
    """What ``meta.json`` and ``tokenizer.json`` say about a built dataset."""

    path: Path
    vocab_size: int
    vocab_hash: str
    tokenizer_json: str  # the tokenizer's JSON (saved into checkpoints and the ONNX model)
    bos_id: int
    bar_id: int
    pad_id: int
    sources: tuple[str, ...] = ()  # source names in meta.json order (docs' source index)


def read_info(path: str | Path) -> DatasetInfo:
    """Read and check a dataset directory's metadata; DataError naming what is missing."""
    d = Path(path)
    if not d.is_dir():
        raise DataError(
            f"dataset folder {d} does not exist (build one with `jambridge data build`)"
        )
    try:
        meta = json.loads((d / "meta.json").read_text())
        tokenizer_json = (d / "tokenizer.json").read_text()
    except FileNotFoundError as err:
        raise DataError(
            f"{d} is not a built dataset: {Path(err.filename).name} is missing"
        ) from None
    except (OSError, json.JSONDecodeError) as err:
        raise DataError(f"{d}: cannot read meta.json ({err})") from None
    from jambridge.tokenizer import Tokenizer  # numpy-only; checks the file's own hash

    tok = Tokenizer.from_json(tokenizer_json)
    if meta.get("vocab_hash") != tok.vocab_hash or meta.get("vocab_size") != tok.vocab_size:
        raise DataError(
            f"{d}: meta.json (vocab {meta.get('vocab_size')}, hash {meta.get('vocab_hash')}) does "
            f"not match tokenizer.json (vocab {tok.vocab_size}, hash {tok.vocab_hash})"
        )
    if meta.get("dtype", "uint16") != "uint16":
        raise DataError(f"{d}: token dtype must be uint16, got {meta.get('dtype')!r}")
    sources = tuple(str(s.get("name", i)) for i, s in enumerate(meta.get("sources", ())))
    return DatasetInfo(d, tok.vocab_size, tok.vocab_hash, tokenizer_json, tok.bos_id, tok.bar_id,
                       tok.pad_id, sources)  # fmt: skip


class TokenSplit:
    """One split (``train`` or ``val``) of a built dataset, memory-mapped."""

    def __init__(
        self,
        info: DatasetInfo,
        split: str,
        block_size: int,
        source_weights: dict[str, float] | None = None,
        header_pin: bool = True,
        controls: ControlDropout | None = None,
    ) -> None:
        """``source_weights`` (source name -> share of sampled documents' tokens) sets the mix
        of corpora; sources left out keep their natural share of what remains. ``controls``:
        how control tokens are dropped (None keeps them all)."""
        self.info, self.split, self.block_size = info, split, block_size
        self.controls = controls
        self._control_ids = _ControlIds(info.tokenizer_json) if controls else None
        self.header_pin = header_pin  # long documents: cut at a bar, header in front
        d = info.path
        try:
            size = (d / f"{split}.bin").stat().st_size
            self.tokens = (
                np.memmap(d / f"{split}.bin", dtype=np.uint16, mode="r")
                if size
                else np.zeros(0, np.uint16)
            )
            self.docs = np.load(d / f"{split}_docs.npy").reshape(-1, 3).astype(np.int64)
        except (OSError, ValueError) as err:
            raise DataError(f"{d}: cannot read the {split} split ({err})") from None
        self.docs = self.docs[self.docs[:, 1] >= 2]  # a row needs an input and a target
        if len(self.docs) and self.docs[:, :2].sum(axis=1).max() > len(self.tokens):
            raise DataError(f"{d}: {split}_docs.npy points past the end of {split}.bin")
        lengths = self.docs[:, 1].astype(np.float64)
        self._weights = lengths / lengths.sum() if len(lengths) else lengths
        if source_weights and len(lengths):
            self._weights = self._mix(self._weights, source_weights)

    def _mix(self, weights: np.ndarray, source_weights: dict[str, float]) -> np.ndarray:
        names = self.info.sources
        unknown = set(source_weights) - set(names)
        if unknown:
            raise DataError(
                f"source_weights names {sorted(unknown)}; the dataset's sources are {list(names)}"
            )
        src = self.docs[:, 2]
        natural = {i: float(weights[src == i].sum()) for i in range(len(names))}
        fixed = {names.index(n): w for n, w in source_weights.items() if natural[names.index(n)]}
        rest = 1.0 - sum(fixed.values())
        free = sum(v for i, v in natural.items() if i not in fixed)
        if rest < -1e-9 or any(w < 0 for w in fixed.values()):
            raise DataError(f"source_weights must be >= 0 and sum to <= 1, got {source_weights}")
        out = weights.copy()
        for i, v in natural.items():
            if v == 0:
                continue
            share = fixed[i] if i in fixed else (rest * v / free if free else 0.0)
            out[src == i] *= share / v
        return out / out.sum()

    def source_shares(self) -> dict[str, float]:
        """Each source's share of sampled tokens (the realised mix)."""
        src = self.docs[:, 2]
        return {n: round(float(self._weights[src == i].sum()), 4)
                for i, n in enumerate(self.info.sources)}  # fmt: skip

    def __len__(self) -> int:
        return len(self.docs)

    @property
    def n_tokens(self) -> int:
        return int(self.docs[:, 1].sum()) if len(self.docs) else 0

    def _row(self, doc: int, rng: np.random.Generator) -> np.ndarray:
        """Tokens of one row (at most block_size + 1): the document, or a cut of it."""
        offset, length, _ = self.docs[doc]
        seq = np.asarray(self.tokens[offset : offset + length], dtype=np.int64)
        need = self.block_size + 1
        if len(seq) <= need:
            return seq
        if self.header_pin and seq[0] == self.info.bos_id and len(seq) > HEADER_TOKENS:
            bars = np.flatnonzero(seq[HEADER_TOKENS:] == self.info.bar_id) + HEADER_TOKENS
            bars = bars[bars <= len(seq) - 2]
            if len(bars):
                start = int(bars[rng.integers(len(bars))])
                body = seq[start : start + need - HEADER_TOKENS]
                return np.concatenate((seq[:HEADER_TOKENS], body))
        start = int(rng.integers(0, len(seq) - need + 1))
        return seq[start : start + need]

    def rows(self, doc_ids: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) int64 arrays (len(doc_ids), block_size); padded targets are -1."""
        n, T = len(doc_ids), self.block_size
        x = np.full((n, T), self.info.pad_id, dtype=np.int64)
        y = np.full((n, T), -1, dtype=np.int64)
        for i, doc in enumerate(doc_ids):
            seq = self._row(int(doc), rng)
            if self._control_ids is not None and self.controls is not None:
                seq = self._control_ids.drop(seq, self.controls, rng)
            x[i, : len(seq) - 1] = seq[:-1]
            y[i, : len(seq) - 1] = seq[1:]
        return x, y

    def global_batch(self, seed: int, step: int, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """The whole batch of optimizer step ``step`` (same on every rank)."""
        if not len(self.docs):
            raise DataError(f"the {self.split} split of {self.info.path} has no documents")
        rng = np.random.default_rng([seed, step, 0 if self.split == "train" else 1])
        doc_ids = rng.choice(len(self.docs), size=batch_size, p=self._weights)
        return self.rows(doc_ids, rng)

    def rank_batch(
        self, seed: int, step: int, batch_size: int, rank: int, world: int
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """This rank's rows of step ``step`` and the global count of target tokens."""
        x, y = self.global_batch(seed, step, batch_size)
        per = batch_size // world
        sl = slice(rank * per, (rank + 1) * per)
        return x[sl], y[sl], int((y >= 0).sum())

    def eval_batches(self, seed: int, n_batches: int, batch_size: int):
        """Fixed validation batches (the same every pass): an iterator of (x, y)."""
        for i in range(n_batches):
            yield self.global_batch(seed + 7919, i, batch_size)
