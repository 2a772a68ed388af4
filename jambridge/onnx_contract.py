"""The ONNX contract between ``jambridge.export`` (writes models) and ``jambridge.engine``
(runs them), written once. Pure Python and NumPy: no torch, no onnx package.

Inputs
    ``input_ids``            int64   (batch_size, sequence_length)
    ``seqlens_k``            int32   (batch_size,)  per row: tokens in the cache after this call
                                     minus 1 (the positions input: row b's new tokens sit at
                                     positions seqlens_k[b] + 1 - sequence_length ...)
    ``total_sequence_length`` int32  ()  max over rows of seqlens_k + 1
    ``past_key_values.{i}.key|value``
                             float   (batch_size, n_kv_head, past_sequence_length, head_size)
Outputs
    ``logits``               float32 (batch_size, sequence_length, vocab_size)
    ``present.{i}.key|value``  float (batch_size, n_kv_head, total_sequence_length, head_size)

Keys carry rotary position already applied. Two ways to run it: pass a past exactly as long
as the cache (``past_sequence_length`` = cached tokens; ``present`` comes back longer by
``sequence_length``, the standard optimum layout), or pass a preallocated buffer of
``max_sequence_length`` positions as both past and present (same OrtValue via IO binding):
the attention operator then writes the new keys in place and reads only the first
``seqlens_k + 1`` positions, so a step costs the same at any buffer size. The engine does the
latter.

``metadata_props`` hold :data:`META_MODEL_CONFIG` (the ``ModelConfig`` as JSON),
:data:`META_VOCAB_HASH` (the tokenizer's ``vocab_hash``), :data:`META_TOKENIZER` (the
tokenizer's JSON), :data:`META_CONTRACT` (this contract's version) and :data:`META_DTYPE`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from jambridge import safe_json
from jambridge.errors import ModelError

CONTRACT_VERSION = "1"
T = TypeVar("T")

INPUT_IDS = "input_ids"
SEQLENS_K = "seqlens_k"
TOTAL_SEQUENCE_LENGTH = "total_sequence_length"
LOGITS = "logits"

AXIS_BATCH = "batch_size"
AXIS_SEQUENCE = "sequence_length"
AXIS_PAST = "past_sequence_length"
AXIS_TOTAL = "total_sequence_length"

META_MODEL_CONFIG = "jambridge.model_config"
META_VOCAB_HASH = "jambridge.vocab_hash"
META_TOKENIZER = "jambridge.tokenizer"
META_CONTRACT = "jambridge.contract_version"
META_DTYPE = "jambridge.dtype"
META_KEYS = (META_MODEL_CONFIG, META_VOCAB_HASH, META_TOKENIZER, META_CONTRACT, META_DTYPE)

DTYPES = ("float32", "float16")  # cache / weight element types; logits are always float32


def past_name(layer: int, kind: str) -> str:
    """``past_key_values.{layer}.{kind}``, kind ``key`` or ``value``."""
    return f"past_key_values.{layer}.{kind}"


def present_name(layer: int, kind: str) -> str:
    """``present.{layer}.{kind}``, kind ``key`` or ``value``."""
    return f"present.{layer}.{kind}"


@dataclass(frozen=True)
class TensorSpec:
    """One graph input or output: name, element type and shape (ints or axis names)."""

    name: str
    dtype: str  # "int64", "int32", "float32", "float16"
    shape: tuple[int | str, ...]


def io_specs(
    n_layer: int, n_kv_head: int, head_size: int, vocab_size: int, dtype: str = "float32"
) -> tuple[list[TensorSpec], list[TensorSpec]]:
    """The exact inputs and outputs a model with these dimensions must have."""
    if dtype not in DTYPES:
        raise ModelError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    past = (AXIS_BATCH, n_kv_head, AXIS_PAST, head_size)
    present = (AXIS_BATCH, n_kv_head, AXIS_TOTAL, head_size)
    inputs = [
        TensorSpec(INPUT_IDS, "int64", (AXIS_BATCH, AXIS_SEQUENCE)),
        TensorSpec(SEQLENS_K, "int32", (AXIS_BATCH,)),
        TensorSpec(TOTAL_SEQUENCE_LENGTH, "int32", ()),
    ]
    outputs = [TensorSpec(LOGITS, "float32", (AXIS_BATCH, AXIS_SEQUENCE, vocab_size))]
    for i in range(n_layer):
        for kind in ("key", "value"):
            inputs.append(TensorSpec(past_name(i, kind), dtype, past))
            outputs.append(TensorSpec(present_name(i, kind), dtype, present))
    return inputs, outputs


def check_io(
    actual_inputs: list[TensorSpec],
    actual_outputs: list[TensorSpec],
    expected_inputs: list[TensorSpec],
    expected_outputs: list[TensorSpec],
) -> list[str]:
    """Compare a model's inputs/outputs with the contract; one message per mismatch."""
    problems: list[str] = []
    for what, actual, expected in (
        ("input", actual_inputs, expected_inputs),
        ("output", actual_outputs, expected_outputs),
    ):
        have = {t.name: t for t in actual}
        want = {t.name: t for t in expected}
        missing = [n for n in want if n not in have]
        extra = [n for n in have if n not in want]
        if missing:
            problems.append(f"missing {what}(s): {', '.join(missing)}")
        if extra:
            problems.append(f"unexpected {what}(s): {', '.join(extra)}")
        for name in (n for n in want if n in have):
            a, e = have[name], want[name]
            if a.dtype != e.dtype:
                problems.append(f"{what} {name}: element type {a.dtype}, expected {e.dtype}")
            if len(a.shape) != len(e.shape) or any(
                x != y for x, y in zip(a.shape, e.shape, strict=False)
            ):
                problems.append(f"{what} {name}: shape {list(a.shape)}, expected {list(e.shape)}")
    return problems


