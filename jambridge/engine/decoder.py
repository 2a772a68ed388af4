"""Token-level decoding over a :class:`ModelSession` with a :class:`KVCache`: the engine knows
only token ids (music lives in :mod:`jambridge.engine.generator`).

:meth:`Decoder.step` feeds one token per row and returns the next-token logits for every row.
All its inputs and outputs are bound once (IO binding) to preallocated arrays: a step writes the
token ids, the lengths, runs, and reads the logits buffer, with no allocation and no cache copy.
Rows move independently: a row that is not advancing (``advance[b] = False``, e.g. it already
finished its bar) writes a throw-away key just past its end, which its next real token
overwrites. :meth:`Decoder.prefill` feeds many tokens to one row in one call (the attention
operator accepts a chunk after a past only for one row, so each row gets its own call).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnxruntime as ort

from jambridge import onnx_contract as oc
from jambridge.engine.kv_cache import KVCache
from jambridge.engine.session import ModelSession
from jambridge.errors import EngineError


class Decoder:
    """Batched incremental decoding with a KV cache kept across calls."""

    def __init__(
        self, model: ModelSession, batch_size: int = 1, capacity: int | None = None
    ) -> None:
        self.model, self.meta = model, model.meta
        self.batch_size = batch_size
        self.capacity = capacity or model.meta.block_size
        self.vocab_size = model.meta.vocab_size
        self.cache = KVCache(model.meta, batch_size, self.capacity, model.device)
        self._ids = np.zeros((batch_size, 1), dtype=np.int64)
        self._seqlens = np.zeros(batch_size, dtype=np.int32)
        self._total = np.zeros((), dtype=np.int32)
        self._logits = np.zeros((batch_size, 1, self.vocab_size), dtype=np.float32)
        self._binding = model.session.io_binding()
        self._keep = [ort.OrtValue.ortvalue_from_numpy(a) for a in (self._ids, self._seqlens,
                                                                     self._total)]  # fmt: skip
        for name, value in zip((oc.INPUT_IDS, oc.SEQLENS_K, oc.TOTAL_SEQUENCE_LENGTH), self._keep):
            self._binding.bind_ortvalue_input(name, value)
        self._keep += self.cache.bind(self._binding)
        self._binding.bind_output(oc.LOGITS, "cpu", 0, np.float32, list(self._logits.shape),
                                  self._logits.ctypes.data)  # fmt: skip

    @property
    def lengths(self) -> np.ndarray:
        """Tokens cached per row (read-only view; change it through the methods)."""
        return self.cache.lengths

    def reset(self) -> None:
        """Forget every row's context."""
        self.cache.lengths[:] = 0

    def step(
        self, ids: np.ndarray | Sequence[int], advance: np.ndarray | None = None
    ) -> np.ndarray:
        """Feed one token per row; return logits (batch, vocab) for the next token.

        The returned array is reused by the next call: copy what you keep.
        """
        lengths = self.cache.lengths
        top = int(lengths[0]) if self.batch_size == 1 else int(lengths.max())
        if top >= self.capacity:
            raise EngineError(
                f"row {int(np.argmax(lengths))} holds {self.capacity} tokens, the cache "
                "capacity: drop old tokens (slide the window) before feeding more"
            )
        self._ids[:, 0] = ids
        self._seqlens[:] = lengths  # this call's token goes to slot lengths[b]
        self._total.fill(top + 1)
        try:
            self.model.session.run_with_iobinding(self._binding)
        except Exception as err:
            raise EngineError(f"decode step failed: {err}") from None
        if advance is None:
            lengths += 1
        else:
            lengths += advance
        return self._logits[:, 0, :]

    def prefill(self, tokens: Sequence[int], row: int = 0) -> np.ndarray:
        """Feed ``tokens`` to ``row`` after what it holds; return the logits (vocab,) that
        follow the last one."""
        n = len(tokens)
        if n == 0:
            raise EngineError("prefill needs at least one token")
        start = int(self.cache.lengths[row])
        if start + n > self.capacity:
            raise EngineError(
                f"prefill of {n} tokens after {start} exceeds the cache capacity {self.capacity}"
            )
        if self.batch_size > 1 and self.model.device != "cpu":
            return self._prefill_stepwise(tokens, row)
        binding = self.model.session.io_binding()
        feeds = (
            (oc.INPUT_IDS, np.asarray(tokens, dtype=np.int64).reshape(1, n)),
            (oc.SEQLENS_K, np.array([start + n - 1], dtype=np.int32)),
            (oc.TOTAL_SEQUENCE_LENGTH, np.array(start + n, dtype=np.int32)),
        )
        keep = [ort.OrtValue.ortvalue_from_numpy(a) for _, a in feeds]
        for (name, _), value in zip(feeds, keep):
            binding.bind_ortvalue_input(name, value)
        binding.bind_output(oc.LOGITS, "cpu")  # first bound output = first of get_outputs()
        keep += self.cache.bind(binding, row if self.batch_size > 1 else None)
        try:
            self.model.session.run_with_iobinding(binding)
        except Exception as err:
            raise EngineError(f"prefill of {n} tokens failed: {err}") from None
        logits = binding.get_outputs()[0].numpy()
        self.cache.lengths[row] = start + n
        return logits[0, -1].copy()

    def _prefill_stepwise(self, tokens: Sequence[int], row: int) -> np.ndarray:
        advance = np.zeros(self.batch_size, dtype=np.int64)
        advance[row] = 1
        ids = np.zeros(self.batch_size, dtype=np.int64)
        logits = self._logits[:, 0, :]  # each step's (tokens is never empty: see prefill)
        for t in tokens:
            ids[row] = t
            logits = self.step(ids, advance)
        return logits[row].copy()

    def rewind(self, row: int, length: int) -> None:
        self.cache.rewind(row, length)

    def drop(self, row: int, start: int, count: int) -> None:
        self.cache.drop(row, start, count)

    def copy_row(self, src: int, dst: int) -> None:
        self.cache.copy_row(src, dst)
