"""The KV cache: one preallocated buffer per layer and kind, shared by the model's past input and
present output through IO binding, so a decode step copies nothing but the new token's keys.

Layout per buffer: ``(batch, n_kv_head, capacity, head_size)``; row ``b`` holds
``lengths[b]`` valid positions. Keys carry their rotary position, which is their slot index.

Sliding window (:meth:`KVCache.drop`): removing positions ``start .. start+count`` shifts the
later ones left and rotates their keys back by ``count`` positions (rotary is a rotation per
frequency pair, so this is exact for the rotation itself). The kept tokens' keys and values
still carry what they computed while the dropped tokens were visible, like StreamingLLM; the
generator pins the header and drops whole bars, and a test checks the rotated keys against a
fresh prefill. A slide costs one memmove of the cache (~1 ms at full context), not a prefill.

On CPU the buffers are NumPy arrays that onnxruntime reads and writes in place. On CUDA they
are device OrtValues; the rare row operations (drop, copy) go through host memory.
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort

from jambridge import onnx_contract as oc
from jambridge.errors import EngineError

_NP_DTYPE = {"float32": np.float32, "float16": np.float16}


class KVCache:
    """Preallocated keys and values for ``batch_size`` rows of up to ``capacity`` tokens."""

    def __init__(
        self,
        meta: oc.ModelMeta,
        batch_size: int,
        capacity: int,
        device: str = "cpu",
    ) -> None:
        if not 1 <= capacity <= meta.block_size:
            raise EngineError(
                f"cache capacity must be in range 1..{meta.block_size} (the model's context), "
                f"got {capacity}"
            )
        if batch_size < 1:
            raise EngineError(f"batch_size must be >= 1, got {batch_size}")
        self.meta, self.batch_size, self.capacity, self.device = meta, batch_size, capacity, device
        self.dtype = _NP_DTYPE[meta.dtype]
        self.shape = (batch_size, meta.n_kv_head, capacity, meta.head_size)
        self.lengths = np.zeros(batch_size, dtype=np.int64)
        self.names = [
            (oc.past_name(i, kind), oc.present_name(i, kind))
            for i in range(meta.n_layer)
            for kind in ("key", "value")
        ]
        if device == "cpu":
            self.arrays: list[np.ndarray] | None = [
                np.zeros(self.shape, dtype=self.dtype) for _ in self.names
            ]
            self.values = [ort.OrtValue.ortvalue_from_numpy(a) for a in self.arrays]
        else:
            self.arrays = None
            self.values = [
                ort.OrtValue.ortvalue_from_numpy(np.zeros(self.shape, self.dtype), device, 0)
                for _ in self.names
            ]
        half = meta.head_size // 2
        self._inv_freq = 1.0 / (meta.rope_theta ** (np.arange(half, dtype=np.float64) / half))

    # -- binding -------------------------------------------------------------------------------

    def bind(self, binding: ort.IOBinding, row: int | None = None) -> list[ort.OrtValue]:
        """Bind every past input and present output to the same buffer (all rows, or one row's
        contiguous slice on CPU). Returns the OrtValues, which must outlive the binding."""
        if row is None:
            values = self.values
        elif self.arrays is not None:
            values = [ort.OrtValue.ortvalue_from_numpy(a[row : row + 1]) for a in self.arrays]
        else:
            raise EngineError("per-row binding needs the CPU cache")
        for (past, present), value in zip(self.names, values, strict=True):
            binding.bind_ortvalue_input(past, value)
            binding.bind_ortvalue_output(present, value)
        return values

    # -- row operations ------------------------------------------------------------------------

    def _host(self, i: int) -> np.ndarray:
        return self.arrays[i] if self.arrays is not None else self.values[i].numpy()

    def _store(self, i: int, host: np.ndarray) -> None:
        if self.arrays is None:
            self.values[i].update_inplace(np.ascontiguousarray(host))

    def room(self, row: int) -> int:
        """Positions still free in ``row``."""
        return self.capacity - int(self.lengths[row])

    def rewind(self, row: int, length: int) -> None:
        """Forget everything after the first ``length`` positions of ``row`` (free: the
        positions are simply overwritten later)."""
        if not 0 <= length <= self.lengths[row]:
            raise EngineError(
                f"rewind length must be in range 0..{self.lengths[row]}, got {length}"
            )
        self.lengths[row] = length

    def drop(self, row: int, start: int, count: int) -> None:
        """Remove positions ``start .. start+count-1`` of ``row``; later ones move left and
        their keys are rotated back by ``count`` positions."""
        length = int(self.lengths[row])
        if count <= 0:
            return
        if not (start >= 0 and start + count <= length):
            raise EngineError(
                f"drop range {start}..{start + count} must lie inside the row's {length} tokens"
            )
        tail = length - start - count
        angle = count * self._inv_freq  # rotate by -count positions
        cos, sin = np.cos(angle), np.sin(angle)
        half = self.meta.head_size // 2
        for i in range(len(self.names)):
            buf = self._host(i)
            moved = buf[row, :, start + count : length].astype(np.float32)  # (nkv, tail, hs)
            if i % 2 == 0:  # keys: un-rotate
                x1, x2 = moved[..., :half].copy(), moved[..., half:].copy()
                moved[..., :half] = x1 * cos + x2 * sin
                moved[..., half:] = x2 * cos - x1 * sin
            buf[row, :, start : start + tail] = moved
            self._store(i, buf)
        self.lengths[row] = length - count

    def copy_row(self, src: int, dst: int) -> None:
        """Make row ``dst`` a copy of row ``src`` (variations share a prompt)."""
        n = int(self.lengths[src])
        for i in range(len(self.names)):
            buf = self._host(i)
            buf[dst, :, :n] = buf[src, :, :n]
            self._store(i, buf)
        self.lengths[dst] = n

    def keys(self, layer: int, row: int) -> np.ndarray:
        """A copy of ``row``'s valid keys of ``layer``: (n_kv_head, length, head_size)."""
        return self._host(2 * layer)[row, :, : self.lengths[row]].astype(np.float32)