class _ConfigValue(Generic[T]):
    """A :class:`ModelMeta` attribute: the config field of the same name, read as ``kind``."""

    def __init__(self, kind: Callable[[Any], T]) -> None:
        self.kind = kind
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, meta: None, owner: type) -> _ConfigValue[T]: ...
    @overload
    def __get__(self, meta: ModelMeta, owner: type) -> T: ...
    def __get__(self, meta: ModelMeta | None, owner: type) -> T | _ConfigValue[T]:
        return self if meta is None else self.kind(meta.config[self.name])


@dataclass(frozen=True)
class ModelMeta:
    """What a model file says about itself (parsed from ``metadata_props``)."""

    config: dict[str, Any]  # ModelConfig fields (vocab_size, n_layer, n_head, n_embd, ...)
    vocab_hash: str  # must equal the tokenizer's vocab_hash
    tokenizer_json: str  # the tokenizer the model was trained with ("" if none was embedded)
    dtype: str  # "float32" or "float16" (cache element type)

    # config fields the engine reads
    n_layer = _ConfigValue(int)
    n_head = _ConfigValue(int)
    n_kv_head = _ConfigValue(int)
    head_size = _ConfigValue(int)
    vocab_size = _ConfigValue(int)
    block_size = _ConfigValue(int)
    rope_theta = _ConfigValue(float)


# ModelConfig field -> (low, high): the ranges jambridge.training.config.ModelConfig enforces
_CONFIG_INTS = {
    "vocab_size": (2, 65535),
    "n_layer": (1, 64),
    "n_head": (1, 64),
    "n_kv_head": (1, 64),
    "head_size": (1, 256),
    "n_embd": (8, 8192),
    "block_size": (16, 65536),
}
_REQUIRED_CONFIG = (*_CONFIG_INTS, "rope_theta")
# The shipped model is 6 MB; 256 MB is a 65M-parameter float32 model, far past what decodes a
# bar in time on a CPU. The cap keeps a stray huge file from being read into memory whole.
MAX_MODEL_BYTES = 256_000_000
MAX_CACHE_BYTES = 512 * 2**20  # a full-context KV cache above this is no model we can run live
_CONFIG_LIMITS = safe_json.JsonLimits(max_bytes=64_000, max_depth=1)  # flat: field -> number
_TOKENIZER_LIMITS = safe_json.JsonLimits(max_bytes=4_000_000)  # ours is ~10 kB


