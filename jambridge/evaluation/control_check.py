"""Do the controls work offline? ``python -m jambridge.evaluation.control_check``.

For each control kind (density, polyphony, duration, repetition) and each preset, every enabled
role is asked for a bin drawn at random from the bins that role plays in, bar by bar, and the
generated bar's own bin (measured by the tokenizer, as in training) is compared with the request.
The engine enforces density, poly and dur while sampling (jambridge.engine.guide); rep is the
model's alone. Also reports the density sweep: mean notes per bar per role at the lowest and the
highest density setting (the sliders' ends), and whether every role's ratio reaches 2x; and the
time per bar with controls set (wall clock, this machine, whatever else runs). For the
procedural engine (rules: only density applies), the same density sweep over every preset's
song as ``jambridge generate --engine procedural`` writes it. ``--engine`` picks the engines
(default both). Prints a table; ``--json`` prints one JSON object last.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from jambridge.evaluation import check_cli
from jambridge.music import ROLES
from jambridge.tokenizer.config import CONTROL_KINDS

# Bins asked for, per kind and role: the range real parts of that role live in.
ASK = {
    "density": {"drums": (3, 7), "bass": (1, 6), "chords": (1, 5), "lead": (1, 6)},
    "poly": {"drums": (0, 3), "bass": (0, 1), "chords": (0, 4), "lead": (0, 2)},
    "dur": {"bass": (0, 3), "chords": (1, 4), "lead": (0, 3)},
    "rep": {"drums": (0, 4), "bass": (0, 4), "chords": (0, 4), "lead": (0, 4)},
}


SWEEP_RATIO = 2.0  # the density sliders' ends must differ at least this much (notes per bar)


def _bars(gen, settings, n: int) -> list:
    return [gen.next_bar(settings) for _ in range(n)]


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2) if values else 0.0


def check_kind(kind: str, bars_per_preset: int, model, seed: int) -> dict:
    """Hit rate of ``kind`` over every preset (bars_per_preset bars each)."""
    from dataclasses import replace

    from jambridge.engine.generator import BarGenerator
    from jambridge.engine.offline import header_for, settings_for
    from jambridge.preset import list_presets, load_preset

    rng = np.random.default_rng(seed)
    hits, total = Counter(), Counter()
    bar_ms: list[float] = []
    for name in list_presets():
        preset = load_preset(name)
        gen = BarGenerator(model, seed=int(rng.integers(1 << 31)))
        tok = gen.tok
        gen.start(header_for(preset, preset.enabled_roles))
        base = settings_for(preset)
        previous = None
        for _ in range(bars_per_preset):
            ask = {r: {kind: int(rng.integers(lo, hi + 1))}
                   for r, (lo, hi) in ASK[kind].items() if r in preset.enabled_roles}  # fmt: skip
            controls = {r: dict(base.controls.get(r, {})) for r in preset.enabled_roles}
            for r, c in ask.items():
                controls[r].update(c)
            t0 = time.perf_counter()
            bar = gen.next_bar(replace(base, controls=controls))
            bar_ms.append(1000 * (time.perf_counter() - t0))
            for r, c in ask.items():
                track = bar.track(r)
                prev = previous.track(r).notes if previous is not None else None
                got = tok.controls(track.notes if track else (), r, prev)
                if kind in got:
                    total[r] += 1
                    hits[r] += got[kind] == c[kind]
            previous = bar
    rate = {r: round(hits[r] / total[r], 4) for r in total}
    return {"kind": kind, "bars": bars_per_preset * len(list_presets()),
            "hit_rate": round(sum(hits.values()) / max(sum(total.values()), 1), 4),
            "per_role": rate, "bar_ms_p50": _percentile(bar_ms, 50),
            "bar_ms_p95": _percentile(bar_ms, 95)}  # fmt: skip


def density_sweep(bars_per_preset: int, model, seed: int) -> dict:
    """Mean notes per bar per role at density 0 and 1 (every preset), and their ratio."""
    from jambridge.engine.generator import BarGenerator
    from jambridge.engine.offline import header_for, settings_for
    from jambridge.preset import list_presets, load_preset

    means = {}
    for level in (0.0, 1.0):
        notes, bars = Counter(), Counter()
        for name in list_presets():
            preset = load_preset(name)
            dens = {r: level for r in preset.enabled_roles}
            gen = BarGenerator(model, seed=seed)
            gen.start(header_for(preset, preset.enabled_roles, densities=dens))
            for bar in _bars(gen, settings_for(preset, densities=dens), bars_per_preset):
                for r in preset.enabled_roles:
                    t = bar.track(r)
                    notes[r] += len(t.notes) if t else 0
                    bars[r] += 1
        means[level] = {r: round(notes[r] / bars[r], 2) for r in bars}
    return _ratios(means)


def procedural_sweep(bars_per_preset: int, seed: int) -> dict:
    """The procedural engine's density sweep: mean notes per bar per role with every track at
    density 0 and 1, in each preset's song as ``generate --engine procedural`` writes it."""
    from jambridge.generation import generate
    from jambridge.preset import list_presets, load_preset

    means = {}
    for level in (0.0, 1.0):
        notes: Counter[str] = Counter()
        bars: Counter[str] = Counter()
        for name in list_presets():
            preset = load_preset(name)
            for r in preset.enabled_roles:
                preset = preset.with_track(r, density=level)
            for t in generate(preset, bars_per_preset, seed, engine="procedural").tracks:
                notes[t.role] += len(t.notes)
                bars[t.role] += bars_per_preset
        means[level] = {r: round(notes[r] / bars[r], 2) for r in ROLES if bars[r]}
    return _ratios(means)


