"""An n-gram language model on the model's own tokens: the baseline a transformer must beat.

Interpolated modified Kneser-Ney (Chen & Goodman 1999): three discounts per order (for n-grams
seen once, twice, three or more times, from the count-of-counts), continuation counts below the
top order, and a uniform floor under the unigrams so every token has probability > 0:

    P_k(w | h) = (a(h w) - D_k(a(h w)) + gamma(h) * P_{k-1}(w | h')) / a(h .)
    gamma(h) = sum over w of D_k(a(h w))            (the mass the discounts set aside)

where ``a`` are raw counts at the top order and continuation counts (distinct left neighbours)
below it, except for n-grams that open a document (which start with BOS: nothing precedes them),
which keep their raw counts, as in KenLM.

N-grams never span two documents: training counts only n-grams inside one, and scoring
(:meth:`NGramModel.nll`) gives each chunk's first tokens the shorter histories they have. The
model is a set of sorted integer tables (an n-gram packed into one int64, base vocab_size), so
training on millions of tokens is a few ``np.unique`` calls and scoring is ``np.searchsorted``.

:meth:`NGramModel.next_logprobs` gives the full next-token distribution for sampling: with the
grammar mask (:mod:`jambridge.evaluation.sampling`) its samples always decode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jambridge.errors import DataError

MAX_ORDER = 8


@dataclass(frozen=True)
class _Table:
    """The n-grams of one order k >= 2, and their contexts."""

    keys: np.ndarray  # sorted packed n-grams (context * V + token)
    counts: np.ndarray  # adjusted counts a(h w), float64
    contexts: np.ndarray  # sorted distinct contexts (keys // V)
    starts: np.ndarray  # first index in keys of each context; len(contexts) + 1 entries
    totals: np.ndarray  # a(h .) per context
    kept: np.ndarray  # a(h w) - D(a(h w)) per n-gram
    gamma: np.ndarray  # sum of the discounts per context: what goes to the lower order


def _discounts(counts: np.ndarray) -> np.ndarray:
    """Modified Kneser-Ney discounts D(1), D(2), D(3+) from the count-of-counts."""
    n = [float(np.count_nonzero(counts == k)) for k in (1, 2, 3, 4)]
    y = n[0] / (n[0] + 2 * n[1]) if n[0] + n[1] > 0 else 0.5
    d = [k - (k + 1) * y * n[k] / n[k - 1] if n[k - 1] > 0 else 0.5 * k for k in (1, 2, 3)]
    return np.clip(np.array(d), 0.05, [0.95, 1.95, 2.95])


def _discounted(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(count - its discount, the discount) per n-gram."""
    d = _discounts(counts)[np.minimum(counts.astype(np.int64), 3) - 1]
    return counts - d, d


def _packed(tokens: np.ndarray, positions: np.ndarray, k: int, v: int) -> np.ndarray:
    """The k-grams starting at ``positions``, packed oldest-token-first in base v."""
    keys = np.zeros(positions.size, dtype=np.int64)
    for i in range(k):
        keys = keys * v + tokens[positions + i]
    return keys