def metadata_props(
    config: dict[str, Any], vocab_hash: str, tokenizer_json: str, dtype: str
) -> dict[str, str]:
    """The ``metadata_props`` an exported model carries."""
    return {
        META_MODEL_CONFIG: json.dumps(config, sort_keys=True),
        META_VOCAB_HASH: vocab_hash,
        META_TOKENIZER: tokenizer_json,
        META_CONTRACT: CONTRACT_VERSION,
        META_DTYPE: dtype,
    }


def parse_metadata(props: dict[str, str], source: str = "model") -> ModelMeta:
    """Read and check ``metadata_props``; ModelError naming the missing or bad key."""
    missing = [k for k in (META_MODEL_CONFIG, META_VOCAB_HASH, META_CONTRACT) if k not in props]
    if missing:
        raise ModelError(
            f"{source} is not a JamBridge model: metadata_props lack {', '.join(missing)} "
            "(export it with `jambridge export`)"
        )
    if props[META_CONTRACT] != CONTRACT_VERSION:
        raise ModelError(
            f"{source} uses ONNX contract version {props[META_CONTRACT]!r:.40}; this JamBridge "
            f"reads version {CONTRACT_VERSION!r} (re-export the checkpoint)"
        )
    where = f"{source}: {META_MODEL_CONFIG}"
    config = safe_json.loads(props[META_MODEL_CONFIG], where, ModelError, _CONFIG_LIMITS)
    dtype = props.get(META_DTYPE, "float32")
    if dtype not in DTYPES:
        raise ModelError(
            f"{source}: {META_DTYPE} must be one of {', '.join(DTYPES)}, got {dtype!r:.40}"
        )
    _check_config(config, where, dtype)
    vocab_hash = props[META_VOCAB_HASH]
    if not (vocab_hash.isascii() and vocab_hash.isalnum() and len(vocab_hash) <= 64):
        raise ModelError(
            f"{source}: {META_VOCAB_HASH} must be a hex digest, got {vocab_hash!r:.40}"
        )
    tokenizer_json = props.get(META_TOKENIZER, "")
    if tokenizer_json:  # the tokenizer parses it later; hostile text stops here
        safe_json.loads(
            tokenizer_json, f"{source}: {META_TOKENIZER}", ModelError, _TOKENIZER_LIMITS
        )
    return ModelMeta(config, vocab_hash, tokenizer_json, dtype)


def _check_config(config: Any, where: str, dtype: str) -> None:
    """ModelError unless ``config`` holds every required field, as an int in its range (a
    finite rope_theta > 1), and a full-context cache fits :data:`MAX_CACHE_BYTES`."""
    if not isinstance(config, dict) or any(k not in config for k in _REQUIRED_CONFIG):
        raise ModelError(f"{where} must be an object with {', '.join(_REQUIRED_CONFIG)}")
    for name, (low, high) in _CONFIG_INTS.items():
        value = config[name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ModelError(f"{where}: {name} must be an integer, got {value!r:.40}")
        if not low <= value <= high:
            raise ModelError(f"{where}: {name} must be in range {low}..{high}, got {value}")
    if config["n_head"] % config["n_kv_head"]:
        raise ModelError(f"{where}: n_kv_head ({config['n_kv_head']}) must divide n_head")
    theta = config["rope_theta"]
    if isinstance(theta, bool) or not isinstance(theta, int | float) or not 1 < theta < math.inf:
        raise ModelError(f"{where}: rope_theta must be a number > 1, got {theta!r:.40}")
    itemsize = 2 if dtype == "float16" else 4
    keys = ("n_layer", "n_kv_head", "block_size", "head_size")
    cache = 2 * itemsize * math.prod(config[k] for k in keys)
    if cache > MAX_CACHE_BYTES:
        raise ModelError(
            f"{where}: a full context would need a {cache / 2**20:,.0f} MiB key/value cache "
            f"(2 x {' x '.join(keys)} x {itemsize} bytes); at most {MAX_CACHE_BYTES >> 20} MiB"
        )


def rope_tables(head_size: int, rope_theta: float, positions: Any) -> tuple[Any, Any]:
    """cos and sin (len(positions), head_size / 2) in float32 — the same tables the model uses."""
    import numpy as np

    half = head_size // 2
    inv_freq = 1.0 / (rope_theta ** (np.arange(half, dtype=np.float32) / half))
    angles = np.asarray(positions, dtype=np.float32)[:, None] * inv_freq[None, :]
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)
