"""``jambridge bench``: it runs where the runtime runs (no torch unless ``--compare``), random
weights give bars of a real bar's length, and ``--compare`` adds torch's numbers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from jambridge.bench.engine import (
    HEADER,
    HeldMasks,
    PaddedBarGenerator,
    format_result,
    run_bench,
)
from jambridge.engine.generator import BarGenerator, SamplingSettings
from jambridge.engine.session import CPU, ModelSession, SessionConfig
from tests.support.model_factory import random_onnx

BLOCKER = textwrap.dedent(
    """
    import importlib.abc, json, sys

    BLOCKED = ("torch", "jambridge.training", "jambridge.export", "transformers")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.startswith(BLOCKED):
                raise ImportError(f"the benchmark imported {name}")
            return None

    sys.meta_path.insert(0, Block())
    from jambridge.cli import main

    code = main(["bench", "--json", "--bars", "2"])
    print(json.dumps({"code": code, "imported": [m for m in sys.modules if m.startswith(BLOCKED)]}))
    """
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return random_onnx(tmp_path_factory.mktemp("bench") / "tiny.onnx")


def test_bench_json_runs_without_torch():
    """The shipped model, in a fresh interpreter where importing torch, transformers, training
    or export fails: the engine's numbers, and nothing blocked was imported."""
    done = subprocess.run(
        [sys.executable, "-c", BLOCKER], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *_, bench_line, report_line = done.stdout.strip().splitlines()
    assert json.loads(report_line) == {"code": 0, "imported": []}
    result = json.loads(bench_line)
    assert result["ms_per_token_ctx128"] > 0 and result["bars"] == 2
    assert result["speedup_vs_torch"] is None and "torch_ms_per_token" not in result


def test_held_masks_keep_bar_back_until_the_wrap_up(tiny):
    """Along a generated bar, wherever the generator's own mask would let the bar end: the
    benchmark's mask does not (there is something else to draw), except at the wrap-up."""
    gen = BarGenerator(ModelSession(tiny, SessionConfig(providers=(CPU,))), seed=0)
    gen.start(HEADER)
    gen.next_bar()
    tok, none = gen.tok, frozenset()
    settings, held = SamplingSettings(), HeldMasks(tok)
    states = [tok.grammar.body_state(HEADER.enabled)]
    for t in gen.last_bar_ids[0]:  # BAR and the bar's tokens: the states before each draw
        states.append(tok.grammar.advance(states[-1], t))
    could_end = [s for s in states[1:] if gen.masks.mask(s, settings, none, False)[tok.bar_id]]
    assert could_end  # (at least where the generator drew BAR)
    for state in could_end:
        assert not held.mask(state, settings, none, False)[tok.bar_id]
        assert held.mask(state, settings, none, False).any()
        assert held.mask(state, settings, none, True)[tok.bar_id]


def test_random_weights_bars_run_to_the_token_limit(tiny):
    gen = PaddedBarGenerator(ModelSession(tiny, SessionConfig(providers=(CPU,))), seed=1)
    gen.start(HEADER)
    lengths = []
    for _ in range(5):
        gen.next_bar(SamplingSettings(max_bar_tokens=40))
        lengths.append(len(gen.last_bar_ids[0]))
    assert all(40 <= n <= 40 + 8 for n in lengths), lengths


def test_compare_adds_torch_and_hf_numbers(tiny):
    pytest.importorskip("torch")
    result = run_bench(tiny, n_bars=2, compare=True)
    assert set(result["torch_ms_per_token"]) == {"128", str(result["long_context_tokens"])}
    assert result["speedup_vs_torch"] > 0
    assert "torch eager + KV cache" in format_result(result)
    if "hf_ms_per_token" in result:  # transformers installed
        assert result["speedup_vs_hf"] > 0 and "HF GPT-2" in format_result(result)
