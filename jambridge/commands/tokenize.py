"""``jambridge tokenize FILE.mid [--decode OUT.mid]``: show how the model hears a file."""

from __future__ import annotations

import argparse
import json
from collections import Counter


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a MIDI file")
    p.add_argument("--decode", metavar="OUT.mid", help="write decode(encode(FILE)) here")
    p.add_argument("--tokens", type=int, default=0, metavar="N", help="print the first N tokens")
    p.add_argument("--json", action="store_true", help="print the summary as JSON (last line)")


def run(args: argparse.Namespace) -> int:
    from jambridge.keyfinder import estimate_key
    from jambridge.midi_io import read_midi, write_midi
    from jambridge.tokenizer import Tokenizer

    tok = Tokenizer()
    song, report = read_midi(args.file)
    if song.note_count() == 0:
        from jambridge.errors import DataError

        raise DataError(f"{args.file}: no notes to tokenize")
    if song.key is None:
        song = type(song)(**{**_fields(song), "key": estimate_key(song)})
    stats: Counter = Counter()
    quantized = tok.quantize_song(song, stats)
    ids = tok.encode(quantized)
    decoded = tok.decode(ids)
    kept = sum(len(t.notes) for t in quantized.tracks)
    summary = {
        "file": args.file,
        "roles": {t.role: len(t.notes) for t in quantized.tracks},
        "dropped_tracks": [str(d) for d in getattr(report, "dropped", ())],
        "bars": quantized.length_bars,
        "tokens": len(ids),
        "tokens_per_bar": round(len(ids) / max(quantized.length_bars, 1), 1),
        "notes_in": song.note_count(),
        "notes_tokenized": kept,
        "round_trip_exact": all(
            (decoded.track(t.role) or t.with_notes(())).notes == t.notes for t in quantized.tracks
        ),
        "key": quantized.key.name if quantized.key else None,
        "tempo_bpm": round(song.tempo_bpm, 2),
        "quantization": dict(stats),
    }
    print(
        f"{args.file}: {summary['bars']} bars, {summary['tokens']} tokens "
        f"({summary['tokens_per_bar']} per bar), key {summary['key']}, "
        f"{summary['tempo_bpm']} BPM"
    )
    for role, n in summary["roles"].items():
        print(f"  {role:<7} {n} notes")
    for d in summary["dropped_tracks"]:
        print(f"  dropped: {d}")
    if stats:
        print("  quantization: " + ", ".join(f"{k} {v}" for k, v in stats.items()))
    print(f"  round trip exact: {summary['round_trip_exact']}")
    if args.tokens:
        print("  " + " ".join(tok.vocab.name(i) for i in ids[: args.tokens]))
    if args.decode:
        write_midi(decoded, args.decode)
        print(f"  wrote {args.decode}")
    if args.json:
        print(json.dumps(summary))
    return 0


def _fields(song) -> dict:
    return {f: getattr(song, f) for f in song.__dataclass_fields__}
