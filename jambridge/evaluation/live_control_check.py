"""Do the live controls reach the music? ``python -m jambridge.evaluation.live_control_check``.

Drives the bar source the bridge's generator process runs (built from a
:class:`~jambridge.bridge.playback.bar_source.SourceSpec` and wrapped as there), one request a
bar made from the controls the lane's sliders and the CC map set, and measures:

- density: mean notes per bar per track with every track's density at 0 and at 1 (the sliders'
  ends), and their ratio (issue 12: at least 2x per track), for each engine asked;
- polyphony and duration (engines that obey them: the model): the share of track-bars in the bin
  the knob asks for, every bin in turn, measured by the tokenizer as in training;
- groove: the share of onsets on the 12-per-beat grid at groove 0 (every one, if it works) and 1,
  in a swung preset (:data:`GROOVE_PRESET`: at 1 its swing and the model's feel are off the grid).

Prints a table; ``--json`` prints one JSON object last.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable

from jambridge.evaluation import check_cli
from jambridge.music import GRID_PER_BEAT, ROLES, Bar

SWEEP_RATIO = 2.0  # the density sliders' ends must differ at least this much (notes per bar)
BIN_KINDS = ("poly", "dur")  # the knobs next to density (dur: pitched roles only)
GROOVE_PRESET = "deephouse"  # swung: groove 1 keeps onsets off the grid that groove 0 moves


def _stream(engine: str, preset: str, seed: int, model: str | None):
    """The source as the generator process builds it, and the preset's controls."""
    from jambridge.bridge.playback.bar_source import SourceSpec, build_source
    from jambridge.bridge.playback.riff_source import RiffJam
    from jambridge.bridge.session import controls_from_preset
    from jambridge.preset import load_preset

    spec = SourceSpec(engine=engine, preset=preset, seed=seed, model=model)
    return RiffJam(build_source(spec), seed), controls_from_preset(load_preset(preset), preset)


def _bars(engine: str, args, change: Callable, bars: int, preset: str | None = None) -> list[Bar]:
    """``bars`` bars with every track's controls changed by ``change(track)`` (a dict)."""
    from jambridge.bridge.playback.bar_source import BarRequest

    source, controls = _stream(engine, preset or args.preset, args.seed, args.model)
    for t in controls.tracks:
        controls = controls.with_track(t.role, **change(t))
    try:
        return [source.next_bar(BarRequest(controls)) for _ in range(bars)]
    finally:
        source.close()


def density_sweep(engine: str, args) -> dict:
    """Mean notes per bar per track at density 0 and 1, and their ratio."""
    means = {}
    for level in (0.0, 1.0):
        notes: Counter[str] = Counter()
        for bar in _bars(engine, args, lambda t, x=level: {"density": x}, args.bars):
            for t in bar.tracks:
                notes[t.role] += len(t.notes)
        means[level] = {r: round(notes[r] / args.bars, 2) for r in ROLES}
    ratio = {r: round(means[1.0][r] / max(means[0.0][r], 1e-9), 2) for r in ROLES}
    return {"low": means[0.0], "high": means[1.0], "ratio": ratio,
            "every_track_2x": all(v >= SWEEP_RATIO for v in ratio.values())}  # fmt: skip


def bin_hits(kind: str, args, tok) -> dict:
    """Per role, the share of bars whose track is in the ``kind`` bin asked for (each bin in
    turn, ``args.bars`` bars in all)."""
    from jambridge.bridge.controls import CONTROL_BINS

    hits: Counter[str] = Counter()
    total: Counter[str] = Counter()
    per_bin = max(1, args.bars // CONTROL_BINS[kind])
    for b in range(CONTROL_BINS[kind]):
        for bar in _bars("model", args, lambda t, b=b: {kind: b}, per_bin):
            for t in bar.tracks:
                got = tok.controls(t.notes, t.role)
                if kind in got:
                    total[t.role] += 1
                    hits[t.role] += got[kind] == b
    return {r: round(hits[r] / total[r], 3) for r in ROLES if total[r]}


def grid_share(engine: str, args) -> dict:
    """The share of onsets on the 12-per-beat grid at groove 0 and at groove 1."""
    out = {}
    for amount in (0.0, 1.0):
        on = count = 0
        change = lambda t, a=amount: {"groove": a}  # noqa: E731
        for bar in _bars(engine, args, change, max(1, args.bars // 4), GROOVE_PRESET):
            for t in bar.tracks:
                for n in t.notes:
                    count += 1
                    on += (
                        abs(n.start_beats * GRID_PER_BEAT - round(n.start_beats * GRID_PER_BEAT))
                        < 1e-6
                    )
        out[f"groove_{amount:g}"] = round(on / max(count, 1), 4)
    return out


def main(argv=None) -> int:
    p = check_cli.parser("live_control_check")
    p.add_argument("--bars", type=int, default=1000, help="bars per setting (default 1000)")
    p.add_argument("--preset", default="techno", help="preset (default techno)")
    p.add_argument("--engine", action="append", choices=("model", "procedural"),
                   help="engine(s) to measure (default both)")  # fmt: skip
    return check_cli.run(p, argv, _check)


def _check(args: argparse.Namespace) -> dict:
    out: dict = {"bars": args.bars, "preset": args.preset}
    for engine in args.engine or ("model", "procedural"):
        s = density_sweep(engine, args)
        row = {"density_sweep": s, "grid_share": grid_share(engine, args)}
        print(
            f"{engine}: density, notes per bar low -> high: "
            + ", ".join(f"{r} {s['low'][r]} -> {s['high'][r]} (x{s['ratio'][r]})" for r in ROLES)
            + f"; every track >= {SWEEP_RATIO:g}x: {'yes' if s['every_track_2x'] else 'no'}"
        )
        print(f"{engine}: onsets on the grid {row['grid_share']}")
        if engine == "model":
            from jambridge.engine.offline import open_model

            tok = open_model(args.model).tokenizer()
            row["bins"] = {kind: bin_hits(kind, args, tok) for kind in BIN_KINDS}
            for kind, rate in row["bins"].items():
                print(f"{engine}: {kind} knob, share of track-bars in the bin asked for: {rate}")
        out[engine] = row
    return out


if __name__ == "__main__":
    raise SystemExit(main())
