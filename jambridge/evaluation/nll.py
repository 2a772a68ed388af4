"""Validation negative log-likelihood (nats per token) of the ONNX model and of the n-gram, on
the same chunks of the same validation documents.

:func:`val_chunks` cuts each validation document into chunks of at most the model's context
(``block_size``); a chunk's first token is context only, every other token is predicted from the
tokens before it in the chunk. :func:`model_nll` runs the exported model through onnxruntime
(no torch) exactly as :mod:`jambridge.onnx_contract` specifies: one full-sequence forward per
chunk with an empty past (``past_sequence_length`` = 0, ``seqlens_k`` = length - 1,
``total_sequence_length`` = length), then a log-softmax over the logits.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jambridge import onnx_contract as oc
from jambridge.errors import DataError


@dataclass(frozen=True)
class Chunk:
    """A stretch of one validation document."""

    ids: np.ndarray  # token ids, int64
    source: str  # the dataset source the document came from


@dataclass(frozen=True)
class NllResult:
    """NLL of one model over a set of chunks."""

    nll: float  # mean over predicted tokens, nats
    tokens: int  # predicted tokens (chunk lengths - 1, summed)
    chunks: int
    seconds: float
    per_source: dict[str, float] = field(default_factory=dict)  # source -> nats per token


def val_chunks(
    dataset: str | Path,
    max_len: int,
    max_tokens: int | None = None,
    split: str = "val",
    seed: int = 0,
) -> list[Chunk]:
    """Chunks of at most ``max_len`` tokens of the split's documents; at most ``max_tokens``
    tokens in all (whole documents in a seeded random order)."""
    from jambridge.dataset import load_split

    if max_len < 2:
        raise DataError(f"chunk length must be >= 2, got {max_len}")
    tokens, docs = load_split(dataset, split)
    try:
        names = [
            s["name"] for s in json.loads((Path(dataset) / "meta.json").read_text())["sources"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise DataError(f"{dataset}/meta.json is unreadable: {err}") from None
    order = np.random.default_rng(seed).permutation(len(docs))
    out: list[Chunk] = []
    used = 0
    for i in order:
        offset, length, source = (int(x) for x in docs[int(i)])
        if max_tokens is not None and used >= max_tokens:
            break
        doc = np.asarray(tokens[offset : offset + length], dtype=np.int64)
        name = names[source] if source < len(names) else f"source {source}"
        for lo in range(0, doc.size, max_len):
            piece = doc[lo : lo + max_len]
            if piece.size >= 2:
                out.append(Chunk(piece, name))
                used += piece.size
    return out


def _result(losses: Sequence[tuple[float, int, str]], seconds: float) -> NllResult:
    total = sum(x for x, _, _ in losses)
    count = sum(n for _, n, _ in losses)
    by_source: dict[str, list[float]] = {}
    for loss, n, source in losses:
        acc = by_source.setdefault(source, [0.0, 0])
        acc[0] += loss
        acc[1] += n
    per_source = {s: a / n for s, (a, n) in sorted(by_source.items()) if n}
    return NllResult(
        total / count if count else float("nan"), count, len(losses), seconds, per_source
    )


def log_softmax_nll(logits: np.ndarray, targets: np.ndarray) -> float:
    """Summed -log softmax(logits)[target] over rows; logits (T, V), targets (T,)."""
    x = np.asarray(logits, dtype=np.float64)
    top = x.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(x - top).sum(axis=1)) + top[:, 0]
    return float((log_z - x[np.arange(len(targets)), targets]).sum())


def open_model(path: str | Path, vocab_hash: str | None = None, threads: int = 2):
    """The model as an engine :class:`~jambridge.engine.session.ModelSession` (checked against
    the contract and, when given, the dataset's vocabulary hash)."""
    from jambridge.engine.session import ModelSession, SessionConfig

    return ModelSession(path, SessionConfig(threads=threads), expected_vocab_hash=vocab_hash)


def forward_logits(session, ids: np.ndarray) -> np.ndarray:
    """Logits (T, vocab) of one full-sequence forward of ``ids`` (T,) with an empty past."""
    meta = session.meta
    dtype = np.float16 if meta.dtype == "float16" else np.float32
    past = {
        oc.past_name(i, k): np.zeros((1, meta.n_kv_head, 0, meta.head_size), dtype)
        for i in range(meta.n_layer)
        for k in ("key", "value")
    }
    n = ids.size
    if n > meta.block_size:
        raise DataError(f"chunk of {n} tokens exceeds the model's context {meta.block_size}")
    feeds = {
        oc.INPUT_IDS: np.asarray(ids, dtype=np.int64).reshape(1, n),
        oc.SEQLENS_K: np.array([n - 1], dtype=np.int32),
        oc.TOTAL_SEQUENCE_LENGTH: np.array(n, dtype=np.int32),
        **past,
    }
    return session.session.run([oc.LOGITS], feeds)[0][0]


def model_nll(session, chunks: Sequence[Chunk]) -> NllResult:
    """Validation NLL of an ONNX model (a ModelSession) over ``chunks``."""
    t0 = time.perf_counter()
    losses = []
    for chunk in chunks:
        n = chunk.ids.size
        logits = forward_logits(session, chunk.ids)
        losses.append((log_softmax_nll(logits[:-1], chunk.ids[1:]), n - 1, chunk.source))
    return _result(losses, time.perf_counter() - t0)


def ngram_nll(model, chunks: Sequence[Chunk]) -> NllResult:
    """Validation NLL of an :class:`~jambridge.evaluation.ngram.NGramModel` over ``chunks``."""
    t0 = time.perf_counter()
    losses = []
    for chunk in chunks:
        loss, n = model.nll([chunk.ids])
        losses.append((loss, n, chunk.source))
    return _result(losses, time.perf_counter() - t0)
