"""Runtime inference (no torch): ONNX model, KV cache, sampler, bar-by-bar generation.

- ``session``    ModelSession: load + check a model file (contract, metadata, vocabulary hash)
- ``kv_cache``   KVCache: preallocated past/present buffers shared through IO binding
- ``decoder``    Decoder: token-level ``step`` / ``prefill`` over the cache
- ``sampler``    sample(): pure function (logits, rng, temperature, top-k, top-p, mask) -> id
- ``generator``  BarGenerator: header + bars in, one Bar out per completed bar
- ``offline``    generate_with_model(): a preset -> a Song (``jambridge generate``)
- ``live``       model_bar_source(): the model as the bridge's bar source
- ``bench``      the numbers ``jambridge bench`` prints

How a decode step is made fast (measured on the project's 2-core AMD EPYC VM, 1 intra-op
thread; ``jambridge bench`` reproduces the numbers)
------------------------------------------------------------------------------------------
The trap: a model that takes the past as input and returns a longer present copies the whole
cache in and out every step (FIELD-NOTES: 0.7 -> 1.5 ms per step from 16 to 1,024 tokens).

Chosen: onnxruntime's ``com.microsoft.GroupQueryAttention`` with past and present bound to the
same preallocated OrtValue (IO binding; ``kv_cache``). The operator applies rotary itself,
writes the new key/value in place and reads only the first ``seqlens_k + 1`` positions, so a
step costs the same whatever the buffer capacity (0.15 ms at 128 tokens with a 256-, 1,024- or
4,096-position buffer) and copies nothing but one token's keys. Token ids, lengths and the
logits buffer are bound once to NumPy arrays; a step writes three small arrays and runs.
Rejected after measuring (4 layers x 192):

- opset-24 ``Attention`` + ``TensorScatter`` over a fixed-size cache: onnxruntime 1.31 did not
  update the bound buffer in place, and more nodes: 0.33 / 0.43 ms at 128 / 1,024 tokens
  against 0.14 / 0.22 ms;
- ``local_window_size`` on the attention: no saving on CPU (the kernel masks the window but
  still scores the whole context: 28.8 us per layer at 1,024 tokens either way);
- 2 intra-op threads (spinning off, as the MIDI process needs): slower at batch 1
  (0.40 vs 0.23 ms); spinning on would steal the scheduler's core;
- multi-head KV (4 kv heads instead of 1): 0.26 / 0.58 ms against 0.24 / 0.46 ms (4 x 256).

Where the time goes: the weights (an L3-bandwidth-bound matrix-vector product per layer, ~35
graph nodes at ~1-2 us of dispatch each) cost ~0.10-0.13 ms at 192 wide; attention costs
~5 us + 0.023 us per cached token per 96 query dims per layer (onnxruntime's CPU kernel runs
at ~8 GMAC/s). The step at 1,024 tokens is therefore ~1.45-1.6x the step at 128 for this
size: reaching 1.2x would need attention below a fifth of the step (32 query dims per layer
at 192 wide). Step ms at 128 / 1,024 tokens, quiet machine, isolated steps:

    4 x 256, 4 heads x 64 (4 kv)   2.91M   0.261 / 0.583
    4 x 256, 4 x 64 (1 kv)         2.91M   0.243 / 0.460
    4 x 256, 2 x 64 (1 kv)         2.66M   0.205 / 0.326
    4 x 192, 2 x 48 (1 kv)         1.52M   0.136 / 0.220
    4 x 128, 2 x 32 (1 kv)         0.71M   0.085 / 0.145
    3 x 256, 2 x 64 (1 kv)         2.04M   0.152 / 0.232

Default (``ModelConfig``): 4 layers x 192, 2 query heads x 32, 1 kv head, 1,024 context. int8
weights (``jambridge export --int8``) cut the step at 128 tokens by ~25% (attention and the
cache stay float32). Python work per token (sampler ~15 us, grammar and mask ~5 us, decoder
wrapper ~3 us, decoding the finished bar ~9 us) is ~35-50 us.

Sliding window: rotary positions are relative, so when a row runs out of room the generator
drops its oldest bars after the pinned header and the cache rotates the kept keys back into
place (``KVCache.drop``; a memmove, not a prefill).
"""
