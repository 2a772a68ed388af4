"""Inference speed, measured: what ``jambridge bench`` prints.

``jambridge bench [--model MODEL.onnx | --random] [--bars 60] [--compare] [--json]``, or the
same options to ``python -m jambridge.bench.engine``.

- ``ms_per_token_ctx128`` / ``ms_per_token_ctx1024``: one decode step (batch 1) with 128 or
  1,024 tokens already in the cache (median of many steps; the model call only);
- ``bar_ms_p50`` / ``bar_ms_p95``: wall time of whole bars from the generator (grammar mask,
  sampler, model), over a stream long enough for the window to slide;
- ``load_s``: model file to ready-to-generate (session, tokenizer, header prefill);
- with ``--compare`` (:mod:`jambridge.bench.compare`): ``speedup_vs_torch``, the same
  dimensions in torch eager with a KV cache, per token, at the same contexts;
  ``speedup_vs_hf``, Hugging Face GPT-2 ``generate()`` at the same width and depth (when
  transformers is installed).

With the shipped model the bars are real; with random weights (no model yet, or ``--random``)
a bar is held open until the generator wraps it up at ``bar_tokens`` tokens (150: a typical
4-track bar; :class:`PaddedBarGenerator`), so the bar numbers mean the same thing. Only the
runtime is imported here; torch and transformers only for ``--compare``, after the engine's
numbers are taken, and with the same thread count.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from jambridge.engine.decoder import Decoder
from jambridge.engine.generator import BarGenerator, SamplingSettings
from jambridge.engine.masks import SamplingMasks
from jambridge.engine.session import ModelSession, SessionConfig
from jambridge.errors import ModelError
from jambridge.music import Key
from jambridge.tokenizer import Header, Tokenizer
from jambridge.tokenizer.grammar import GrammarState

HEADER = Header("techno", 130, Key(9, "minor"), {"drums": 4, "bass": 4, "chords": 2, "lead": 3})
CACHE_SIZE = 4096  # held masks kept; cleared when full


class HeldMasks(SamplingMasks):
    """The generator's masks with ``BAR`` held back, and positions advancing one step at a
    time, until the generator wraps the bar up (at its ``max_bar_tokens``)."""

    def __init__(self, tok) -> None:
        super().__init__(tok)
        self._pos = tok.vocab.ranges["pos"]
        self._held: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def mask(
        self, state: GrammarState, settings: SamplingSettings, last: frozenset, wrap: bool
    ) -> np.ndarray:
        m = super().mask(state, settings, last, wrap)
        if wrap:
            return m
        key = (id(m), state.pos)
        hit = self._held.get(key)
        if hit is not None and hit[0] is m:
            return hit[1]
        held = m.copy()
        held[self.tok.bar_id] = False
        if state.pos >= 0:
            held[self._pos.start + state.pos + 2 : self._pos.stop] = False
        if not held.any():  # never leave the sampler nothing
            held = m
        held.setflags(write=False)
        if len(self._held) >= CACHE_SIZE:
            self._held.clear()
        self._held[key] = (m, held)  # keeps m alive, so its id stays unique
        return held


class PaddedBarGenerator(BarGenerator):
    """A :class:`BarGenerator` whose bars run to ``max_bar_tokens``: bars of random weights as
    long as real ones (:class:`HeldMasks`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.masks = HeldMasks(self.tok)


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def step_ms(decoder: Decoder, context: int, steps: int = 300) -> tuple[float, float]:
    """Median ms of one decode step with ``context`` tokens cached (row 0): wall clock, and
    this thread's CPU time (what the step costs when the core is not shared)."""
    if not 2 <= context <= decoder.capacity:
        raise ModelError(f"context {context} does not fit the model's {decoder.capacity}")
    ids = np.zeros(decoder.batch_size, dtype=np.int64)
    wall, cpu = [], []
    for i in range(steps + 20):
        decoder.cache.lengths[:] = context - 1  # values do not change the speed
        ids[:] = 1 + i % 50
        t0, c0 = time.perf_counter(), time.thread_time()
        decoder.step(ids)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    return 1000 * float(np.median(wall[20:])), 1000 * float(np.median(cpu[20:]))


def bar_times(
    gen: BarGenerator, header, n_bars: int, settings: SamplingSettings
) -> tuple[list[float], list[float], list[int]]:
    """Wall ms, CPU ms and tokens of each of ``n_bars`` bars (after a header-only start)."""
    gen.start(header)
    wall, cpu, tokens = [], [], []
    for _ in range(n_bars):
        t0, c0 = time.perf_counter(), time.thread_time()
        gen.next_bar(settings)
        wall.append(1000 * (time.perf_counter() - t0))
        cpu.append(1000 * (time.thread_time() - c0))
        tokens.append(len(gen.last_bar_ids[0]))
    return wall, cpu, tokens


def run_bench(
    model_path: str | Path | None = None,
    config: dict | None = None,
    threads: int = 1,
    n_bars: int = 60,
    bar_tokens: int = 150,
    compare: bool = False,
    seed: int = 0,
) -> dict:
    """All the numbers (with ``compare``: torch's and HF's too). ``model_path`` None: a
    random-weights model of ``config`` (default: the default ModelConfig with the tokenizer's
    vocabulary), written to a temporary file."""
    with tempfile.TemporaryDirectory() as tmp:
        random_weights = model_path is None
        if model_path is None:
            model_path = Path(tmp) / "random.onnx"
            _write_random_model(model_path, config, Tokenizer())
        result, step, model_config = _measure(
            Path(model_path), random_weights, threads, n_bars, bar_tokens, seed
        )
    if compare:
        from jambridge.bench.compare import add_comparisons

        contexts = (128, result["long_context_tokens"])
        add_comparisons(result, model_config, contexts, step, threads)
    return result


def _measure(
    model_path: Path, random_weights: bool, threads: int, n_bars: int, bar_tokens: int,
    seed: int,
) -> tuple[dict, dict[int, float], dict]:  # fmt: skip
    """The engine's numbers, its ms per step at each context, and the model's config."""
    t0 = time.perf_counter()
    session = ModelSession(model_path, SessionConfig(threads=threads))
    tok = session.tokenizer()
    gen = (PaddedBarGenerator if random_weights else BarGenerator)(session, tok, seed=seed)
    gen.start(HEADER)
    load_s = time.perf_counter() - t0
    meta = session.meta
    contexts = (128, min(1024, meta.block_size))  # tokens attended by the step
    dec = Decoder(session, 1)
    measured = {ctx: step_ms(dec, ctx) for ctx in contexts}
    step = {ctx: m[0] for ctx, m in measured.items()}
    max_bar_tokens = bar_tokens if random_weights else SamplingSettings().max_bar_tokens
    settings = SamplingSettings(scale=Key(9, "minor"), max_bar_tokens=max_bar_tokens)
    times, cpu, tokens = bar_times(gen, HEADER, n_bars, settings)
    c128, c1024 = contexts
    result = {
        "model": "random weights" if random_weights else str(model_path),
        "config": {k: meta.config[k] for k in ("n_layer", "n_embd", "n_head", "n_kv_head",
                                               "head_size", "block_size", "vocab_size")},
        "params": _params(meta.config),
        "dtype": meta.dtype,
        "provider": session.provider,
        "threads": threads,
        "load_s": round(load_s, 4),
        "ms_per_token_ctx128": round(step[c128], 4),
        "ms_per_token_ctx1024": round(step[c1024], 4),
        "ctx1024_over_ctx128": round(step[c1024] / step[c128], 3),
        "long_context_tokens": c1024,  # 1024, or the model's context if shorter
        "bar_ms_p50": round(_percentile(times, 50), 2),
        "bar_ms_p95": round(_percentile(times, 95), 2),
        "bar_ms_max": round(max(times), 2),
        "bar_cpu_ms_p50": round(_percentile(cpu, 50), 2),
        "bar_cpu_ms_p95": round(_percentile(cpu, 95), 2),
        "cpu_ms_per_token_ctx128": round(measured[c128][1], 4),
        "cpu_ms_per_token_ctx1024": round(measured[c1024][1], 4),
        "loadavg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "bar_tokens_p50": _percentile(tokens, 50),
        "bar_tokens_p95": _percentile(tokens, 95),
        "bars": n_bars,
        "ms_per_token_in_bars": round(sum(times) / max(1, sum(tokens)), 4),
        "tokens_per_s": round(1000 * sum(tokens) / sum(times), 1),
        "speedup_vs_torch": None,
        "speedup_vs_hf": None,
    }  # fmt: skip
    return result, step, meta.config


def _params(config: dict) -> int:
    c, v, n = config["n_embd"], config["vocab_size"], config["n_layer"]
    a, kv = config["n_head"] * config["head_size"], config["n_kv_head"] * config["head_size"]
    h = config.get("mlp_ratio", 4) * c
    return v * c + n * (2 * c + c * (a + 2 * kv) + a * c + 2 * c * h) + c


def _write_random_model(path: Path, config: dict | None, tok) -> None:
    """A random-weights model in a subprocess-free way (needs torch + onnx: the training
    extra); the runtime path never gets here when a model file is given."""
    try:
        from jambridge.export.onnx_export import export_random
        from jambridge.training.config import ModelConfig
    except ImportError as err:
        raise ModelError(
            f"benchmarking random weights needs the training extra (torch, onnx): {err}; "
            "or pass --model MODEL.onnx"
        ) from None
    cfg = ModelConfig.from_dict({**(config or {}), "vocab_size": tok.vocab_size})
    export_random(cfg, path, tok.vocab_hash, tok.to_json())


def format_result(r: dict) -> str:
    """Readable lines for the terminal."""
    c = r["config"]
    lines = [
        f"model: {r['model']} ({c['n_layer']} layers x {c['n_embd']}, {c['n_head']} heads "
        f"({c['n_kv_head']} kv) of {c['head_size']}, {r['params'] / 1e6:.2f}M params, "
        f"{r['dtype']}) on {r['provider']}, {r['threads']} thread(s)",
        f"load to ready: {r['load_s'] * 1000:.0f} ms",
        f"decode step: {r['ms_per_token_ctx128']:.3f} ms at 128 tokens of context, "
        f"{r['ms_per_token_ctx1024']:.3f} ms at {r['long_context_tokens']} "
        f"({r['ctx1024_over_ctx128']:.2f}x)",
        f"bars: p50 {r['bar_ms_p50']:.1f} ms, p95 {r['bar_ms_p95']:.1f} ms, max "
        f"{r['bar_ms_max']:.1f} ms ({r['bar_tokens_p50']:.0f} tokens p50, "
        f"{r['tokens_per_s']:.0f} tokens/s with sampling)",
        f"CPU time (the core to itself): step {r['cpu_ms_per_token_ctx128']:.3f} / "
        f"{r['cpu_ms_per_token_ctx1024']:.3f} ms, bars p50 {r['bar_cpu_ms_p50']:.1f} ms, p95 "
        f"{r['bar_cpu_ms_p95']:.1f} ms; load average {r['loadavg_1m']} on "
        f"{os.cpu_count()} CPUs",
    ]
    if r.get("torch_ms_per_token"):
        t = r["torch_ms_per_token"]
        lines.append(
            f"torch eager + KV cache: {' / '.join(f'{v:.3f}' for v in t.values())} ms per token "
            f"-> engine {r['speedup_vs_torch']}x / {r['speedup_vs_torch_ctx1024']}x faster"
        )
    if r.get("hf_ms_per_token"):
        t = r["hf_ms_per_token"]
        lines.append(
            f"HF GPT-2 generate() ({r['hf_transformers']}): "
            f"{' / '.join(f'{v:.3f}' for v in t.values())} ms per token -> engine "
            f"{r['speedup_vs_hf']}x / {r['speedup_vs_hf_ctx1024']}x faster"
        )
    return "\n".join(lines)


def to_json(r: dict) -> str:
    return json.dumps(r, sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m jambridge.bench.engine ARGS`` is ``jambridge bench ARGS``."""
    from jambridge.cli import main as cli_main

    return cli_main(["bench", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
