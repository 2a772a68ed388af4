"""Training side (torch): model, configs, dataset loader and the training loop.

- ``config``   ModelConfig / TrainConfig: frozen dataclasses <-> JSON (no torch)
- ``model``    GPT: rotary decoder with an optional KV cache; ``generate_naive`` reference
- ``data``     batches from a built dataset (memory-mapped uint16 tokens; no torch)
- ``trainer``  Trainer: AdamW, warmup + cosine, clipping, bf16 autocast, checkpoints, DDP

The runtime never imports this package; ``jambridge.export`` turns its checkpoints into ONNX.
"""
