"""``jambridge bench``: measure inference speed (decode step, bars, load time); with
``--compare``, next to torch eager and Hugging Face GPT-2 at the same size (needs torch; HF when
transformers is installed). See :mod:`jambridge.bench.engine`."""

from __future__ import annotations

import argparse

from jambridge.commands.arg_types import at_least


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", metavar="MODEL.onnx", help="model file (default: the shipped one)")
    p.add_argument(
        "--random", action="store_true", help="random weights of the default size (needs torch)"
    )
    p.add_argument("--config", metavar="MODEL_CFG.json", help="with --random: a ModelConfig JSON")
    p.add_argument(
        "--threads", type=at_least(1), default=1, help="onnxruntime intra-op threads (1)"
    )
    p.add_argument("--bars", type=at_least(1), default=60, help="bars to generate and time (60)")
    p.add_argument(
        "--compare", action="store_true",
        help="also time torch eager and HF GPT-2 of the same size (needs torch)",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")


def run(args: argparse.Namespace) -> int:
    import importlib.util
    import json
    from pathlib import Path

    from jambridge.bench.engine import format_result, run_bench, to_json
    from jambridge.engine.session import default_model_path
    from jambridge.errors import ModelError, UsageError

    model = None if args.random else (args.model or default_model_path(must_exist=False))
    if model is not None and not Path(model).exists():
        if args.model:
            raise ModelError(f"model file {model} does not exist")
        print(f"no model at {model} yet: measuring random weights of the default size")
        model = None
    config = json.loads(Path(args.config).read_text()) if args.config else None
    if args.compare and importlib.util.find_spec("torch") is None:
        raise UsageError("--compare needs torch (pip install 'jambridge[train]')")
    result = run_bench(model, config, threads=args.threads, n_bars=args.bars,
                       compare=args.compare)  # fmt: skip
    print(format_result(result))
    if args.json:
        print(to_json(result))
    return 0
