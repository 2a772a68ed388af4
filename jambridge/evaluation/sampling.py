"""Grammar-masked sampling of whole documents from any next-token model: the n-gram baseline and
the ONNX model go through the same loop, prompted with the same headers, so their samples differ
only by the model.

A :class:`TokenModel` turns prompts into next-token scores and then takes one token per row at a
time. :func:`sample_documents` masks the scores with the tokenizer's grammar (so every document
decodes), samples with :func:`jambridge.engine.sampler.sample`, stops a row at EOS, forbids a new
BAR once a row has its bars (the open bar still gets finished), and cuts a row that reaches the
model's capacity (the unfinished bar is dropped when decoding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from jambridge.engine.sampler import check_settings, sample
from jambridge.errors import EngineError
from jambridge.music import Song


class TokenModel(Protocol):
    """Next-token scores (logits or log-probabilities) for a batch of rows."""

    vocab_size: int
    capacity: int  # most tokens a row may hold (prompt included)

    def begin(self, prompts: Sequence[Sequence[int]]) -> np.ndarray:
        """Forget everything, feed each row its prompt; scores (rows, vocab) for what follows."""
        ...

    def step(self, tokens: np.ndarray, active: np.ndarray) -> np.ndarray:
        """Feed ``tokens[b]`` to each row with ``active[b]``; scores (rows, vocab) after it."""
        ...


@dataclass(frozen=True)
class SampleConfig:
    """How to sample."""

    temperature: float = 1.0  # 1 = the model's own distribution (what the metrics should see)
    top_k: int = 0  # 0 = off
    top_p: float = 1.0  # 1 = off
    batch_size: int = 16  # rows decoded together (the ONNX model runs them in one call)

    def __post_init__(self) -> None:
        check_settings(self.temperature, self.top_k, self.top_p)
        if not 1 <= self.batch_size <= 256:
            raise EngineError(f"batch_size must be in range 1..256, got {self.batch_size}")


class NGramTokens:
    """:class:`TokenModel` over an :class:`~jambridge.evaluation.ngram.NGramModel`."""

    def __init__(self, model, capacity: int = 4096) -> None:
        self.model = model
        self.vocab_size = model.vocab_size
        self.capacity = capacity
        self._history: list[list[int]] = []

    def begin(self, prompts: Sequence[Sequence[int]]) -> np.ndarray:
        self._history = [list(p) for p in prompts]
        return np.stack([self.model.next_logprobs(h) for h in self._history])

    def step(self, tokens: np.ndarray, active: np.ndarray) -> np.ndarray:
        out = np.zeros((len(self._history), self.vocab_size))
        for b, h in enumerate(self._history):
            if active[b]:
                h.append(int(tokens[b]))
                out[b] = self.model.next_logprobs(h)
        return out


class OnnxTokens:
    """:class:`TokenModel` over an ONNX model (the engine's decoder: KV cache, IO binding)."""

    def __init__(self, session, batch_size: int) -> None:
        from jambridge.engine.decoder import Decoder

        self.decoder = Decoder(session, batch_size=batch_size)
        self.vocab_size = session.meta.vocab_size
        self.capacity = self.decoder.capacity
        self.batch_size = batch_size

    def begin(self, prompts: Sequence[Sequence[int]]) -> np.ndarray:
        self.decoder.reset()
        out = np.zeros((self.batch_size, self.vocab_size), dtype=np.float32)
        for b, p in enumerate(prompts):
            out[b] = self.decoder.prefill(list(p), row=b)
        return out[: len(prompts)]

    def step(self, tokens: np.ndarray, active: np.ndarray) -> np.ndarray:
        ids = np.zeros(self.batch_size, dtype=np.int64)
        advance = np.zeros(self.batch_size, dtype=np.int64)
        ids[: len(tokens)] = tokens
        advance[: len(active)] = active
        return self.decoder.step(ids, advance)[: len(tokens)].copy()


def _sample_batch(
    model: TokenModel,
    tokenizer,
    prompts: Sequence[Sequence[int]],
    bars: Sequence[int],
    rng: np.random.Generator,
    cfg: SampleConfig,
) -> list[tuple[list[int], bool]]:
    g = tokenizer.grammar
    states = []
    for p in prompts:
        s = g.start()
        for t in p:
            s = g.advance(s, int(t))
        states.append(s)
    docs = [list(p) for p in prompts]
    done_bars = [sum(1 for t in p if t == tokenizer.bar_id) for p in prompts]
    active = np.ones(len(prompts), dtype=bool)
    truncated = [False] * len(prompts)
    scores = model.begin(prompts)
    while active.any():
        tokens = np.zeros(len(prompts), dtype=np.int64)
        for b in np.flatnonzero(active):
            if len(docs[b]) >= model.capacity:
                active[b], truncated[b] = False, True
                continue
            mask = g.allowed(states[b])
            if done_bars[b] >= bars[b] and mask[tokenizer.bar_id]:
                mask = mask.copy()
                mask[tokenizer.bar_id] = False
            t = sample(scores[b], rng, cfg.temperature, cfg.top_k, cfg.top_p, allowed=mask)
            states[b] = g.advance(states[b], t)
            docs[b].append(t)
            tokens[b] = t
            done_bars[b] += t == tokenizer.bar_id
            if t == tokenizer.eos_id:
                active[b] = False
        if active.any():
            scores = model.step(tokens, active)
    return list(zip(docs, truncated))


def decode_sample(tokenizer, ids: Sequence[int], truncated: bool) -> Song:
    """A sampled document as a Song; a document cut at the capacity loses its unfinished bar."""
    song, _skipped = tokenizer.decode_report(ids, strict=False)
    if truncated and song.length_bars > 0:
        bars = song.bars()[:-1]
        song = Song.from_bars(
            bars, tracks=song.tracks, tempo_bpm=song.tempo_bpm, key=song.key, style=song.style
        )
    return song


def sample_documents(
    model: TokenModel,
    tokenizer,
    prompts: Sequence[Sequence[int]],
    bars: Sequence[int],
    seed: int = 0,
    config: SampleConfig | None = None,
) -> list[Song]:
    """Sample one document per prompt (a header, possibly with bars), ``bars[i]`` bars in all
    for row i (fewer when the model ends it early or it reaches the model's capacity).

    Returns:
        The decoded songs, in prompt order.
    """
    cfg = config or SampleConfig()
    if len(prompts) != len(bars):
        raise EngineError(f"need one bar count per prompt, got {len(bars)} for {len(prompts)}")
    rng = np.random.default_rng(seed)
    songs: list[Song] = []
    for lo in range(0, len(prompts), cfg.batch_size):
        chunk = _sample_batch(
            model,
            tokenizer,
            prompts[lo : lo + cfg.batch_size],
            bars[lo : lo + cfg.batch_size],
            rng,
            cfg,
        )
        songs += [decode_sample(tokenizer, ids, cut) for ids, cut in chunk]
    return songs
