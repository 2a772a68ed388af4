"""Model and training configuration: frozen dataclasses that round-trip through JSON.

``ModelConfig`` describes the network (it is saved with every checkpoint and, as JSON, in the
exported ONNX file's metadata). ``TrainConfig`` describes one training run. Both validate on
construction and name the allowed range in their messages. This module imports no torch, so
the engine and the CLI can read configs without it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from jambridge.errors import DataError

T = TypeVar("T", bound="_JsonConfig")


class _JsonConfig:
    """JSON round trip for a frozen config dataclass; unknown keys are an error."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - names)
        if unknown:
            raise DataError(
                f"{cls.__name__}: unknown field(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(names))}"
            )
        return cls(**data)

    @classmethod
    def from_json(cls: type[T], text: str) -> T:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise DataError(f"{cls.__name__}: not valid JSON ({err})") from err
        if not isinstance(data, dict):
            raise DataError(f"{cls.__name__}: expected a JSON object, got {type(data).__name__}")
        return cls.from_dict(data)

    @classmethod
    def load(cls: type[T], path: str | Path) -> T:
        try:
            return cls.from_json(Path(path).read_text())
        except OSError as err:
            raise DataError(f"cannot read config {path}: {err.strerror or err}") from err

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n")


def _check(name: str, ok: bool, allowed: str, value: Any) -> None:
    if not ok:
        raise DataError(f"{name} must be {allowed}, got {value!r}")


@dataclass(frozen=True)
class ModelConfig(_JsonConfig):
    """The decoder's shape. Defaults are the shipped model's size (chosen by measurement:
    see docs/engine-decode-speed.md for the speed trade-off)."""

    vocab_size: int = 1024  # token ids 0..vocab_size-1; set from the dataset's tokenizer
    # Size chosen by measurement on a 2-core CPU (jambridge.engine docstring has the table):
    # decode cost is the weights (~n_layer * 12 * n_embd^2) plus attention over the context
    # (n_layer * n_head * head_size per cached token, at ~8 GMAC/s in onnxruntime's kernel).
    n_layer: int = 4  # transformer blocks
    n_head: int = 2  # query heads
    n_kv_head: int = 1  # key/value heads (1 = multi-query): the cache is n_head times smaller
    n_embd: int = 192  # model width; weights grow with its square
    head_size: int = 32  # width of one head; attention costs n_head * head_size per cached token
    block_size: int = 1024  # trained context in tokens (~10 bars); the engine slides past it
    dropout: float = 0.0  # dropout in attention output and MLP; 0 for small data is fine too
    rope_theta: float = 10000.0  # rotary base; relative positions let the window slide forever
    mlp_ratio: int = 4  # MLP hidden width = mlp_ratio * n_embd
    norm_eps: float = 1e-5  # LayerNorm epsilon

    def __post_init__(self) -> None:
        _check("vocab_size", 2 <= self.vocab_size <= 65535, "in range 2..65535", self.vocab_size)
        _check("n_layer", 1 <= self.n_layer <= 64, "in range 1..64", self.n_layer)
        _check("n_head", 1 <= self.n_head <= 64, "in range 1..64", self.n_head)
        _check(
            "n_kv_head",
            1 <= self.n_kv_head <= self.n_head and self.n_head % self.n_kv_head == 0,
            f"a divisor of n_head ({self.n_head})",
            self.n_kv_head,
        )
        _check("n_embd", 8 <= self.n_embd <= 8192, "in range 8..8192", self.n_embd)
        _check(  # onnxruntime's GroupQueryAttention needs a multiple of 16
            "head_size",
            16 <= self.head_size <= 256 and self.head_size % 16 == 0,
            "a multiple of 16 in range 16..256",
            self.head_size,
        )
        _check("block_size", 16 <= self.block_size <= 65536, "in range 16..65536", self.block_size)
        _check("dropout", 0.0 <= self.dropout < 1.0, "in range 0..1 (exclusive)", self.dropout)
        _check("rope_theta", self.rope_theta > 1.0, "> 1", self.rope_theta)
        _check("mlp_ratio", 1 <= self.mlp_ratio <= 16, "in range 1..16", self.mlp_ratio)
        _check("norm_eps", 0.0 < self.norm_eps < 1.0, "in range 0..1 (exclusive)", self.norm_eps)

    @property
    def attn_dim(self) -> int:
        """Width of the queries (and of the attention output) of one token in one layer."""
        return self.n_head * self.head_size

    @property
    def kv_dim(self) -> int:
        """Width of the keys (and of the values) of one token in one layer."""
        return self.n_kv_head * self.head_size

    def n_params(self) -> int:
        """Parameter count (embedding shared with the output head, counted once)."""
        c, h = self.n_embd, self.mlp_ratio * self.n_embd
        per_block = 2 * c + c * (self.attn_dim + 2 * self.kv_dim) + self.attn_dim * c + 2 * c * h
        return self.vocab_size * c + self.n_layer * per_block + c


