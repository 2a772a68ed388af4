"""Checkpoint -> validated ONNX model (``jambridge export``).

Steps: load the checkpoint written by ``jambridge train``; build the graph from its weights
(:mod:`jambridge.export.graph`); put the model config, vocabulary hash and tokenizer JSON in
``metadata_props`` (:mod:`jambridge.onnx_contract`); optionally quantize (int8, CPU) or halve
(fp16, GPU); write the file; then validate the written file the way the engine will load it
(:mod:`jambridge.export.validate`). A model that fails validation is not left behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import onnx
import torch

from jambridge import onnx_contract as oc
from jambridge.errors import ModelError
from jambridge.export.graph import build_model
from jambridge.training.config import ModelConfig
from jambridge.training.model import GPT
from jambridge.training.trainer import load_checkpoint

VARIANTS = ("float32", "float16", "int8")


@dataclass
class ExportResult:
    """What ``export_checkpoint`` wrote and measured."""

    path: Path
    variant: str
    size_bytes: int
    config: dict
    checks: dict = field(default_factory=dict)  # validation name -> number or message


def load_model(checkpoint: str | Path) -> tuple[GPT, dict]:
    """The trained torch model (eval mode, float32, CPU) and the checkpoint dict."""
    ckpt = load_checkpoint(checkpoint)
    cfg = ModelConfig.from_dict(ckpt["model_config"])
    model = GPT(cfg)
    model.load_state_dict(ckpt["model"])
    return model.eval(), ckpt


def to_onnx(
    model: GPT, vocab_hash: str, tokenizer_json: str, dtype: str = "float32"
) -> onnx.ModelProto:
    """The ONNX model of ``model`` with the contract's metadata."""
    weights = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items()}
    proto = build_model(model.cfg.to_dict(), weights, dtype)
    props = oc.metadata_props(model.cfg.to_dict(), vocab_hash, tokenizer_json, dtype)
    onnx.helper.set_model_props(proto, props)
    proto.doc_string = "JamBridge decoder; see jambridge/onnx_contract.py for inputs and outputs"
    return proto


def export_checkpoint(
    checkpoint: str | Path,
    out: str | Path,
    variant: str = "float32",
    validate: bool = True,
    greedy_tokens: int = 256,
) -> ExportResult:
    """Export and validate. ModelError (with the worst difference) when validation fails."""
    if variant not in VARIANTS:
        raise ModelError(f"variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
    out = Path(out)
    if not out.parent.exists():
        raise ModelError(f"output folder {out.parent} does not exist")
    model, ckpt = load_model(checkpoint)
    proto = to_onnx(model, ckpt["vocab_hash"], ckpt["tokenizer_json"],
                    "float16" if variant == "float16" else "float32")  # fmt: skip
    if variant == "int8":
        from jambridge.export.quantize import quantize_int8

        proto = quantize_int8(proto)
    onnx.checker.check_model(proto)
    tmp = out.with_name(out.name + ".tmp")
    onnx.save(proto, tmp)
    result = ExportResult(out, variant, tmp.stat().st_size, model.cfg.to_dict())
    if validate:
        from jambridge.export.validate import validate_export

        try:
            result.checks = validate_export(model, tmp, variant, ckpt["vocab_hash"],
                                            greedy_tokens=greedy_tokens)  # fmt: skip
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    tmp.replace(out)
    return result


def random_model(config: ModelConfig, seed: int = 0) -> GPT:
    """An untrained model (benchmarks and tests: speed does not depend on the weights)."""
    torch.manual_seed(seed)
    return GPT(config).eval()


def export_random(
    config: ModelConfig,
    out: str | Path,
    vocab_hash: str = "random",
    tokenizer_json: str = "",
    seed: int = 0,
) -> Path:
    """Write an ONNX model with random weights (no validation)."""
    proto = to_onnx(random_model(config, seed), vocab_hash, tokenizer_json)
    onnx.save(proto, str(out))
    return Path(out)
