"""The dataset build report: counters -> a JSON-able dict (saved in meta.json) and readable text.

Numbers: files used / skipped (with reasons and an example each), tokens per split, documents,
bars, notes per role, tokens per bar (a whole song's tokens over its bars) and per 4-track bar
(BAR to EOS in songs with every role), round-trip precision and recall of decode(encode(x))
against the quantized song, and what quantization lost.
"""

from __future__ import annotations

from collections import Counter

from jambridge.music import ROLES


def make_report(
    cfg,
    sources: list[dict],
    per_source: list[Counter],
    totals: Counter,
    skipped: Counter,
    examples: dict[str, str],
    offsets: dict[str, int],
    wall_s: float,
) -> dict:
    """The build report (saved in meta.json) from the builder's counters.

    Args:
        cfg: the BuildConfig (for the worker count).
        sources: one dict per source (name, path, style, files).
        per_source: counters per source (used, skipped, files_train/val, bars, tokens, ...).
        totals: counters summed over every used file (see ``dataset._song_stats``).
        skipped: skip reason -> files; ``examples``: reason -> one file skipped for it.
        offsets: split -> tokens written; ``wall_s``: build time.
    """

    def ratio(a: float, b: float) -> float:
        return round(a / b, 5) if b else 0.0

    return {
        "wall_s": round(wall_s, 1),
        "workers": cfg.workers,
        "files_used": sum(s["used"] for s in per_source),
        "files_skipped": sum(skipped.values()),
        "skipped_reasons": {k: {"count": v, "example": examples[k]} for k, v in skipped.items()},
        "tokens_train": offsets["train"],
        "tokens_val": offsets["val"],
        "docs": totals["docs"],
        "bars": totals["bars"],
        "notes_per_role": {r: totals[f"notes_{r}"] for r in ROLES},
        "tokens_per_bar": ratio(totals["tokens_song"], totals["bars"]),
        "tokens_per_4track_bar": ratio(totals["four_track_bar_tokens"], totals["four_track_bars"]),
        "round_trip": {
            "notes": totals["rt_expected"],
            "precision": ratio(totals["rt_true"], totals["rt_decoded"]),
            "recall": ratio(totals["rt_true"], totals["rt_expected"]),
        },
        "quantization_loss": {
            "merged_duplicates": totals["merged_duplicates"],
            "drum_key_out_of_range": totals["drum_key_out_of_range"],
            "bars_too_long": totals["bars_too_long"],
        },
        "per_source": [
            {
                "name": s["name"],
                "style": s["style"],
                "used": c["used"],
                "skipped": c["skipped"],
                "files_train": c["files_train"],
                "files_val": c["files_val"],
                "bars": c["bars"],
                "tokens": c["tokens"],
                "tokens_per_bar": ratio(c["tokens_song"], c["bars"]),
            }
            for s, c in zip(sources, per_source)
        ],
    }


def format_report(report: dict) -> str:
    """The build report as readable text."""
    rt = report["round_trip"]
    lines = [
        f"files used {report['files_used']}, skipped {report['files_skipped']} "
        f"in {report['wall_s']} s ({report['workers']} workers)",
        f"tokens: train {report['tokens_train']:,}, val {report['tokens_val']:,}; "
        f"docs {report['docs']:,}; bars {report['bars']:,}",
        f"tokens per bar {report['tokens_per_bar']}, per 4-track bar "
        f"{report['tokens_per_4track_bar']}",
        f"round trip: {rt['notes']:,} notes, precision {rt['precision']}, recall {rt['recall']}",
        "notes per role: " + ", ".join(f"{k} {v:,}" for k, v in report["notes_per_role"].items()),
        "quantization: " + ", ".join(f"{k} {v:,}" for k, v in report["quantization_loss"].items()),
    ]
    for s in report["per_source"]:
        lines.append(
            f"  {s['name']:<12} ({s['style']}): used {s['used']}, skipped {s['skipped']}, "
            f"train/val files {s['files_train']}/{s['files_val']}, bars {s['bars']:,}, "
            f"tokens {s['tokens']:,}, tokens/bar {s['tokens_per_bar']}"
        )
    for reason, info in report["skipped_reasons"].items():
        lines.append(f"  skipped {info['count']}x: {reason} (e.g. {info['example']})")
    return "\n".join(lines)
