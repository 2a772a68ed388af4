"""The sampler: a pure function of its arguments (the random generator included)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jambridge.engine.sampler import sample
from jambridge.errors import EngineError

V = 64


def logits(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(V).astype(np.float32) * 2


def test_temperature_zero_is_argmax_over_the_allowed_ids():
    x = logits()
    assert sample(x, np.random.default_rng(0), temperature=0.0) == int(np.argmax(x))
    mask = np.ones(V, dtype=bool)
    mask[int(np.argmax(x))] = False
    want = int(np.argmax(np.where(mask, x, -np.inf)))
    assert sample(x, np.random.default_rng(0), temperature=0.0, allowed=mask) == want
    assert sample(x, np.random.default_rng(0), temperature=1e-30, allowed=mask) == want


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    temperature=st.floats(0.0, 3.0),
    top_k=st.integers(0, V),
    top_p=st.floats(0.01, 1.0),
    allowed_bits=st.lists(st.booleans(), min_size=V, max_size=V).filter(any),
)
def test_never_draws_a_masked_id(seed, temperature, top_k, top_p, allowed_bits):
    mask = np.array(allowed_bits)
    t = sample(logits(seed), np.random.default_rng(seed), temperature, top_k, top_p, mask)
    assert mask[t]


def test_same_generator_state_same_draws():
    x = logits(1)
    a = [sample(x, rng, 1.0, 0, 0.9) for rng in [np.random.default_rng(5)] for _ in range(50)]
    b = [sample(x, rng, 1.0, 0, 0.9) for rng in [np.random.default_rng(5)] for _ in range(50)]
    assert a == b and len(set(a)) > 1


def test_draws_follow_the_softmax():
    x = np.log(np.array([0.5, 0.3, 0.15, 0.05], dtype=np.float32))
    rng = np.random.default_rng(0)
    counts = np.bincount([sample(x, rng) for _ in range(20_000)], minlength=4) / 20_000
    np.testing.assert_allclose(counts, [0.5, 0.3, 0.15, 0.05], atol=0.015)


def test_temperature_sharpens_and_flattens():
    x = np.log(np.array([0.6, 0.4], dtype=np.float32))
    rng = np.random.default_rng(1)

    def share(t: float) -> float:
        return float(np.mean([sample(x, rng, temperature=t) == 0 for _ in range(5000)]))

    assert share(0.3) > 0.75 > share(1.0) > 0.55 > share(3.0)


def test_top_k_and_top_p_cut_the_tail():
    x = np.log(np.array([0.5, 0.3, 0.15, 0.05], dtype=np.float32))
    rng = np.random.default_rng(2)
    assert {sample(x, rng, top_k=2) for _ in range(500)} == {0, 1}
    assert {sample(x, rng, top_p=0.75) for _ in range(500)} == {0, 1}
    assert {sample(x, rng, top_p=0.01) for _ in range(100)} == {0}
    assert {sample(x, rng, top_k=1, top_p=1.0) for _ in range(100)} == {0}


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"temperature": -0.1}, "temperature must be >= 0"),
        ({"temperature": float("nan")}, "temperature must be >= 0"),
        ({"top_k": -1}, "top_k must be an integer >= 0"),
        ({"top_p": 0.0}, "top_p must be in range 0..1"),
        ({"top_p": 1.5}, "top_p must be in range 0..1"),
        ({"allowed": np.zeros(V, dtype=bool)}, "mask is all False"),
    ],
)
def test_bad_settings_say_what_is_allowed(kwargs, needle):
    with pytest.raises(EngineError, match=needle):
        sample(logits(), np.random.default_rng(0), **kwargs)


def test_non_finite_logits_are_an_error():
    x = logits()
    x[3] = np.nan
    x[:] = np.nan
    with pytest.raises(EngineError, match="non-finite logits"):
        sample(x, np.random.default_rng(0))