def _ratios(means: dict) -> dict:
    """The sweep's result from mean notes per bar per role at density 0 and 1."""
    ratio = {r: round(means[1.0][r] / max(means[0.0][r], 1e-9), 2) for r in means[0.0]}
    return {"low": means[0.0], "high": means[1.0], "ratio": ratio,
            "every_role_2x": all(v >= SWEEP_RATIO for v in ratio.values())}  # fmt: skip


def _print_sweep(label: str, s: dict) -> None:
    print(
        f"{label}density sweep, notes per bar low -> high: "
        + ", ".join(f"{r} {s['low'][r]} -> {s['high'][r]} (x{s['ratio'][r]})" for r in s["low"])
        + f"; every role >= {SWEEP_RATIO:g}x: {'yes' if s['every_role_2x'] else 'no'}"
    )


def main(argv=None) -> int:
    p = check_cli.parser("control_check")
    p.add_argument("--bars", type=int, default=1000, help="bars per control kind, all presets")
    p.add_argument("--engine", action="append", choices=("model", "procedural"),
                   help="engine(s) to measure (default both)")  # fmt: skip
    return check_cli.run(p, argv, _check)


def _check(args: argparse.Namespace) -> dict:
    from jambridge.preset import list_presets

    engines = args.engine or ("model", "procedural")
    per = max(1, args.bars // len(list_presets()))
    t0 = time.perf_counter()
    out: dict = {}
    if "model" in engines:
        out.update(_check_model(args, per))
    if "procedural" in engines:
        out["procedural"] = {"density_sweep": procedural_sweep(per, args.seed)}
        _print_sweep("procedural: ", out["procedural"]["density_sweep"])
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def _check_model(args: argparse.Namespace, per: int) -> dict:
    """Every control kind's hit rate and the density sweep, with the model."""
    from jambridge.engine.offline import open_model

    model = open_model(args.model)
    out = {"kinds": {}, "density_sweep": density_sweep(per, model, args.seed)}
    for kind in CONTROL_KINDS:
        r = check_kind(kind, per, model, args.seed)
        out["kinds"][kind] = r
        print(
            f"{kind:<8} {r['hit_rate']:.1%} of bars in the requested bin ({r['bars']} bars) "
            f"per role {r['per_role']}; bar ms p50 {r['bar_ms_p50']} p95 {r['bar_ms_p95']}"
        )
    _print_sweep("", out["density_sweep"])
    return out


if __name__ == "__main__":
    raise SystemExit(main())
