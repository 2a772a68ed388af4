"""Export: checkpoint -> ONNX that follows the contract and validates against torch; and every way
a model file can be wrong gives a ModelError that says what is wrong."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

from jambridge import onnx_contract as oc
from jambridge.cli import main
from jambridge.engine.session import CPU, ModelSession, SessionConfig
from jambridge.errors import ModelError
from jambridge.export.onnx_export import export_checkpoint, load_model
from jambridge.export.validate import validate_export
from jambridge.tokenizer import Tokenizer
from jambridge.training.config import TrainConfig
from jambridge.training.trainer import Trainer
from tests.support.model_factory import tiny_config, write_dataset


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    data = write_dataset(root / "ds", n_train=8, n_val=2)
    cfg = TrainConfig(model=tiny_config(), batch_size=4, max_steps=20, warmup_steps=2, lr=3e-3,
                      min_lr=3e-4, eval_interval=20, eval_batches=1)  # fmt: skip
    Trainer(data, cfg, root / "run", show_progress=False).run()
    return root / "run" / "ckpt.pt"


@pytest.fixture(scope="module")
def exported(checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("onnx") / "model.onnx"
    return export_checkpoint(checkpoint, out, greedy_tokens=64)


def cpu(path, **kw) -> ModelSession:
    return ModelSession(path, SessionConfig(providers=(CPU,)), **kw)


def test_export_validates_and_reports_the_numbers(exported):
    c = exported.checks
    assert c["provider"] == CPU
    assert c["prompt_max_abs_diff"] < 1e-4 and c["cached_step_max_abs_diff"] < 1e-4
    assert c["greedy_cached_vs_naive_agreement"] == 1.0
    assert c["greedy_agreement_with_torch"] == 1.0
    assert c["greedy_tokens"] == 64
    assert exported.path.exists() and not exported.path.with_name("model.onnx.tmp").exists()


def test_model_carries_config_vocab_hash_and_tokenizer(exported):
    proto = onnx.load(exported.path)
    props = {p.key: p.value for p in proto.metadata_props}
    assert set(oc.META_KEYS) <= set(props)
    meta = oc.parse_metadata(props)
    tok = Tokenizer()
    assert meta.vocab_hash == tok.vocab_hash
    assert Tokenizer.from_json(meta.tokenizer_json).vocab_hash == tok.vocab_hash
    assert meta.config == tiny_config().to_dict()


def test_names_axes_and_types_follow_the_contract(exported):
    s = cpu(exported.path)
    inputs = {a.name: a for a in s.session.get_inputs()}
    outputs = {a.name: a for a in s.session.get_outputs()}
    assert list(inputs)[:3] == [oc.INPUT_IDS, oc.SEQLENS_K, oc.TOTAL_SEQUENCE_LENGTH]
    assert inputs["input_ids"].shape == ["batch_size", "sequence_length"]
    assert inputs["past_key_values.1.value"].shape == ["batch_size", 1, "past_sequence_length", 16]
    assert outputs["present.0.key"].shape == ["batch_size", 1, "total_sequence_length", 16]
    assert outputs["logits"].shape == ["batch_size", "sequence_length", Tokenizer().vocab_size]
    assert outputs["logits"].type == "tensor(float)"


def test_graph_has_no_trilu_and_runs_on_the_cpu_provider(exported):
    ops = {n.op_type for n in onnx.load(exported.path).graph.node}
    assert "Trilu" not in ops and "GroupQueryAttention" in ops
    assert cpu(exported.path).provider == CPU


@pytest.mark.parametrize("flag, variant", [("--int8", "int8"), ("--fp16", "float16")])
def test_cli_exports_variants(checkpoint, tmp_path, capsys, flag, variant):
    out = tmp_path / f"{variant}.onnx"
    args = ["export", str(checkpoint), "-o", str(out), flag, "--greedy-tokens", "48", "--json",
            "--tokenizer", str(tmp_path / "tokenizer.json")]  # fmt: skip
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["variant"] == variant
    assert summary["checks"]["greedy_cached_vs_naive_agreement"] >= 0.9
    assert cpu(out).meta.dtype == ("float16" if variant == "float16" else "float32")
    assert Tokenizer.load(tmp_path / "tokenizer.json").vocab_hash == Tokenizer().vocab_hash


def test_top1_agreement_counts_only_positions_where_torch_is_decided():
    from jambridge.export.validate import _compare

    ref = np.zeros((1, 3, 4), np.float32)
    ref[0, 0] = [1.0, 0.99, 0, 0]  # near-tie: an in-tolerance error may flip it
    ref[0, 1] = [0, 2.0, 1.6, 0]  # decided: leads by 0.4, more than int8's 0.3
    ref[0, 2] = [0, 0, 2.0, 0]  # decided
    got = ref.copy()
    got[0, 0] = [0.9, 1.1, 0, 0]
    c = _compare("prompt", got, ref, "int8")
    assert c["prompt_top1_agreement"] == 1.0 and c["prompt_top1_positions"] == 2
    got[0, 1] = [0, 1.8, 1.85, 0]  # within int8's tolerance (0.5), but flips a decided position
    with pytest.raises(ModelError, match=r"agrees with torch at 50.0% of the 2 positions"):
        _compare("prompt", got, ref, "int8")
    flat = np.zeros((1, 2, 4), np.float32)
    assert _compare("step", flat + 0.01, flat, "int8")["step_top1_agreement"] is None
    nan = flat.copy()
    nan[0, 1, 2] = np.nan
    with pytest.raises(ModelError, match=r"not finite .* at index \(0, 1, 2\)"):
        _compare("step", nan, flat, "int8")


def test_validation_fails_with_the_worst_difference(checkpoint, exported):
    model, ckpt = load_model(checkpoint)
    with torch.no_grad():
        model.blocks[0].mlp.out.weight.add_(0.3 * torch.randn_like(model.blocks[0].mlp.out.weight))
    with pytest.raises(ModelError, match=r"logits differ from torch by up to [\d.]+ .*at batch"):
        validate_export(model, exported.path, "float32", ckpt["vocab_hash"], greedy_tokens=8)


# -- bad model files ------------------------------------------------------------------------------


def test_missing_empty_truncated_and_garbage_files(exported, tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        cpu(tmp_path / "none.onnx")
    (tmp_path / "empty.onnx").write_bytes(b"")
    with pytest.raises(ModelError, match="is empty"):
        cpu(tmp_path / "empty.onnx")
    data = exported.path.read_bytes()
    (tmp_path / "cut.onnx").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="corrupt, truncated"):
        cpu(tmp_path / "cut.onnx")
    (tmp_path / "junk.onnx").write_bytes(np.random.default_rng(0).bytes(4000))
    with pytest.raises(ModelError, match="not a loadable ONNX model"):
        cpu(tmp_path / "junk.onnx")


def test_wrong_input_names_are_named(exported, tmp_path):
    proto = onnx.load(exported.path)
    for node in proto.graph.node:
        node.input[:] = ["ids" if i == oc.INPUT_IDS else i for i in node.input]
    proto.graph.input[0].name = "ids"
    onnx.save(proto, tmp_path / "renamed.onnx")
    with pytest.raises(ModelError, match="missing input.*input_ids.*unexpected input.*ids"):
        cpu(tmp_path / "renamed.onnx")


def test_vocab_hash_mismatch_and_missing_metadata(exported, tmp_path):
    with pytest.raises(ModelError, match="trained with vocabulary .* tokenizer has 0123"):
        cpu(exported.path, expected_vocab_hash="0123")
    proto = onnx.load(exported.path)
    del proto.metadata_props[:]
    onnx.save(proto, tmp_path / "bare.onnx")
    with pytest.raises(ModelError, match="not a JamBridge model: metadata_props lack"):
        cpu(tmp_path / "bare.onnx")


def test_contract_check_reports_each_problem():
    want_in, want_out = oc.io_specs(2, 1, 16, Tokenizer().vocab_size)
    bad_in = [oc.TensorSpec(s.name, "float32" if s.name == "seqlens_k" else s.dtype, s.shape)
              for s in want_in if s.name != "past_key_values.1.key"]  # fmt: skip
    bad_out = [oc.TensorSpec(s.name, s.dtype, (*s.shape[:-1], 32)) if s.name == "logits" else s
               for s in want_out]  # fmt: skip
    problems = oc.check_io(bad_in, bad_out, want_in, want_out)
    text = "; ".join(problems)
    assert "missing input(s): past_key_values.1.key" in text
    assert "input seqlens_k: element type float32, expected int32" in text
    assert "output logits: shape" in text
