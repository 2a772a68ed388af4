"""``jambridge eval``: score generated music against real music (and baselines), write a report.

    jambridge eval --real ../shared/data/groove --real ../shared/data/pop909 \\
        --generated out/model --baselines procedural,shuffled --out eval_report
    jambridge eval --real data/built --model model.onnx --sample-model --json

``--real`` takes MIDI folders or a built dataset folder (its held-out ``val`` documents);
``--generated`` folders of ``.mid`` files (``NAME=DIR`` names the row). With a dataset (``--real``
or ``--dataset``) the n-gram baseline is trained on its train split and the validation NLL of the
n-gram (and of ``--model``) is reported.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from jambridge.commands.arg_types import at_least


def _generated(text: str) -> tuple[str, str]:
    name, sep, path = text.partition("=")
    if not sep:
        path = text
        name = Path(text.rstrip("/")).name or text
    return name, path  # a missing folder is a run-time error (exit 1): see run()


def _baselines(text: str) -> tuple[str, ...]:
    from jambridge.evaluation.baselines import BASELINES

    names = tuple(b.strip() for b in text.split(",") if b.strip() and b.strip() != "none")
    bad = [b for b in names if b not in BASELINES]
    if bad:
        raise argparse.ArgumentTypeError(
            f"baselines must be a comma list of {', '.join(BASELINES)} (or none)"
        )
    return names


def _held_out(text: str) -> tuple[str, str, float]:
    """NAME=DIR[:FRACTION] -> (name, folder, validation fraction)."""
    name, sep, rest = text.partition("=")
    folder, _, fraction = rest.rpartition(":") if ":" in rest else (rest, "", "")
    try:
        value = float(fraction) if fraction else 0.05
    except ValueError:
        value = -1.0
    if not sep or not name or not folder or not 0 < value <= 1:
        raise argparse.ArgumentTypeError(
            f"expected NAME=DIR[:FRACTION] with FRACTION in (0, 1], got {text!r}"
        )
    return name, folder, value


def add_arguments(p: argparse.ArgumentParser) -> None:
    _add_sets(p)
    p.add_argument("--out", default="eval_report", metavar="DIR", help="report folder")
    _add_sizes(p)
    _add_report_options(p)


def _add_sets(p: argparse.ArgumentParser) -> None:
    """What is scored: held-out songs, real and generated music, models, baselines."""
    p.add_argument(
        "--held-out",
        action="append",
        type=_held_out,
        default=[],
        metavar="NAME=DIR[:FRACTION]",
        help="score --model (and --compare) in nats per note on the files of DIR that the "
        "dataset builder holds out at FRACTION (default 0.05; 1 = every file); repeatable",
    )
    p.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="OTHER.onnx",
        help="another model scored on the same --held-out songs (e.g. the previous default)",
    )
    p.add_argument(
        "--real",
        action="append",
        default=[],
        metavar="DIR_OR_DATASET",
        help="real music: a MIDI folder or a built dataset (its val split); repeatable; "
        "without it, only the value metrics of --generated are reported",
    )
    p.add_argument(
        "--generated",
        action="append",
        type=_generated,
        default=[],
        metavar="[NAME=]DIR",
        help="a folder of generated .mid files; repeatable",
    )
    p.add_argument(
        "--dataset",
        metavar="DATASET_DIR",
        help="built dataset for the n-gram baseline and NLL (default: a --real one)",
    )
    p.add_argument("--model", metavar="MODEL.onnx", help="ONNX model: validation NLL")
    p.add_argument(
        "--sample-model",
        action="store_true",
        help="also sample --model with the real songs' headers (a 'model' row)",
    )
    p.add_argument(
        "--baselines",
        type=_baselines,
        default=None,
        metavar="LIST",
        help="procedural,ngram,shuffled (default: all) or none",
    )


def _add_sizes(p: argparse.ArgumentParser) -> None:
    """How much is read, scored and sampled, and the seed."""
    p.add_argument(
        "--segment-bars", type=at_least(1), default=4, help="bars per feature segment (default 4)"
    )
    p.add_argument(
        "--max-bars", type=at_least(1), default=1024, help="bars read per set (default 1024)"
    )
    p.add_argument(
        "--max-song-bars",
        type=at_least(1),
        default=32,
        help="bars kept per song, a random window (default 32)",
    )
    p.add_argument("--ngram-order", type=at_least(1), default=6, help="n-gram order (default 6)")
    p.add_argument(
        "--nll-tokens",
        type=at_least(2),
        default=100_000,
        help="validation tokens scored for NLL (default 100000)",
    )
    p.add_argument(
        "--temperature",
        type=float,
        default=1.0,
        help="sampling temperature of the n-gram and the model (default 1)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of subsets, baselines and sampling")


def _add_report_options(p: argparse.ArgumentParser) -> None:
    """What the report leaves out, and the JSON line."""
    p.add_argument(
        "--no-train-reference",
        action="store_true",
        help="leave out the 'real (train split)' reference row (needs a dataset)",
    )
    p.add_argument("--no-figures", action="store_true", help="skip the PNGs")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")


def _note_nll(args: argparse.Namespace) -> dict:
    from jambridge.engine.session import resolve_model_path
    from jambridge.evaluation.nll import open_model
    from jambridge.evaluation.note_nll import compare, held_out_songs

    songs = [s for name, folder, frac in args.held_out
             for s in held_out_songs(name, folder, frac)]  # fmt: skip
    paths = [str(resolve_model_path(args.model)), *args.compare]
    result = compare([(p, open_model(p)) for p in paths], songs)
    print("NLL in nats per note (content | expressive), unconditioned:")
    for path, r in result["models"].items():
        for src in sorted(r["content"]):
            print(f"  {Path(path).name:<24} {src:<10} {r['content'][src]:7.3f} | "
                  f"{r['expressive'][src]:6.3f}  ({r['songs'][src]} songs, "
                  f"{r['notes'][src]:,} notes)")  # fmt: skip
    for path, change in result["content_change"].items():  # the first model against the rest
        text = ", ".join(f"{s} {100 * (1 / (1 + c) - 1):+.1f}%" for s, c in sorted(change.items()))
        print(f"  {Path(result['change_vs']).name} against {Path(path).name} (content): {text}")
    return result


def run(args: argparse.Namespace) -> int:
    from jambridge.errors import DataError

    for _, path in args.generated:
        if not Path(path).exists():
            raise DataError(f"--generated {path} does not exist")
    note_nll = _note_nll(args) if args.held_out else None
    if note_nll is not None and not (args.real or args.generated):
        if args.json:
            print(json.dumps({"note_nll": note_nll}))
        return 0
    from jambridge.evaluation.baselines import BASELINES
    from jambridge.evaluation.report import to_json
    from jambridge.evaluation.runner import EvalConfig, run_evaluation

    cfg = EvalConfig(
        real=tuple(args.real),
        generated=tuple(args.generated),
        dataset=args.dataset,
        model=args.model,
        sample_model=args.sample_model,
        baselines=BASELINES if args.baselines is None else args.baselines,
        out=args.out,
        segment_bars=args.segment_bars,
        max_bars=args.max_bars,
        max_song_bars=args.max_song_bars,
        ngram_order=args.ngram_order,
        nll_max_tokens=args.nll_tokens,
        temperature=args.temperature,
        figures=not args.no_figures,
        train_reference=not args.no_train_reference,
        seed=args.seed,
    )
    rep, path = run_evaluation(cfg, progress=lambda line: print(f"eval: {line}"))
    for s in rep.systems:
        if s.kind != "real":
            print(f"  {s.name:<20} mean OA {s.mean_oa:.3f}  ({s.songs} songs, {s.bars} bars)")
    for name, r in rep.nll.items():
        print(f"  NLL {name:<16} {r.nll:.4f} nats/token on {r.tokens:,} tokens")
    print(f"report: {path} ({rep.timings_s['total']:.1f} s)")
    if args.json:
        print(json.dumps(to_json(rep) | {"report": str(path), "note_nll": note_nll}))
    return 0
