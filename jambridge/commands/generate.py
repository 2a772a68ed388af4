"""``jambridge generate``: a multi-track techno idea as a type-1 .mid file."""

from __future__ import annotations

import argparse
import secrets
import time
from pathlib import Path

from jambridge.music import ROLES


def _roles(text: str) -> tuple[str, ...]:
    roles = tuple(r.strip() for r in text.split(",") if r.strip())
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise argparse.ArgumentTypeError(f"tracks must be a comma list of {', '.join(ROLES)}")
    return roles


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--preset",
        default="techno",
        help="preset name (see presets/) or a preset JSON file (default: techno)",
    )
    p.add_argument("--bars", type=_positive, default=16, help="bars to generate (default 16)")
    p.add_argument(
        "--seed", type=int, default=None, help="random seed (default: a new one, printed)"
    )
    p.add_argument(
        "--temperature",
        type=float,
        default=None,
        help="sampling temperature for every track (default: the preset's)",
    )
    p.add_argument("--bpm", type=float, default=None, help="tempo (default: the preset's)")
    p.add_argument("--key", default=None, help="key, e.g. 'A minor' (default: the preset's)")
    p.add_argument(
        "--tracks",
        type=_roles,
        default=None,
        metavar="ROLE,...",
        help=f"tracks to write, from {','.join(ROLES)} (default: the preset's)",
    )
    p.add_argument("--prompt", metavar="FILE.mid", help="a riff to continue and accompany")
    p.add_argument("--prompt-role", choices=ROLES, help="the role of the prompt riff")
    p.add_argument(
        "--variations",
        type=_positive,
        default=1,
        metavar="K",
        help="write K variations: OUT-1.mid .. OUT-K.mid",
    )
    p.add_argument("--stems", metavar="DIR", help="also write one .mid per track into DIR")
    p.add_argument(
        "--engine",
        choices=("model", "procedural"),
        default="model",
        help="the shipped model (default) or the rule-based generator",
    )
    p.add_argument("--model", metavar="MODEL.onnx", help="use this model instead of the default")
    p.add_argument("-o", "--output", required=True, metavar="OUT.mid", help="output file")


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from jambridge.errors import DataError
    from jambridge.generation import generate, load_prompt, split_stems
    from jambridge.midi_io import write_midi
    from jambridge.music import Key
    from jambridge.preset import load_preset

    t0 = time.perf_counter()
    preset = load_preset(args.preset)
    if args.temperature is not None:
        if not 0 <= args.temperature <= 2:
            raise DataError(f"temperature must be in range 0..2, got {args.temperature}")
        preset = replace(
            preset,
            temperature=1.0,
            tracks={r: replace(t, temperature=args.temperature) for r, t in preset.tracks.items()},
        )
    if args.bpm is not None:
        if not 40 <= args.bpm <= 300:
            raise DataError(f"bpm must be in range 40..300, got {args.bpm}")
        preset = replace(preset, bpm=args.bpm)
    if args.key is not None:
        preset = replace(preset, key=Key.parse(args.key))
    prompt = load_prompt(args.prompt, args.prompt_role) if args.prompt else None
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    out = Path(args.output)
    if out.parent and not out.parent.exists():
        raise DataError(f"output folder {out.parent} does not exist")
    for k in range(args.variations):
        song = generate(preset, args.bars, seed + k, args.engine, prompt, args.model, args.tracks)
        path = out if args.variations == 1 else out.with_name(f"{out.stem}-{k + 1}{out.suffix}")
        write_midi(song, path)
        if args.stems:
            stems = Path(args.stems)
            stems.mkdir(parents=True, exist_ok=True)
            for stem in split_stems(song):
                write_midi(stem, stems / f"{path.stem}-{stem.tracks[0].role}.mid")
        counts = ", ".join(f"{t.role} {len(t.notes)}" for t in song.tracks)
        print(
            f"wrote {path}: {song.length_bars} bars, {song.tempo_bpm:g} BPM, "
            f"{song.key.name if song.key else 'no key'}, {preset.name} ({args.engine}, "
            f"seed {seed + k}); notes: {counts}; {time.perf_counter() - t0:.2f} s"
        )
    return 0
