"""The torch model and its configs: JSON round trips, cached forward == full forward, and cached
greedy decoding == the naive full-recompute reference."""

from __future__ import annotations

import pytest
import torch

from jambridge.errors import DataError
from jambridge.training.config import ModelConfig, TrainConfig
from jambridge.training.model import GPT, apply_rope, rope_tables
from tests.support.model_factory import tiny_config


def test_model_config_json_round_trip(tmp_path):
    cfg = tiny_config(dropout=0.1)
    assert ModelConfig.from_json(cfg.to_json()) == cfg
    cfg.save(tmp_path / "m.json")
    assert ModelConfig.load(tmp_path / "m.json") == cfg


def test_train_config_json_round_trip_keeps_nested_model():
    cfg = TrainConfig(model=tiny_config(), batch_size=8, lr=1e-3, min_lr=1e-4)
    back = TrainConfig.from_json(cfg.to_json())
    assert back == cfg
    assert isinstance(back.model, ModelConfig)


@pytest.mark.parametrize(
    "field, value, needle",
    [
        ("n_layer", 0, "n_layer must be in range 1..64"),
        ("n_kv_head", 3, "n_kv_head must be a divisor of n_head"),
        ("head_size", 24, "head_size must be a multiple of 16"),
        ("dropout", 1.0, "dropout must be in range"),
    ],
)
def test_model_config_names_the_allowed_range(field, value, needle):
    with pytest.raises(DataError, match=needle):
        tiny_config(**{field: value})


def test_unknown_config_field_is_an_error():
    with pytest.raises(DataError, match="unknown field.*n_layers"):
        ModelConfig.from_dict({"n_layers": 4})


def test_global_batch_must_split_over_ranks():
    cfg = TrainConfig(batch_size=6, grad_accum_steps=2)
    assert cfg.micro_batch(1) == 3
    with pytest.raises(DataError, match="multiple of ranks x grad_accum_steps"):
        cfg.micro_batch(2)


def test_param_count_matches_torch():
    cfg = tiny_config()
    assert cfg.n_params() == sum(p.numel() for p in GPT(cfg).parameters())


def test_rope_is_relative():
    """Rotated q.k depends on the distance of positions only: shifting both changes nothing."""
    cfg = tiny_config()
    q, k = torch.randn(1, 1, 1, cfg.head_size), torch.randn(1, 1, 1, cfg.head_size)

    def score(pq: int, pk: int) -> float:
        cq, sq = rope_tables(cfg, torch.tensor([pq]))
        ck, sk = rope_tables(cfg, torch.tensor([pk]))
        return float((apply_rope(q, cq, sq) * apply_rope(k, ck, sk)).sum())

    assert score(10, 3) == pytest.approx(score(110, 103), abs=1e-4)
    assert score(10, 3) != pytest.approx(score(10, 4), abs=1e-4)


@pytest.mark.parametrize("kv_heads", [1, 2])
def test_cached_forward_equals_full_forward(kv_heads):
    torch.manual_seed(0)
    model = GPT(tiny_config(n_kv_head=kv_heads)).eval()
    ids = torch.randint(0, model.cfg.vocab_size, (2, 40))
    with torch.no_grad():
        full, _ = model(ids)
        a, past = model(ids[:, :25])  # prefill
        b, past = model(ids[:, 25:33], past)  # a chunk after a past
        steps = []
        for t in range(33, 40):  # one token at a time
            s, past = model(ids[:, t : t + 1], past)
            steps.append(s)
    cached = torch.cat([a, b, *steps], dim=1)
    torch.testing.assert_close(cached, full, atol=1e-5, rtol=1e-4)
    assert past[0][0].shape == (2, kv_heads, 40, model.cfg.head_size)


def test_cached_greedy_equals_naive_greedy():
    torch.manual_seed(1)
    model = GPT(tiny_config()).eval()
    prompt = torch.randint(0, model.cfg.vocab_size, (2, 6))
    n = 80
    assert torch.equal(model.generate_cached(prompt, n), model.generate_naive(prompt, n))


def test_forward_past_the_context_is_refused():
    model = GPT(tiny_config(block_size=32)).eval()
    with pytest.raises(ValueError, match="exceeds block_size 32"):
        model(torch.zeros(1, 33, dtype=torch.long))


def test_loss_ignores_padding_targets():
    torch.manual_seed(0)
    model = GPT(tiny_config()).eval()
    ids = torch.randint(0, model.cfg.vocab_size, (1, 10))
    targets = ids.roll(-1, 1)
    padded = targets.clone()
    padded[0, 5:] = -1
    with torch.no_grad():
        logits, _ = model(ids)
        want = torch.nn.functional.cross_entropy(logits[0, :5], targets[0, :5])
        assert model.loss(ids, padded).item() == pytest.approx(want.item(), rel=1e-5)
