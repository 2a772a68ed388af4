"""Build the ONNX graph of :class:`jambridge.training.model.GPT` from its weights.

The graph is written node by node (like onnxruntime-genai's model builder) rather than traced,
because the fast path needs onnxruntime's ``com.microsoft.GroupQueryAttention`` operator:
it applies the rotary embedding, appends the new keys/values into a past/present buffer that
the engine shares between input and output (IO binding), and attends over only the first
``seqlens_k + 1`` positions. A traced ``torch.onnx.export`` of plain attention concatenates
and returns a growing cache instead, and each step's cost grows with the context (see
docs/engine-decode-speed.md for the measurement). Causal masking happens inside the operator; no
``Trilu``.

Inputs and outputs follow :mod:`jambridge.onnx_contract`. The weights come in as NumPy arrays
named like the torch ``state_dict``; this module needs ``onnx`` but not torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from jambridge import onnx_contract as oc

OPSET = 17  # LayerNormalization
MS_DOMAIN = "com.microsoft"
_ELEM = {"float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16}
_NP = {"float32": np.float32, "float16": np.float16}


def _value_info(spec: oc.TensorSpec) -> onnx.ValueInfoProto:
    elem = {
        "int64": TensorProto.INT64,
        "int32": TensorProto.INT32,
        "float32": TensorProto.FLOAT,
        "float16": TensorProto.FLOAT16,
    }[spec.dtype]
    return helper.make_tensor_value_info(spec.name, elem, list(spec.shape))


class _Builder:
    def __init__(self, dtype: str) -> None:
        self.dtype = dtype
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []

    def weight(self, name: str, array: np.ndarray, cast: bool = True) -> str:
        arr = array.astype(_NP[self.dtype]) if cast else array
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(self, op: str, inputs: list[str], outputs: list[str], domain: str = "", **attrs):
        name = f"{op}_{len(self.nodes)}"
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name, domain=domain, **attrs))
        return outputs[0] if len(outputs) == 1 else outputs


@dataclass(frozen=True)
class _Shape:
    """The decoder's sizes, read from a ModelConfig mapping."""

    n_layer: int
    n_head: int
    n_kv_head: int
    head_size: int
    vocab: int
    eps: float  # the LayerNorm epsilon

    @classmethod
    def of(cls, config: Mapping) -> _Shape:
        return cls(
            int(config["n_layer"]),
            int(config["n_head"]),
            int(config["n_kv_head"]),
            int(config["head_size"]),
            int(config["vocab_size"]),
            float(config["norm_eps"]),
        )


def build_model(
    config: Mapping, weights: Mapping[str, np.ndarray], dtype: str = "float32"
) -> onnx.ModelProto:
    """The decoder as an ONNX model (no metadata yet; see ``onnx_export``).

    Args:
        config: ModelConfig fields (``vocab_size``, ``n_layer``, ``n_head``, ``n_kv_head``,
            ``head_size``, ``block_size``, ``rope_theta``, ``norm_eps``).
        weights: the torch ``state_dict`` as float32 NumPy arrays.
        dtype: ``float32`` (CPU) or ``float16`` (GPU); logits stay float32 either way.
    """
    if dtype not in _ELEM:
        raise ValueError(f"dtype must be one of {', '.join(_ELEM)}, got {dtype!r}")
    shape = _Shape.of(config)
    b = _Builder(dtype)
    positions = np.arange(int(config["block_size"]))
    cos, sin = oc.rope_tables(shape.head_size, float(config["rope_theta"]), positions)
    b.weight("rope.cos", cos)
    b.weight("rope.sin", sin)
    wte = np.asarray(weights["wte.weight"], dtype=np.float32)
    b.weight("wte.weight", wte)
    b.weight("lm_head.weight_t", wte.T)
    # The residual stream x and the branch output y meet in SkipLayerNormalization, which
    # returns both LayerNorm(x + y) and the sum (fewer nodes: each costs ~2 us per step).
    x = b.node("Gather", ["wte.weight", oc.INPUT_IDS], ["embed"], axis=0)  # (B, S, C)
    h = b.node(
        "LayerNormalization",
        [x, _w(b, weights, "blocks.0.ln1.weight")],
        ["blocks.0.ln1"],
        axis=-1,
        epsilon=shape.eps,
    )
    for i in range(shape.n_layer):
        h, x = _block(b, weights, shape, i, h, x)
    if dtype == "float32":
        b.node("MatMul", [h, "lm_head.weight_t"], [oc.LOGITS])
    else:
        logits = b.node("MatMul", [h, "lm_head.weight_t"], ["logits_half"])
        b.node("Cast", [logits], [oc.LOGITS], to=TensorProto.FLOAT)
    return _assemble(b, shape, dtype)


