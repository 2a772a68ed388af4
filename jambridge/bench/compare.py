"""The engine's speed next to torch eager and Hugging Face GPT-2 of the same size: what
``jambridge bench --compare`` adds (needs the training extra: torch; transformers for HF). Run
through ``jambridge bench --compare``; torch is imported only here.
"""

from __future__ import annotations

import time

import numpy as np


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


def add_comparisons(result: dict, config: dict, contexts, step: dict, threads: int) -> None:
    """Add torch's and HF's ms per token at ``contexts`` to ``result`` (the engine's are
    ``step``), and the engine's speed-up over each; a library that is not installed is left
    out."""
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
