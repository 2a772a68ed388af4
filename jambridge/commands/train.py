"""``jambridge train``: train a model on a dataset built by ``jambridge data build``.

Runs on CPU, on one GPU, or on several with torchrun::

    torchrun --nproc-per-node 4 -m jambridge.cli train --data DIR --config cfg.json --out runs/x
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from jambridge.commands.arg_types import at_least


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, metavar="DIR", help="dataset folder (data build)")
    p.add_argument(
        "--config",
        metavar="CFG.json",
        help="TrainConfig JSON (default: the built-in defaults; with --resume: the run's own)",
    )
    p.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder (checkpoints, log)")
    p.add_argument("--resume", action="store_true", help="continue from RUN_DIR/ckpt.pt")
    p.add_argument(
        "--max-steps", type=at_least(1), metavar="N", help="train to step N (overrides the config)"
    )
    p.add_argument("--device", help="torch device, e.g. cpu or cuda:0 (default: GPU if any)")
    p.add_argument(
        "--init",
        metavar="MODEL.onnx",
        help="start from an exported model's weights (same size; a newer vocabulary keeps the "
        "old tokens' embeddings)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from jambridge.errors import DataError
    from jambridge.training.config import TrainConfig
    from jambridge.training.trainer import Trainer

    out = Path(args.out)
    if args.config:
        cfg = TrainConfig.load(args.config)
    elif args.resume and (out / "config.json").exists():
        cfg = TrainConfig.load(out / "config.json")
    else:
        cfg = TrainConfig()
    if args.max_steps is not None:
        cfg = TrainConfig.from_dict({**cfg.to_dict(), "max_steps": args.max_steps})
    if args.resume and not (out / "ckpt.pt").exists():
        raise DataError(f"--resume: {out / 'ckpt.pt'} does not exist")
    if not args.resume and (out / "ckpt.pt").exists():
        raise DataError(f"{out} already holds a run; pass --resume to continue it or pick --out")
    trainer = Trainer(args.data, cfg, out, resume=args.resume, device=args.device,
                      show_progress=not args.no_progress, init_from=args.init)  # fmt: skip
    if trainer.init_report and trainer.dist.main:
        r = trainer.init_report
        print(f"initialised from {args.init}: {r['tensors']} tensors, {r['token_rows']} token "
              f"embeddings carried over, {r['new_rows']} new")  # fmt: skip
    try:
        if trainer.dist.main:
            m = trainer.cfg.model
            print(
                f"training {m.n_layer}x{m.n_embd} ({m.n_params() / 1e6:.2f}M params, "
                f"vocab {m.vocab_size}) on {trainer.train_split.n_tokens:,} tokens, "
                f"{trainer.dist.world} process(es) on {trainer.dist.device}, "
                f"from step {trainer.step} to {trainer.cfg.max_steps}"
            )
        summary = trainer.run()
    finally:
        trainer.close()
    if trainer.dist.main:
        val = summary["val_loss"]
        print(
            f"done: step {summary['steps']}, loss {summary['loss']:.4f}, "
            f"val {'n/a' if val is None else f'{val:.4f}'}, {summary['seconds']:.1f} s -> {out}"
        )
        if args.json:
            print(json.dumps(summary))
    return 0
