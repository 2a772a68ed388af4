"""Runtime inference (no torch): ONNX model, KV cache, sampler, bar-by-bar generation.

- ``session``    ModelSession: load + check a model file (contract, metadata, vocabulary hash)
- ``kv_cache``   KVCache: preallocated past/present buffers shared through IO binding
- ``decoder``    Decoder: token-level ``step`` / ``prefill`` over the cache
- ``sampler``    sample(): pure function (logits, rng, temperature, top-k, top-p, mask) -> id
- ``generator``  BarGenerator: header + bars in, one Bar out per completed bar
- ``offline``    generate_with_model(): a preset -> a Song (used by ``jambridge generate``)
- ``bench``      the numbers ``jambridge bench`` prints

Speed (2-core CPU, see ``jambridge.engine.generator`` for the full account and the numbers).
"""