@dataclass(frozen=True)
class TrainConfig(_JsonConfig):
    """One training run. ``batch_size`` is global: split over DDP ranks and accumulation steps,
    so a run's loss curve does not depend on how many processes share the work."""

    model: ModelConfig = ModelConfig()  # vocab_size is overwritten from the dataset's meta.json
    seed: int = 1234  # seeds weights, batch order and dropout; a run is reproducible
    batch_size: int = 32  # sequences per optimizer step, over all ranks and micro-steps
    grad_accum_steps: int = 1  # micro-steps per optimizer step (per rank)
    max_steps: int = 20000  # optimizer steps in the run
    lr: float = 6e-4  # peak learning rate, reached after warmup
    min_lr: float = 6e-5  # floor of the cosine decay
    warmup_steps: int = 500  # linear warmup from 0 to lr
    weight_decay: float = 0.1  # AdamW decay on matrices (not on norms)
    beta1: float = 0.9  # AdamW first-moment decay
    beta2: float = 0.95  # AdamW second-moment decay; 0.95 is steadier for small batches
    grad_clip: float = 1.0  # clip the global grad norm to this (0 disables)
    eval_interval: int = 500  # steps between validation passes and checkpoints
    eval_batches: int = 20  # batches per validation pass (fixed windows, same every pass)
    log_interval: int = 10  # steps between progress/log lines
    dtype: str = "auto"  # "auto" (bf16 autocast on GPUs that have it), "float32" or "bfloat16"
    header_pin: bool = True  # a document longer than the context is cut at a bar line with its
    # header pinned in front (as the engine's sliding window does); False: plain random crops
    # Corpus mix: dataset source name -> share of the training tokens sampled from it (e.g.
    # {"procedural": 0.5}); sources not named share the rest in proportion to their size.
    source_weights: dict[str, float] = field(default_factory=dict)
    # Control tokens (v2 vocabularies) are optional at inference, so training drops them: a row
    # loses all of them with probability controls_off, else keeps each (kind, role) with
    # probability control_keep. The model sees conditioned and unconditioned music alike.
    controls_off: float = 0.3
    control_keep: float = 0.5

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            object.__setattr__(self, "model", ModelConfig.from_dict(self.model))
        _check("batch_size", self.batch_size >= 1, ">= 1", self.batch_size)
        _check("grad_accum_steps", self.grad_accum_steps >= 1, ">= 1", self.grad_accum_steps)
        _check("max_steps", self.max_steps >= 1, ">= 1", self.max_steps)
        _check("lr", 0.0 < self.lr < 1.0, "in range 0..1 (exclusive)", self.lr)
        _check("min_lr", 0.0 <= self.min_lr <= self.lr, f"in range 0..lr ({self.lr})", self.min_lr)
        _check("warmup_steps", self.warmup_steps >= 0, ">= 0", self.warmup_steps)
        _check("weight_decay", self.weight_decay >= 0.0, ">= 0", self.weight_decay)
        _check("beta1", 0.0 <= self.beta1 < 1.0, "in range 0..1 (exclusive)", self.beta1)
        _check("beta2", 0.0 <= self.beta2 < 1.0, "in range 0..1 (exclusive)", self.beta2)
        _check("grad_clip", self.grad_clip >= 0.0, ">= 0", self.grad_clip)
        _check("eval_interval", self.eval_interval >= 1, ">= 1", self.eval_interval)
        _check("eval_batches", self.eval_batches >= 1, ">= 1", self.eval_batches)
        _check("log_interval", self.log_interval >= 1, ">= 1", self.log_interval)
        _check("dtype", self.dtype in _DTYPES, f"one of {', '.join(_DTYPES)}", self.dtype)
        for name in ("controls_off", "control_keep"):
            value = getattr(self, name)
            _check(name, 0.0 <= value <= 1.0, "in range 0..1", value)

    def micro_batch(self, world_size: int) -> int:
        """Sequences per rank per micro-step; the global batch must split evenly."""
        parts = world_size * self.grad_accum_steps
        if self.batch_size % parts:
            raise DataError(
                f"batch_size ({self.batch_size}) must be a multiple of ranks x grad_accum_steps "
                f"({world_size} x {self.grad_accum_steps} = {parts})"
            )
        return self.batch_size // parts

    def with_model(self, **changes: Any) -> TrainConfig:
        """A copy with some model fields changed (e.g. the dataset's vocab_size)."""
        model = ModelConfig.from_dict({**self.model.to_dict(), **changes})
        return TrainConfig.from_dict({**self.to_dict(), "model": model})


_DTYPES = ("auto", "float32", "bfloat16")
