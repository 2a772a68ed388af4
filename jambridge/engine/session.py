"""Open a JamBridge ONNX model with onnxruntime and check it against the contract.

Providers: ``CUDAExecutionProvider`` then ``CPUExecutionProvider`` (the ``onnxruntime-gpu``
wheel runs on CPU too; without CUDA the first is skipped with no noise), and
:attr:`ModelSession.provider` says which one the session actually got. Intra-op threads are
set by :class:`SessionConfig` (1 by default, measured fastest for batch-1 decode on a 2-core
CPU; ``jambridge bench --threads`` measures it on yours) and never spin, so a decoding process
leaves the timing-critical MIDI process its core.

Every way a model file can be wrong ends in a :class:`~jambridge.errors.ModelError` that says
what is wrong: missing, unreadable, corrupt or truncated, not a JamBridge model (no metadata),
inputs or outputs that break the contract, or a vocabulary hash that differs from the
tokenizer's.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

from jambridge import onnx_contract as oc
from jambridge.errors import ModelError
from jambridge.files import read_capped

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
_ELEM = {
    "tensor(float)": "float32",
    "tensor(float16)": "float16",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
}


@dataclass(frozen=True)
class SessionConfig:
    """How to run a model."""

    threads: int = 1  # intra-op threads; 1 is fastest for batch-1 decode on 2 cores (measured)
    providers: tuple[str, ...] | None = None  # None: CUDA (when usable) then CPU
    spinning: bool = False  # spinning intra-op threads steal the MIDI thread's core
    optimize: bool = True  # onnxruntime graph optimizations (fusions) at load time

    def __post_init__(self) -> None:
        if not 1 <= self.threads <= 64:
            raise ModelError(f"threads must be in range 1..64, got {self.threads}")


def default_providers() -> list[str]:
    """CUDA first when the wheel has it and a CUDA runtime is present, then CPU."""
    available = ort.get_available_providers()
    providers = [CPU]
    if CUDA in available and _cuda_runtime_present():
        providers.insert(0, CUDA)
    return providers


def _cuda_runtime_present() -> bool:
    """Cheap check before asking onnxruntime for CUDA (which logs an error when it fails)."""
    if os.environ.get("JAMBRIDGE_NO_CUDA"):
        return False
    import ctypes.util

    return (
        any(ctypes.util.find_library(n) for n in ("cudart", "cuda"))
        or Path("/proc/driver/nvidia/version").exists()
    )


def default_model_path(must_exist: bool = True) -> Path:
    """The shipped model: ``jambridge/models/default/model.onnx``."""
    path = Path(__file__).resolve().parent.parent / "models" / "default" / "model.onnx"
    if must_exist and not path.exists():
        raise ModelError(
            f"the default model is not installed ({path} is missing): train and export one "
            "(`jambridge train`, `jambridge export`) and pass --model, or use --engine procedural"
        )
    return path


def resolve_model_path(path: str | Path | None) -> Path:
    """A model file from a file path, a folder holding ``model.onnx``, or None (the default)."""
    if path is None:
        return default_model_path()
    p = Path(path)
    if p.is_dir():
        p = p / "model.onnx"
    if not p.exists():
        raise ModelError(f"model file {p} does not exist")
    return p


def _spec(arg) -> oc.TensorSpec:
    shape = tuple(d if isinstance(d, int) else str(d) for d in (arg.shape or ()))
    return oc.TensorSpec(arg.name, _ELEM.get(arg.type, arg.type), shape)


class ModelSession:
    """An onnxruntime session over a checked JamBridge model.

    Attributes:
        path: the file it came from ("<bytes>" for in-memory models).
        meta: what the model says about itself (config, vocabulary hash, tokenizer JSON).
        session: the ``onnxruntime.InferenceSession``.
        provider: the execution provider actually in use (first of ``get_providers()``).
        device: ``"cuda"`` or ``"cpu"``: where the KV cache must live.
        load_s: seconds spent creating the session.
    """

    def __init__(
        self,
        model: str | Path | bytes,
        config: SessionConfig | None = None,
        expected_vocab_hash: str | None = None,
    ) -> None:
        config = config or SessionConfig()
        self.path = "<bytes>" if isinstance(model, bytes) else str(model)
        source = model if isinstance(model, bytes) else self._read(Path(model))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = config.threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.add_session_config_entry(
            "session.intra_op.allow_spinning", "1" if config.spinning else "0"
        )
        opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
        opts.log_severity_level = 3
        if not config.optimize:
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        providers = list(config.providers) if config.providers else default_providers()
        t0 = time.perf_counter()
        quiet = CUDA in providers  # a failed CUDA start logs an error; the fallback is reported
        if quiet:
            ort.set_default_logger_severity(4)
        try:
            self.session = ort.InferenceSession(source, opts, providers=providers)
        except Exception as err:  # onnxruntime raises several types for a bad file
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ModelError(
                f"{self.path} is not a loadable ONNX model (corrupt, truncated, or written for "
                f"a newer onnxruntime): {first[:300]}"
            ) from None
        finally:
            if quiet:
                ort.set_default_logger_severity(2)
        self.load_s = time.perf_counter() - t0
        self.provider = self.session.get_providers()[0]
        self.device = "cuda" if self.provider == CUDA else "cpu"
        props = self.session.get_modelmeta().custom_metadata_map
        self.meta = oc.parse_metadata(props, self.path)
        self._check_io()
        if expected_vocab_hash is not None:
            self.check_vocab_hash(expected_vocab_hash)

    @staticmethod
    def _read(path: Path) -> bytes:
        data = read_capped(path, oc.MAX_MODEL_BYTES, "a model file", ModelError)  # no FIFO
        if not data:
            raise ModelError(f"model file {path} is empty")
        return data

    def _check_io(self) -> None:
        m = self.meta
        want_in, want_out = oc.io_specs(m.n_layer, m.n_kv_head, m.head_size, m.vocab_size, m.dtype)
        have_in = [_spec(a) for a in self.session.get_inputs()]
        have_out = [_spec(a) for a in self.session.get_outputs()]
        problems = oc.check_io(have_in, have_out, want_in, want_out)
        if problems:
            raise ModelError(
                f"{self.path} does not follow the JamBridge ONNX contract "
                f"(v{oc.CONTRACT_VERSION}): "
                + "; ".join(problems[:6])
                + (f"; and {len(problems) - 6} more" if len(problems) > 6 else "")
            )

    def check_vocab_hash(self, vocab_hash: str) -> None:
        """ModelError unless the model was trained with this vocabulary."""
        if self.meta.vocab_hash != vocab_hash:
            raise ModelError(
                f"{self.path} was trained with vocabulary {self.meta.vocab_hash}, but the "
                f"tokenizer has {vocab_hash}: use the tokenizer saved with the model (or "
                "re-export the model from a checkpoint trained with this tokenizer)"
            )

    def tokenizer(self):
        """The tokenizer embedded in the model (checked against the model's vocabulary hash)."""
        from jambridge.tokenizer import Tokenizer

        if not self.meta.tokenizer_json:
            raise ModelError(f"{self.path} carries no tokenizer; pass one explicitly")
        try:
            tok = Tokenizer.from_json(self.meta.tokenizer_json)
        except Exception as err:
            raise ModelError(f"{self.path}: its embedded tokenizer is unreadable ({err})") from None
        self.check_vocab_hash(tok.vocab_hash)
        if tok.vocab_size != self.meta.vocab_size:
            raise ModelError(
                f"{self.path}: model vocabulary size {self.meta.vocab_size} differs from its "
                f"tokenizer's {tok.vocab_size}"
            )
        return tok

    def describe(self) -> str:
        c = self.meta.config
        return (
            f"{Path(self.path).name}: {c['n_layer']} layers x {c['n_embd']} wide, "
            f"{c['n_head']} heads ({c['n_kv_head']} kv) of {c['head_size']}, context "
            f"{c['block_size']}, vocab {c['vocab_size']}, {self.meta.dtype}, on {self.provider}"
        )
