"""Inference speed, measured: what ``jambridge bench`` prints.

- ``ms_per_token_ctx128`` / ``ms_per_token_ctx1024``: one decode step (batch 1) with 128 or
  1,024 tokens already in the cache (median of many steps; the model call only);
- ``bar_ms_p50`` / ``bar_ms_p95``: wall time of whole bars from the generator (grammar mask,
  sampler, model), over a stream long enough for the window to slide;
- ``load_s``: model file to ready-to-generate (session, tokenizer, header prefill);
- ``speedup_vs_torch``: the same dimensions in torch eager with a KV cache (when torch is
  installed), per token, at the same contexts; ``speedup_vs_hf``: Hugging Face GPT-2
  ``generate()`` at the same width and depth (when transformers is installed).

With the shipped model the bars are real; with random weights (no model yet, or ``--random``)
a bar is wrapped up at ``bar_tokens`` tokens (150: a typical 4-track bar), so the bar numbers
mean the same thing. Torch and transformers are imported only for their comparisons, after
the engine's numbers are taken, and run with the same thread count.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from jambridge.engine.decoder import Decoder
from jambridge.engine.generator import BarGenerator, SamplingSettings
from jambridge.engine.session import ModelSession, SessionConfig
from jambridge.errors import ModelError


def _percentile(values: list[float], q: float) -> float:
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


def torch_step_ms(config: dict, contexts: tuple[int, ...], threads: int, steps: int = 100):
    """Torch eager with a KV cache (the training model), ms per token at each context."""
    try:
        import torch
    except ImportError:
        return None
    from jambridge.training.config import ModelConfig
    from jambridge.training.model import GPT

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = GPT(ModelConfig.from_dict(config)).eval()
    out = {}
    with torch.inference_mode():
        for ctx in contexts:
            _, past = model(torch.randint(0, config["vocab_size"], (1, ctx - 1)))
            x = torch.tensor([[1]])
            times = []
            for _ in range(steps + 10):
                t0 = time.perf_counter()
                model(x, past)  # concatenates a new cache each call, as HF does
                times.append(time.perf_counter() - t0)
            out[ctx] = 1000 * float(np.median(times[10:]))
    return out


def hf_step_ms(config: dict, contexts: tuple[int, ...], threads: int, new_tokens: int = 64):
    """Hugging Face GPT-2 ``generate()`` (greedy, its KV cache) at the same width and depth:
    ms per generated token, starting from a prompt of each context length."""
    try:
        import torch
        import transformers
    except ImportError:
        return None
    torch.set_num_threads(threads)
    cfg = transformers.GPT2Config(
        vocab_size=config["vocab_size"], n_positions=max(contexts) + new_tokens + 1,
        n_embd=config["n_embd"], n_layer=config["n_layer"], n_head=config["n_head"],
        bos_token_id=None, eos_token_id=None, pad_token_id=0,
    )  # fmt: skip
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(cfg).eval()
    out = {}
    with torch.inference_mode():
        for ctx in contexts:
            prompt = torch.randint(0, config["vocab_size"], (1, ctx))
            kwargs = dict(max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                          pad_token_id=0, attention_mask=torch.ones_like(prompt))  # fmt: skip
            model.generate(prompt, **{**kwargs, "max_new_tokens": 2, "min_new_tokens": 2})
            t0 = time.perf_counter()
            model.generate(prompt, **kwargs)
            full = time.perf_counter() - t0
            t0 = time.perf_counter()
            model.generate(prompt, **{**kwargs, "max_new_tokens": 1, "min_new_tokens": 1})
            prefill = time.perf_counter() - t0
            out[ctx] = 1000 * (full - prefill) / (new_tokens - 1)
    return {"transformers": transformers.__version__, "ms": out}


def run_bench(
    model_path: str | Path | None = None,
    config: dict | None = None,
    threads: int = 1,
    n_bars: int = 60,
    bar_tokens: int = 150,
    compare: bool = True,
    seed: int = 0,
) -> dict:
    """All the numbers. ``model_path`` None: a random-weights model of ``config`` (default:
    the default ModelConfig with the tokenizer's vocabulary), written to a temporary file."""
    from jambridge.music import Key
    from jambridge.tokenizer import Header, Tokenizer

    tmp = None
    random_weights = model_path is None
    if random_weights:
        tok = Tokenizer()
        tmp = tempfile.TemporaryDirectory()
        model_path = Path(tmp.name) / "random.onnx"
        _write_random_model(model_path, config, tok)
    try:
        t0 = time.perf_counter()
        session = ModelSession(model_path, SessionConfig(threads=threads))
        tok = session.tokenizer()
        gen = BarGenerator(session, tok, seed=seed)
        header = Header("techno", 130, Key(9, "minor"),
                        {"drums": 4, "bass": 4, "chords": 2, "lead": 3})  # fmt: skip
        gen.start(header)
        load_s = time.perf_counter() - t0
        meta = session.meta
        contexts = (128, min(1024, meta.block_size))  # tokens attended by the step
        dec = Decoder(session, 1)
        measured = {ctx: step_ms(dec, ctx) for ctx in contexts}
        step = {ctx: m[0] for ctx, m in measured.items()}
        settings = SamplingSettings(
            scale=Key(9, "minor"),
            max_bar_tokens=bar_tokens if random_weights else SamplingSettings().max_bar_tokens,
            min_bar_tokens=bar_tokens if random_weights else 0,
        )
        times, cpu, tokens = bar_times(gen, header, n_bars, settings)
        result = {
            "model": "random weights" if random_weights else str(model_path),
            "config": {k: meta.config[k] for k in ("n_layer", "n_embd", "n_head", "n_kv_head",
                                                   "head_size", "block_size", "vocab_size")},
            "params": _params(meta.config),
            "dtype": meta.dtype,
            "provider": session.provider,
            "threads": threads,
            "load_s": round(load_s, 4),
            "ms_per_token_ctx128": round(step[contexts[0]], 4),
            "ms_per_token_ctx1024": round(step[contexts[1]], 4),
            "ctx1024_over_ctx128": round(step[contexts[1]] / step[contexts[0]], 3),
            "long_context_tokens": contexts[1],  # 1024, or the model's context if shorter
            "bar_ms_p50": round(_percentile(times, 50), 2),
            "bar_ms_p95": round(_percentile(times, 95), 2),
            "bar_ms_max": round(max(times), 2),
            "bar_cpu_ms_p50": round(_percentile(cpu, 50), 2),
            "bar_cpu_ms_p95": round(_percentile(cpu, 95), 2),
            "cpu_ms_per_token_ctx128": round(measured[contexts[0]][1], 4),
            "cpu_ms_per_token_ctx1024": round(measured[contexts[1]][1], 4),
            "loadavg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
            "bar_tokens_p50": _percentile(tokens, 50),
            "bar_tokens_p95": _percentile(tokens, 95),
            "bars": n_bars,
            "ms_per_token_in_bars": round(sum(times) / max(1, sum(tokens)), 4),
            "tokens_per_s": round(1000 * sum(tokens) / sum(times), 1),
            "speedup_vs_torch": None,
            "speedup_vs_hf": None,
        }  # fmt: skip
        if compare:
            _compare(result, meta.config, contexts, step, threads)
        return result
    finally:
        if tmp is not None:
            tmp.cleanup()


def _compare(result: dict, config: dict, contexts, step: dict, threads: int) -> None:
    ref = torch_step_ms(config, contexts, threads)
    if ref is not None:
        result["torch_ms_per_token"] = {str(c): round(v, 4) for c, v in ref.items()}
        result["speedup_vs_torch"] = round(ref[contexts[0]] / step[contexts[0]], 2)
        result["speedup_vs_torch_ctx1024"] = round(ref[contexts[1]] / step[contexts[1]], 2)
    hf = hf_step_ms(config, contexts, threads)
    if hf is not None:
        ms = hf["ms"]
        result["hf_ms_per_token"] = {str(c): round(v, 4) for c, v in ms.items()}
        result["hf_transformers"] = hf["transformers"]
        result["speedup_vs_hf"] = round(ms[contexts[0]] / step[contexts[0]], 2)
        result["speedup_vs_hf_ctx1024"] = round(ms[contexts[1]] / step[contexts[1]], 2)


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