def _unique_sum(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, inverse = np.unique(keys, return_inverse=True)
    return uniq, np.bincount(inverse, weights=weights, minlength=uniq.size)


class NGramModel:
    """Interpolated Kneser-Ney n-gram model over token ids ``0..vocab_size-1``."""

    def __init__(
        self,
        order: int,
        vocab_size: int,
        unigram: np.ndarray,
        tables: list[_Table],
        trained_tokens: int,
    ) -> None:
        self.order = order
        self.vocab_size = vocab_size
        self.unigram = unigram  # (V,) float64, sums to 1
        self.tables = tables  # tables[k - 2] holds order k
        self.trained_tokens = trained_tokens

    @classmethod
    def fit(
        cls, tokens: np.ndarray, docs: np.ndarray, vocab_size: int, order: int = 5
    ) -> NGramModel:
        """Count the n-grams inside each document.

        Args:
            tokens: the token stream (a dataset split, uint16).
            docs: (n_docs, >= 2) rows of (offset, length, ...) into ``tokens``.
            vocab_size: ids are ``0..vocab_size-1``.
            order: n, in range 1..8 (and vocab_size ** n must fit in int64).
        """
        if not 1 <= order <= MAX_ORDER or vocab_size**order >= 2**62:
            raise DataError(
                f"n-gram order must be in range 1..{MAX_ORDER} with vocab_size**order "
                f"< 2**62, got order {order} for vocabulary {vocab_size}"
            )
        docs = np.asarray(docs, dtype=np.int64)
        if docs.ndim != 2 or docs.shape[0] == 0 or int(docs[:, 1].sum()) == 0:
            raise DataError("cannot train an n-gram model on an empty token stream")
        tokens = np.asarray(tokens, dtype=np.int64)
        if tokens.size and int(tokens.max()) >= vocab_size:
            raise DataError(
                f"token id {int(tokens.max())} is outside the vocabulary 0..{vocab_size - 1}"
            )
        offsets, lengths = docs[:, 0], docs[:, 1]
        # end of the document each position belongs to; positions outside every doc get -1
        doc_end = np.full(tokens.size, -1, dtype=np.int64)
        idx = np.repeat(np.arange(len(docs)), lengths)
        pos = np.concatenate([np.arange(o, o + n) for o, n in zip(offsets, lengths)])
        doc_end[pos] = (offsets + lengths)[idx]
        is_start = np.zeros(tokens.size, dtype=bool)
        is_start[offsets[lengths > 0]] = True
        everywhere = np.flatnonzero(doc_end >= 0)

        def starts_of(k: int) -> np.ndarray:
            return everywhere[everywhere + k <= doc_end[everywhere]]

        v = vocab_size
        top_pos = starts_of(order)
        upper_keys, upper_counts = _unique_sum(
            _packed(tokens, top_pos, order, v), np.ones(top_pos.size)
        )
        tables: list[_Table] = []
        per_order = {order: (upper_keys, upper_counts)}
        for k in range(order - 1, 0, -1):  # continuation counts from the order above
            suffix = upper_keys % v**k
            opening = starts_of(k)
            opening = opening[is_start[opening]]
            keys = np.concatenate([suffix, _packed(tokens, opening, k, v)])
            weights = np.concatenate([np.ones(suffix.size), np.ones(opening.size)])
            upper_keys, upper_counts = _unique_sum(keys, weights)
            per_order[k] = (upper_keys, upper_counts)
        for k in range(2, order + 1):
            tables.append(cls._table(*per_order[k], v))
        uni_keys, uni_counts = per_order[1]
        kept, d = _discounted(uni_counts)
        unigram = np.full(v, d.sum() / v)
        unigram[uni_keys] += kept
        unigram /= uni_counts.sum()
        return cls(order, v, unigram, tables, int(everywhere.size))

    @staticmethod
    def _table(keys: np.ndarray, counts: np.ndarray, v: int) -> _Table:
        contexts, first = np.unique(keys // v, return_index=True)
        kept, d = _discounted(counts)
        reduce = (lambda x: np.add.reduceat(x, first)) if keys.size else (lambda x: np.zeros(0))
        return _Table(
            keys, counts, contexts, np.append(first, keys.size), reduce(counts), kept, reduce(d)
        )

    # -- scoring ---------------------------------------------------------------------------------

    @staticmethod
    def _lookup(sorted_keys: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.minimum(np.searchsorted(sorted_keys, queries), max(sorted_keys.size - 1, 0))
        found = sorted_keys[idx] == queries if sorted_keys.size else np.zeros(queries.size, bool)
        return idx, found

    def token_probs(self, chunk: np.ndarray) -> np.ndarray:
        """P(token i | tokens before it in the chunk) for i = 1..len-1, shape (len - 1,)."""
        x = np.asarray(chunk, dtype=np.int64)
        n, v = x.size, self.vocab_size
        if n < 2:
            return np.zeros(0)
        i = np.arange(1, n)
        p = self.unigram[x[i]]
        ctx = np.zeros(i.size, dtype=np.int64)
        for k in range(2, self.order + 1):
            ok = i - (k - 1) >= 0  # enough history in this chunk for order k
            if not ok.any():
                break
            ctx = np.where(ok, ctx + x[np.maximum(i - (k - 1), 0)] * v ** (k - 2), ctx)
            t = self.tables[k - 2]
            c_idx, c_found = self._lookup(t.contexts, ctx)
            g_idx, g_found = self._lookup(t.keys, ctx * v + x[i])
            use = ok & c_found
            total = np.where(use, t.totals[c_idx], 1.0)
            kept = np.where(use & g_found, t.kept[g_idx], 0.0)
            interp = (kept + t.gamma[c_idx] * p) / total
            p = np.where(use, interp, p)
        return p

    def nll(self, chunks: Sequence[np.ndarray]) -> tuple[float, int]:
        """(summed negative log-likelihood in nats, tokens scored) over ``chunks``; each chunk's
        first token is context only (as for the transformer)."""
        total, count = 0.0, 0
        for chunk in chunks:
            p = self.token_probs(chunk)
            total += float(-np.log(p).sum())
            count += p.size
        return total, count

    def next_probs(self, history: Sequence[int]) -> np.ndarray:
        """The next-token distribution (V,) after ``history`` (float64, sums to 1)."""
        v = self.vocab_size
        p = self.unigram.copy()
        ctx = 0
        for k in range(2, min(self.order, len(history) + 1) + 1):
            ctx += int(history[-(k - 1)]) * v ** (k - 2)
            t = self.tables[k - 2]
            c = int(np.searchsorted(t.contexts, ctx))
            if c >= t.contexts.size or t.contexts[c] != ctx:
                continue
            lo, hi = t.starts[c], t.starts[c + 1]
            p *= t.gamma[c] / t.totals[c]
            p[t.keys[lo:hi] % v] += t.kept[lo:hi] / t.totals[c]
        return p

    def next_logprobs(self, history: Sequence[int]) -> np.ndarray:
        """``log(next_probs(history))`` (all finite)."""
        return np.log(self.next_probs(history))

    def describe(self) -> str:
        sizes = ", ".join(f"{k}-grams {t.keys.size:,}" for k, t in enumerate(self.tables, start=2))
        return f"{self.order}-gram modified Kneser-Ney on {self.trained_tokens:,} tokens" + (
            f" ({sizes})" if sizes else ""
        )


def max_order(vocab_size: int) -> int:
    """The longest n-gram that packs into an int64 for this vocabulary (at most MAX_ORDER)."""
    return max(k for k in range(1, MAX_ORDER + 1) if vocab_size**k < 2**62)


def fit_on_split(
    dataset, order: int = 5, max_tokens: int | None = None, split: str = "train", seed: int = 0
) -> NGramModel:
    """Train on a built dataset's split: whole documents in a seeded random order, up to
    ``max_tokens`` tokens (None: all)."""
    import json
    from pathlib import Path

    from jambridge.dataset import load_split

    tokens, docs = load_split(dataset, split)
    try:
        vocab_size = int(json.loads((Path(dataset) / "meta.json").read_text())["vocab_size"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise DataError(f"{dataset}/meta.json is unreadable: {err}") from None
    if len(docs) == 0:
        raise DataError(f"{dataset}: the {split} split has no documents to train an n-gram on")
    order_ = np.random.default_rng(seed).permutation(len(docs))
    lengths = docs[order_, 1]
    keep = order_ if max_tokens is None else order_[np.cumsum(lengths) - lengths < max_tokens]
    keep = np.sort(keep)
    pieces = [np.asarray(tokens[o : o + n]) for o, n in docs[keep, :2]]
    stream = np.concatenate(pieces).astype(np.int64)
    new_lengths = docs[keep, 1]
    new_docs = np.stack([np.cumsum(new_lengths) - new_lengths, new_lengths], axis=1)
    return NGramModel.fit(stream, new_docs, vocab_size, order)
