"""Runtime inference (no torch): ONNX model, KV cache, sampler, bar-by-bar generation.

- ``session``    ModelSession: load + check a model file (contract, metadata, vocabulary hash)
- ``kv_cache``   KVCache: preallocated past/present buffers shared through IO binding
- ``decoder``    Decoder: token-level ``step`` / ``prefill`` over the cache
- ``sampler``    sample(): pure function (logits, rng, temperature, top-k, top-p, mask) -> id
- ``settings``   SamplingSettings: temperatures, nucleus, scale lock, per-track controls
- ``masks``      SamplingMasks: the grammar's mask narrowed by the settings (cached)
- ``guide``      ControlGuide: the set density / poly / dur controls bite while a track is sampled
- ``generator``  BarGenerator: header + bars in, one Bar out per completed bar
- ``infill``     infill(): regenerate chosen bars of chosen tracks with context on both sides
- ``offline``    generate_with_model(): a preset -> a Song (``jambridge generate``)
- ``live``       model_bar_source(): the model as the bridge's bar source

``jambridge bench``'s numbers come from :mod:`jambridge.bench.engine`.

Why a step costs the same at any context length (GroupQueryAttention on a shared past/present
buffer), what was measured and rejected, where the time goes and how the window slides:
docs/engine-decode-speed.md.
"""
