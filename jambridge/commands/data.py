"""``jambridge data build SRC... --out DIR``: MIDI folders -> token arrays for training."""

from __future__ import annotations

import argparse
import json
import os


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The actions of ``jambridge data`` (``build``) and their options."""
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    b = sub.add_parser("build", help="build a dataset from MIDI folders and procedural techno")
    b.add_argument(
        "sources",
        nargs="*",
        metavar="SRC[:STYLE]",
        help="MIDI folders or files; STYLE is the style token (default from the "
        "folder name: groove, pop909 -> pop, else other)",
    )
    b.add_argument("--out", required=True, help="output folder")
    b.add_argument(
        "--procedural",
        type=int,
        default=0,
        metavar="N",
        help="add N procedural techno songs (styles cycle)",
    )
    b.add_argument(
        "--restyle-progressions",
        default="",
        metavar="FILE",
        help="re-style each chord progression of FILE (chords/progressions.json) in the styles",
    )
    b.add_argument(
        "--restyle-pop909",
        default="",
        metavar="DIR",
        help="re-style each POP909 song of DIR (its chords and bass line) in the styles",
    )
    b.add_argument(
        "--restyle-songs",
        default="",
        metavar="DIR",
        help="re-style each song of DIR (MIDI, LMMS; chords from its pitch classes)",
    )
    b.add_argument(
        "--restyle-versions",
        type=int,
        default=1,
        metavar="N",
        help="re-styled songs per progression or song, each in the next style (default 1)",
    )
    b.add_argument(
        "--transpositions",
        type=int,
        default=3,
        help="transposed copies per training song (default 3)",
    )
    b.add_argument(
        "--val-fraction",
        type=float,
        default=0.05,
        help="share of files held out for validation, by file hash (default 0.05)",
    )
    b.add_argument(
        "--max-doc-tokens",
        type=int,
        default=1024,
        help="documents (header + whole bars) fit this context",
    )
    b.add_argument(
        "--workers",
        type=int,
        default=max(1, os.cpu_count() or 1),
        help="worker processes (default: one per CPU)",
    )
    b.add_argument("--seed", type=int, default=0, help="seed of role order and transpositions")
    b.add_argument("--json", action="store_true", help="print the report as JSON (last line)")
    m = sub.add_parser("merge", help="join built datasets that share a tokenizer")
    m.add_argument("parts", nargs="+", metavar="DIR", help="built dataset folders")
    m.add_argument("--out", required=True, help="output folder")


def run(args: argparse.Namespace) -> int:
    """Build the dataset and print its report (or merge built ones)."""
    if args.action == "merge":
        from jambridge.dataset_merge import merge

        meta = merge(args.parts, args.out)
        print(f"merged {len(args.parts)} datasets into {args.out}: sources "
              f"{', '.join(str(s.get('name')) for s in meta['sources'])}")  # fmt: skip
        return 0
    from jambridge.dataset import BuildConfig, build
    from jambridge.dataset_report import format_report
    from jambridge.dataset_sources import parse_sources

    cfg = BuildConfig(
        sources=parse_sources(args.sources),
        out=args.out,
        procedural=args.procedural,
        restyle_progressions=args.restyle_progressions,
        restyle_pop909=args.restyle_pop909,
        restyle_songs=args.restyle_songs,
        restyle_versions=args.restyle_versions,
        transpositions=args.transpositions,
        val_fraction=args.val_fraction,
        max_doc_tokens=args.max_doc_tokens,
        workers=args.workers,
        seed=args.seed,
    )
    report = build(cfg)
    print(format_report(report))
    if args.json:
        print(json.dumps(report))
    return 0
