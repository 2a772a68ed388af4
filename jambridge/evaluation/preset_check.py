"""Generation acceptance over every preset: ``python -m jambridge.evaluation.preset_check``.

Generates about ``--bars`` bars in total across the presets with the model (or the procedural
engine), then counts per preset: bars that decoded, four-on-the-floor bars (kick on all four
beats), empty bars in enabled tracks, the share of pitched notes in the preset's key, and the
time per bar. Prints a table and, with ``--json``, one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from jambridge.errors import JamBridgeError
from jambridge.evaluation import check_cli
from jambridge.evaluation.metrics import four_on_the_floor
from jambridge.music import GRID_PER_BEAT, Song
from jambridge.preset import list_presets, load_preset
from jambridge.procedural.styles import STYLE_TABLE

KICKS = (35, 36)
# the styles whose every kick pattern has a kick on each beat (all but electro)
TECHNO_STYLES = tuple(
    name
    for name, params in STYLE_TABLE.items()
    if all(p[::4] == "xxxx" for p in params.kick_patterns)
)


def check_song(song: Song, enabled: tuple[str, ...]) -> dict:
    """Per-bar counts for one generated song."""
    bars = song.bars()
    kick_bars = empty = 0
    for bar in bars:
        drums = bar.track("drums")
        ticks = np.array(
            [
                round(n.start_beats * GRID_PER_BEAT)
                for n in (drums.notes if drums else ())
                if n.pitch in KICKS
            ],
            dtype=np.int64,
        )
        kick_bars += bool(drums) and four_on_the_floor(ticks)
        empty += sum(1 for r in enabled if not (bar.track(r) and bar.track(r).notes))
    pitched = [n for t in song.tracks if t.role != "drums" for n in t.notes]
    in_key = sum(n.pitch % 12 in song.key.pitch_classes for n in pitched) if song.key else 0
    return {
        "bars": len(bars),
        "kick_bars": kick_bars,
        "empty_track_bars": empty,
        "pitched_notes": len(pitched),
        "in_key": in_key,
    }


def run(total_bars: int, engine: str, model: str | None, seed: int, chunk_bars: int) -> dict:
    from jambridge.generation import generate

    presets = list_presets()
    per = max(1, -(-total_bars // len(presets)))  # at least total_bars in all
    out: dict = {"engine": engine, "presets": {}}
    for name in presets:
        preset = load_preset(name)
        stats = {
            "bars": 0,
            "kick_bars": 0,
            "empty_track_bars": 0,
            "pitched_notes": 0,
            "in_key": 0,
            "errors": 0,
            "seconds": 0.0,
        }
        done, k = 0, 0
        while done < per:
            n = min(chunk_bars, per - done)
            t0 = time.perf_counter()
            try:
                song = generate(preset, n, seed + k, engine, model_path=model)
            except JamBridgeError:
                stats["errors"] += n
            else:
                for key, v in check_song(song, preset.enabled_roles).items():
                    stats[key] += v
            stats["seconds"] += time.perf_counter() - t0
            done, k = done + n, k + 1
        stats["four_on_the_floor"] = round(stats["kick_bars"] / max(stats["bars"], 1), 4)
        stats["in_key_share"] = round(stats["in_key"] / max(stats["pitched_notes"], 1), 4)
        stats["ms_per_bar"] = round(1000 * stats["seconds"] / max(stats["bars"], 1), 1)
        stats["techno"] = preset.style in TECHNO_STYLES
        out["presets"][name] = stats
    p = out["presets"].values()
    techno = [s for s in p if s["techno"]]
    out["bars"] = sum(s["bars"] for s in p)
    out["decoded_share"] = round(out["bars"] / max(out["bars"] + sum(s["errors"] for s in p), 1), 4)
    out["four_on_the_floor_techno"] = round(
        sum(s["kick_bars"] for s in techno) / max(sum(s["bars"] for s in techno), 1), 4
    )
    out["empty_track_bars"] = sum(s["empty_track_bars"] for s in p)
    return out


def main(argv: list[str] | None = None) -> int:
    p = check_cli.parser("preset_check")
    p.add_argument("--bars", type=int, default=1000, help="bars in total across the presets")
    p.add_argument("--engine", choices=("model", "procedural"), default="model")
    p.add_argument("--chunk-bars", type=int, default=16, help="bars per generated song")
    return check_cli.run(p, argv, _check)


def _check(args: argparse.Namespace) -> dict:
    result = run(args.bars, args.engine, args.model, args.seed, args.chunk_bars)
    print(f"{'preset':<10} {'bars':>5} {'4otf':>6} {'empty':>5} {'in key':>7} {'ms/bar':>7}")
    for name, s in result["presets"].items():
        print(
            f"{name:<10} {s['bars']:>5} {s['four_on_the_floor']:>6} {s['empty_track_bars']:>5} "
            f"{s['in_key_share']:>7} {s['ms_per_bar']:>7}"
        )
    print(
        f"decoded {result['decoded_share']:.2%} of {result['bars']} bars; four-on-the-floor in "
        f"techno presets {result['four_on_the_floor_techno']:.2%}; empty track-bars "
        f"{result['empty_track_bars']}"
    )
    return result


if __name__ == "__main__":
    raise SystemExit(main())
