"""Start a run from an exported model's weights (``jambridge train --init MODEL.onnx``).

A new vocabulary keeps the old one's tokens (v2 adds kinds and splits velocity buckets into
fine levels), so what the old model learned carries over: the transformer's weights are copied,
and each new token's embedding row is its old counterpart's (a fine velocity level takes its
bucket's row); tokens with no counterpart (controls, fill, shift) keep their fresh
initialisation. The ONNX file stores the matrices transposed (``*.weight_t``) and the output
head tied to the embedding, as :mod:`jambridge.export` writes them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from jambridge.errors import ModelError

_ARCH = ("n_layer", "n_head", "n_kv_head", "n_embd", "head_size", "mlp_ratio")


def old_ids(old_tok, new_tok) -> np.ndarray:
    """For each new token id, its old id (-1: none). Fine velocity levels map to their bucket."""
    steps_new = new_tok.config.velocity_steps
    steps_old = old_tok.config.velocity_steps
    out = np.full(new_tok.vocab_size, -1, dtype=np.int64)
    v_new, v_old = new_tok.vocab, old_tok.vocab
    for i in range(new_tok.vocab_size):
        kind, value = v_new.kinds[i], v_new.values[i]
        if kind in ("durvel", "drum"):
            value = (value[0], value[1] // steps_new * steps_old)
        try:
            out[i] = v_old.id(kind, value)
        except KeyError:
            continue
    return out


def load_into(model: torch.nn.Module, onnx_path: str | Path, new_tok) -> dict:
    """Copy ``onnx_path``'s weights into ``model`` (a GPT for ``new_tok``'s vocabulary).
    Returns counts; raises ModelError when the architectures differ."""
    import onnx
    from onnx import numpy_helper

    from jambridge import onnx_contract as oc
    from jambridge.tokenizer import Tokenizer

    proto = onnx.load(str(onnx_path))
    props = {p.key: p.value for p in proto.metadata_props}
    meta = oc.parse_metadata(props, str(onnx_path))
    cfg = model.cfg
    differ = [k for k in _ARCH if meta.config.get(k) != getattr(cfg, k)]
    if differ:
        raise ModelError(f"{onnx_path}: its {', '.join(differ)} differ from this run's model")
    old_tok = Tokenizer.from_json(meta.tokenizer_json)
    weights = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    state = model.state_dict()
    copied = 0
    for name, tensor in state.items():
        if name == "wte.weight":
            continue
        src = weights.get(name)
        if src is None and f"{name}_t" in weights:
            src = weights[f"{name}_t"].T
        if src is None or tuple(src.shape) != tuple(tensor.shape):
            raise ModelError(f"{onnx_path}: no weight matching {name} {tuple(tensor.shape)}")
        state[name] = torch.from_numpy(np.array(src)).to(tensor.dtype)
        copied += 1
    mapping = old_ids(old_tok, Tokenizer.from_json(new_tok.to_json()))
    rows = state["wte.weight"].clone()
    known = mapping >= 0
    rows[torch.from_numpy(np.flatnonzero(known))] = torch.from_numpy(
        weights["wte.weight"][mapping[known]]
    ).to(rows.dtype)
    state["wte.weight"] = rows
    model.load_state_dict(state)
    return {"tensors": copied + 1, "token_rows": int(known.sum()), "new_rows": int((~known).sum())}