def _w(b: _Builder, weights: Mapping[str, np.ndarray], name: str) -> str:
    return b.weight(name, np.asarray(weights[name]))


def _w_t(b: _Builder, weights: Mapping[str, np.ndarray], name: str) -> str:
    """A Linear weight (out, in) as a MatMul operand (in, out)."""
    return b.weight(f"{name}_t", np.asarray(weights[name]).T)


def _block(
    b: _Builder, weights: Mapping[str, np.ndarray], shape: _Shape, i: int, h: str, x: str
) -> tuple[str, str]:
    """Transformer block ``i``: attention then MLP, each closed by a SkipLayerNormalization that
    also normalizes for the next block (or the final norm). Takes and returns (normed, residual).
    """
    p = f"blocks.{i}."
    # (B, S, A+2K): the queries of all heads, then the keys and values of the kv heads
    qkv = b.node("MatMul", [h, _w_t(b, weights, p + "attn.qkv.weight")], [p + "qkv"])
    past = [oc.past_name(i, "key"), oc.past_name(i, "value")]
    attn, _, _ = b.node(
        "GroupQueryAttention",
        [qkv, "", "", *past, oc.SEQLENS_K, oc.TOTAL_SEQUENCE_LENGTH, "rope.cos", "rope.sin"],
        [p + "attn", oc.present_name(i, "key"), oc.present_name(i, "value")],
        domain=MS_DOMAIN,
        num_heads=shape.n_head,
        kv_num_heads=shape.n_kv_head,
        do_rotary=1,
        rotary_interleaved=0,
        scale=float(1.0 / np.sqrt(shape.head_size)),
    )  # (B, S, A)
    y = b.node("MatMul", [attn, _w_t(b, weights, p + "attn.proj.weight")], [p + "attn_out"])
    h, _, _, x = b.node(
        "SkipLayerNormalization",
        [y, x, _w(b, weights, p + "ln2.weight")],
        [p + "ln2", "", "", p + "resid1"],
        domain=MS_DOMAIN,
        epsilon=shape.eps,
    )
    f = b.node("MatMul", [h, _w_t(b, weights, p + "mlp.fc.weight")], [p + "fc"])
    g = b.node("Gelu", [f], [p + "gelu"], domain=MS_DOMAIN)
    y = b.node("MatMul", [g, _w_t(b, weights, p + "mlp.out.weight")], [p + "mlp_out"])
    norm = f"blocks.{i + 1}.ln1.weight" if i + 1 < shape.n_layer else "ln_f.weight"
    h, _, _, x = b.node(
        "SkipLayerNormalization",
        [y, x, _w(b, weights, norm)],
        [norm.removesuffix(".weight"), "", "", p + "resid2"],
        domain=MS_DOMAIN,
        epsilon=shape.eps,
    )
    return h, x


def _assemble(b: _Builder, shape: _Shape, dtype: str) -> onnx.ModelProto:
    """The graph of ``b``'s nodes and weights with the contract's inputs and outputs."""
    inputs, outputs = oc.io_specs(
        shape.n_layer, shape.n_kv_head, shape.head_size, shape.vocab, dtype
    )
    graph = helper.make_graph(
        b.nodes,
        "jambridge_decoder",
        [_value_info(s) for s in inputs],
        [_value_info(s) for s in outputs],
        initializer=b.inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(MS_DOMAIN, 1)],
        producer_name="jambridge.export",
    )
    model.ir_version = 8  # readable by onnxruntime >= 1.14
    return model
