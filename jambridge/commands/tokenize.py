"""``jambridge tokenize FILE [--decode OUT.mid]``: show how the model hears a MIDI file or an
LMMS project."""

from __future__ import annotations

import argparse
import json
from collections import Counter

from jambridge.commands.arg_types import at_least


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``jambridge tokenize``."""
    p.add_argument("file", help="a MIDI file or an LMMS project (.mmp, .mmpz)")
    p.add_argument("--decode", metavar="OUT.mid", help="write decode(encode(FILE)) here")
    p.add_argument(
        "--tokens", type=at_least(0), default=0, metavar="N", help="print the first N tokens"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON (last line)")


def run(args: argparse.Namespace) -> int:
    """Read, assign roles, quantize, encode and decode FILE; print what was kept and lost."""
    from dataclasses import replace

    from jambridge.errors import DataError
    from jambridge.keyfinder import estimate_key
    from jambridge.midi_io import write_midi
    from jambridge.song_files import read_song
    from jambridge.tokenizer import Tokenizer

    tok = Tokenizer()
    song, report = read_song(args.file)
    if song.note_count() == 0:
        raise DataError(f"{args.file}: no notes to tokenize")
    if song.key is None:
        song = replace(song, key=estimate_key(song))
    stats: Counter = Counter()
    quantized = tok.quantize_song(song, stats)
    ids = tok.encode(quantized)
    decoded = tok.decode(ids)
    bars = max(quantized.length_bars, 1)
    header = len(tok.encode_header(tok.header_for(quantized)))
    summary = {
        "file": args.file,
        "roles": {t.role: len(t.notes) for t in quantized.tracks},
        "role_sources": {r: list(s) for r, s in report.role_sources.items()},
        "dropped_tracks": [f"{name}: {why}" for name, why in report.dropped],
        "warnings": list(report.warnings),
        "bars": quantized.length_bars,
        "tokens": len(ids),
        # the bars' own tokens: the header and EOS are paid once per sequence, not per bar
        "tokens_per_bar": round((len(ids) - header - 1) / bars, 1),
        "notes_in": song.note_count(),
        "notes_tokenized": quantized.note_count(),
        "round_trip_exact": all(
            (decoded.track(t.role) or t.with_notes(())).notes == t.notes for t in quantized.tracks
        ),
        "key": quantized.key.name if quantized.key else None,
        "tempo_bpm": round(song.tempo_bpm, 2),
        "quantization": dict(stats),
    }
    _print_summary(summary)
    if args.tokens:
        print("  " + " ".join(tok.vocab.name(i) for i in ids[: args.tokens]))
    if args.decode:
        write_midi(decoded, args.decode)
        print(f"  wrote {args.decode}")
    if args.json:
        print(json.dumps(summary))
    return 0


def _print_summary(summary: dict) -> None:
    print(
        f"{summary['file']}: {summary['bars']} bars, {summary['tokens']} tokens "
        f"({summary['tokens_per_bar']} per bar), key {summary['key']}, "
        f"{summary['tempo_bpm']} BPM"
    )
    for role, n in summary["roles"].items():
        sources = "; ".join(summary["role_sources"].get(role, ()))
        print(f"  {role:<7} {n} notes" + (f"  <- {sources}" if sources else ""))
    for line in summary["dropped_tracks"]:
        print(f"  dropped: {line}")
    for line in summary["warnings"]:
        print(f"  warning: {line}")
    if summary["quantization"]:
        print(
            "  quantization: " + ", ".join(f"{k} {v}" for k, v in summary["quantization"].items())
        )
    print(f"  round trip exact: {summary['round_trip_exact']}")
