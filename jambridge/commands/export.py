"""``jambridge export``: a training checkpoint -> a validated ONNX model the app can load."""

from __future__ import annotations

import argparse

from jambridge.commands.arg_types import at_least


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoint", metavar="CHECKPOINT", help="ckpt.pt or best.pt from a train run")
    p.add_argument("-o", "--output", required=True, metavar="MODEL.onnx", help="output file")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--int8", action="store_true", help="int8 weights (smaller; for CPU)")
    kind.add_argument("--fp16", action="store_true", help="float16 weights and cache (for GPU)")
    p.add_argument(
        "--tokenizer", metavar="TOKENIZER.json", help="also write the model's tokenizer file here"
    )
    p.add_argument(
        "--greedy-tokens",
        type=at_least(1),
        default=256,
        help="tokens of greedy decoding to compare (256)",
    )
    p.add_argument("--no-validate", action="store_true", help="skip validation (not advised)")
    p.add_argument("--json", action="store_true", help="print a JSON summary as the last line")


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from jambridge.export.onnx_export import export_checkpoint

    variant = "int8" if args.int8 else "float16" if args.fp16 else "float32"
    result = export_checkpoint(args.checkpoint, args.output, variant,
                               validate=not args.no_validate,
                               greedy_tokens=args.greedy_tokens)  # fmt: skip
    c = result.config
    print(
        f"wrote {result.path} ({result.size_bytes / 1e6:.2f} MB, {variant}): {c['n_layer']} layers "
        f"x {c['n_embd']}, {c['n_head']} heads ({c['n_kv_head']} kv) of {c['head_size']}, "
        f"context {c['block_size']}, vocab {c['vocab_size']}"
    )
    if result.checks:
        k = result.checks
        print(
            f"validated on {k['provider']}: logits vs torch max |diff| "
            f"{k['prompt_max_abs_diff']:.2e} (prompt), "
            f"{k['cached_step_max_abs_diff']:.2e} (cached step); greedy "
            f"{k['greedy_tokens']} tokens: cached == naive on torch and on ONNX "
            f"(agreement {k['greedy_cached_vs_naive_agreement']:.1%}), ONNX vs torch agreement "
            f"{k['greedy_agreement_with_torch']:.1%}"
        )
    if args.tokenizer:
        from jambridge.export.onnx_export import load_model

        _, ckpt = load_model(args.checkpoint)
        Path(args.tokenizer).write_text(ckpt["tokenizer_json"])
        print(f"wrote {args.tokenizer}")
    if args.json:
        print(json.dumps({"path": str(result.path), "variant": variant,
                          "size_bytes": result.size_bytes, "config": c,
                          "checks": result.checks}))  # fmt: skip
    return 0
