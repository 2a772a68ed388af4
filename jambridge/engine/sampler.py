"""Sampling: a pure function from logits to one token id.

``sample(logits, rng, temperature, top_k, top_p, allowed)``: everything the result depends on is
an argument, the random generator included, so a seeded run is reproducible. Temperature 0 is
argmax (over the allowed ids). At most one uniform draw per call (none when the outcome is
certain: greedy, a single allowed id, or a nucleus holding only the likeliest id).

Work is done on the allowed ids only (the grammar usually allows a few dozen of the ~600), so a
call costs ~10 us; nothing here holds state between calls.
"""

from __future__ import annotations

import math

import numpy as np

from jambridge.errors import EngineError

GREEDY_BELOW = 1e-4  # temperatures this small are argmax (1/t would overflow float32)


def check_settings(temperature: float, top_k: int, top_p: float) -> None:
    """EngineError naming the allowed range of a bad setting."""
    if not (temperature >= 0.0 and math.isfinite(temperature)):
        raise EngineError(f"temperature must be >= 0 (0 = greedy), got {temperature!r}")
    if not (isinstance(top_k, (int, np.integer)) and top_k >= 0):
        raise EngineError(f"top_k must be an integer >= 0 (0 = off), got {top_k!r}")
    if not 0.0 < top_p <= 1.0:
        raise EngineError(f"top_p must be in range 0..1 (0 excluded), got {top_p!r}")


def sample(
    logits: np.ndarray,
    rng: np.random.Generator,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    allowed: np.ndarray | None = None,
) -> int:
    """Draw one token id from ``logits`` (vocab_size,).

    Args:
        logits: unnormalized scores (float32 or float64).
        rng: the random generator (at most one ``rng.random()`` per call).
        temperature: 0 (or below ``GREEDY_BELOW``) = argmax; otherwise logits are divided by it.
        top_k: keep the k likeliest allowed ids (0 = all).
        top_p: keep the smallest set of likeliest ids whose probability reaches top_p.
        allowed: boolean mask (vocab_size,); None = every id.

    Raises:
        EngineError: a setting out of range, a mask that allows nothing, or non-finite logits.
    """
    check_settings(temperature, top_k, top_p)
    if allowed is None:
        ids = None
        scores = logits
    else:
        ids = np.flatnonzero(allowed)
        if ids.size == 0:
            raise EngineError("the allowed-token mask is all False: nothing can be sampled")
        scores = logits[ids]
    best = int(scores.argmax())
    top = float(scores[best])
    if not math.isfinite(top):
        raise EngineError("the model returned non-finite logits (NaN or inf)")
    if temperature < GREEDY_BELOW or scores.size == 1:
        return best if ids is None else int(ids[best])
    if 0 < top_k < scores.size:
        keep = np.argpartition(scores, -top_k)[-top_k:]
        ids = keep if ids is None else ids[keep]
        scores = scores[keep]
        best = int(scores.argmax())
    probs = np.exp((scores - top) * (1.0 / temperature))  # the likeliest id has 1.0
    if top_p < 1.0:
        total = float(probs.sum())
        if top_p * total <= 1.0:  # the likeliest id alone fills the nucleus
            return best if ids is None else int(ids[best])
        ranked = np.sort(probs)[::-1]  # the smallest probability still inside; ties stay in
        cum = np.cumsum(ranked)
        floor = ranked[min(int(cum.searchsorted(top_p * total)), ranked.size - 1)]
        probs[probs < floor] = 0.0
    cum = np.cumsum(probs)
    i = min(int(cum.searchsorted(rng.random() * cum[-1], side="right")), cum.size - 1)
    return i if ids is None else int(ids[i])
