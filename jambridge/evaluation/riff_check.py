"""Do the riff modes do what they say? ``python -m jambridge.evaluation.riff_check [--json]``.

Riffs cut from real files (:mod:`jambridge.evaluation.riff_sets`: POP909 bass and melody bars
with their human timing, Groove drum bars), each played for ``--bars`` bars by the model
(techno preset in the riff's key, the shipped model unless ``--model``):

- keep (quantize 0 and 1, and 0 with the preset's scale lock off): the share of the riff's
  notes (pitch, onset tick) that recur in every bar pair after the riff (the worst pair per
  riff; target >= 95%) and the share of the other tracks' pitched notes in the riff's key
  (target >= 90%);
- develop, per kind and amount: rhythm similarity (onset F1 on the 16th grid) and
  pitch-class overlap of each developed bar with its riff bar, averaged; whether each falls
  (never rises) as the amount rises; and the share of return bars that play the riff exactly;
- drumify (pitched riffs): onset F1 between each bar's riff accents and its kick and snare
  (target >= 0.8) and the share of four-on-the-floor bars, off and on.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from jambridge.evaluation import check_cli
from jambridge.evaluation.metrics import four_on_the_floor
from jambridge.evaluation.riff_sets import NamedRiff, groove_riffs, pop909_riffs, role_track
from jambridge.music import GRID_PER_BEAT, ROLES, Key, Song
from jambridge.riff import KINDS, ModelBars, Riff, RiffSettings, riff_song
from jambridge.riff.accents import accents
from jambridge.riff.drums import KICK, locked_notes
from jambridge.riff.similarity import (
    in_key_share,
    onset_f1,
    onset_slots,
    pitch_class_overlap,
    recurrence,
)

AMOUNTS = (0.0, 0.25, 0.5, 0.75, 1.0)
A_MINOR = Key(9, "minor")  # the preset's key, for a drum riff with none of its own
Progress = Callable[[str], None]


def play(
    riff: Riff, settings: RiffSettings, bars: int, seed: int, model: str | None,
    scale_lock: bool = True,
) -> Song:  # fmt: skip
    """``bars`` bars of ``riff`` with the model: the techno preset in the riff's key (A minor
    for drums alone) at the riff's tempo (within 60..200 BPM), its scale lock as given."""
    from jambridge.preset import load_preset

    preset = load_preset("techno")
    tempo = min(max(riff.tempo_bpm or preset.bpm, 60.0), 200.0)
    preset = replace(preset, key=riff.key or preset.key, bpm=tempo, scale_lock=scale_lock)
    source = ModelBars.open(preset, ROLES, seed, model)
    return riff_song(source, riff, settings, bars, seed, preset.key)


def keep_scores(
    riffs: Sequence[NamedRiff], bars: int, seed: int, model, quantize: float, scale_lock: bool
) -> dict:
    """Keep mode: recurrence per bar pair after the riff, other tracks in the key."""
    worst, in_key, total, rows = [], 0, 0, []
    for k, named in enumerate(riffs):
        riff = named.riff.quantized(quantize)
        settings = RiffSettings(quantize=quantize)
        song = play(named.riff, settings, bars, seed + k, model, scale_lock)
        out = song.bars()
        shares = []
        for j in range(riff.length_bars, bars - 1, 2):
            found = want = 0
            for i in (j, j + 1):
                for role in riff.roles:
                    riff_track = role_track(riff.bar(i), role)
                    f, w = recurrence(riff_track.notes, role_track(out[i], role).notes)
                    found, want = found + f, want + w
            shares.append(found / max(want, 1))
        others = [n for t in song.tracks if t.role not in riff.roles and t.role != "drums"
                  for n in t.notes]  # fmt: skip
        f, w = in_key_share(others, song.key or A_MINOR)
        in_key, total = in_key + f, total + w
        worst.append(min(shares, default=1.0))
        rows.append((named.name, round(worst[-1], 3), round(f / max(w, 1), 3)))
    return {
        "riffs": len(riffs),
        "quantize": quantize,
        "scale_lock": scale_lock,
        "recurrence_worst_pair": round(min(worst, default=1.0), 3),
        "recurrence_mean_of_worst": round(sum(worst) / max(len(worst), 1), 3),
        "riffs_at_least_95": round(sum(w >= 0.95 for w in worst) / max(len(worst), 1), 3),
        "other_tracks_in_key": round(in_key / max(total, 1), 3),
        "per_riff": rows,
    }


def develop_scores(
    riffs: Sequence[NamedRiff], bars: int, seed: int, model, ret: int, progress: Progress
) -> dict:
    """Develop mode per kind and amount: rhythm F1 and pitch-class overlap of the developed
    bars with their riff bars, and the share of return bars played exactly."""
    out: dict = {}
    for kind in KINDS:
        table = []
        for amount in AMOUNTS:
            progress(f"develop {kind} {amount}")
            settings = RiffSettings("develop", amount, kind, ret)
            f1s, overlaps, exact, returns = [], [], 0, 0
            for k, named in enumerate(riffs):
                song = play(named.riff, settings, bars, seed + k, model)
                for i, bar in enumerate(song.bars()):
                    plan = settings.plan(i, named.riff.length_bars)
                    riff_bar = named.riff.bar(plan.riff_bar)
                    for role in named.riff.roles:
                        a, b = role_track(riff_bar, role), role_track(bar, role)
                        if plan.how == "develop":
                            f1s.append(onset_f1(onset_slots(a.notes), onset_slots(b.notes)))
                            overlaps.append(pitch_class_overlap(a, b))
                        else:
                            returns += 1
                            exact += a.notes == b.notes
            table.append({
                "amount": amount,
                "rhythm_f1": round(sum(f1s) / max(len(f1s), 1), 3),
                "pitch_class_overlap": round(sum(overlaps) / max(len(overlaps), 1), 3),
                "returns_exact": round(exact / max(returns, 1), 3),
            })  # fmt: skip
        out[kind] = {"table": table, **_monotone(table)}
    return out


def _monotone(table: list[dict]) -> dict:
    """Whether rhythm F1 and pitch-class overlap never rise with the amount (and fall from
    the first amount to the last)."""
    out = {}
    for name in ("rhythm_f1", "pitch_class_overlap"):
        v = [row[name] for row in table]
        out[f"{name}_never_rises"] = all(b <= a for a, b in zip(v, v[1:]))
        out[f"{name}_falls"] = v[-1] < v[0]
    return out


def drumify_scores(
    riffs: Sequence[NamedRiff], bars: int, seed: int, model, four: bool = False
) -> dict:
    """Drumify: F1 between each bar's riff accents and its kicks and snares (16th slots);
    four-on-the-floor bars."""
    f1s, fours, per_riff = [], 0, []
    for k, named in enumerate(riffs):
        settings = RiffSettings(drumify=True, four_on_the_floor=four)
        song = play(named.riff, settings, bars, seed + k, model)
        mine = []
        for bar in song.bars():
            riff_notes = role_track(bar, named.riff.role).notes
            drums = role_track(bar, "drums")
            mine.append(onset_f1(accents(riff_notes), onset_slots(locked_notes(drums))))
            kicks = [round(n.start_beats * GRID_PER_BEAT) for n in drums.notes if n.pitch == KICK]
            fours += four_on_the_floor(np.array(kicks, dtype=np.int64))
        f1s += mine
        per_riff.append((named.name, round(sum(mine) / len(mine), 3)))
    n = max(len(f1s), 1)
    return {
        "riffs": len(riffs),
        "four_on_the_floor_asked": four,
        "accent_f1_mean": round(sum(f1s) / n, 3),
        "accent_f1_min_bar": round(min(f1s, default=0.0), 3),
        "bars_at_least_0_8": round(sum(f >= 0.8 for f in f1s) / n, 3),
        "riffs_mean_at_least_0_8": round(
            sum(f >= 0.8 for _, f in per_riff) / max(len(per_riff), 1), 3
        ),
        "four_on_the_floor_bars": round(fours / n, 3),
        "per_riff": per_riff,
    }


def run(data: Path, count: int, drum_count: int, bars: int, seed: int, model: str | None,
        ret: int, progress: Progress = lambda _: None) -> dict:  # fmt: skip
    """Every table (see the module docstring): ``count`` riffs per set and role (develop:
    a third of them), drumify over ``drum_count`` bass and ``drum_count`` lead riffs."""
    pop = data / "pop909"
    bass, lead = pop909_riffs(pop, "bass", count), pop909_riffs(pop, "lead", count)
    drums = groove_riffs(data / "groove", count)
    pitched = bass + lead
    many = pop909_riffs(pop, "bass", drum_count) + pop909_riffs(pop, "lead", drum_count)
    progress(f"riffs: {len(bass)} bass, {len(lead)} lead, {len(drums)} drums")
    out: dict = {"bars": bars, "seed": seed, "keep": {}}
    for q, lock in ((0.0, True), (1.0, True), (0.0, False)):
        progress(f"keep, quantize {q:g}, scale lock {'on' if lock else 'off'}")
        label = f"quantize_{q:g}" + ("" if lock else "_scale_lock_off")
        out["keep"][label] = keep_scores(pitched + drums, bars, seed, model, q, lock)
    few = bass[: max(1, count // 3)] + lead[: max(1, count // 3)] + drums[: max(1, count // 4)]
    out["develop"] = develop_scores(few, bars, seed, model, ret, progress)
    progress("drumify")
    out["drumify"] = drumify_scores(many, bars, seed, model)
    out["drumify_four_on_the_floor"] = drumify_scores(pitched, bars, seed, model, four=True)
    return out


def print_tables(out: dict) -> None:
    """The numbers as a few readable lines and tables."""
    for label, k in out["keep"].items():
        print(
            f"keep ({label.replace('_', ' ')}): {k['riffs']} riffs; riff notes recurring in "
            f"the worst bar pair {k['recurrence_worst_pair']:.1%} (mean over riffs "
            f"{k['recurrence_mean_of_worst']:.1%}, riffs >= 95%: {k['riffs_at_least_95']:.0%});"
            f" other tracks' pitched notes in key {k['other_tracks_in_key']:.1%}"
        )
    for kind, d in out["develop"].items():
        print(f"develop {kind}: amount  rhythm F1  pc overlap  returns exact")
        for row in d["table"]:
            print(f"{'':>{9 + len(kind)}}{row['amount']:.2f}   {row['rhythm_f1']:.3f}      "
                  f"{row['pitch_class_overlap']:.3f}       {row['returns_exact']:.0%}")  # fmt: skip
        print(f"{'':>{9 + len(kind)}}never rises: rhythm {d['rhythm_f1_never_rises']}, "
              f"pc {d['pitch_class_overlap_never_rises']}")  # fmt: skip
    for label in ("drumify", "drumify_four_on_the_floor"):
        d = out[label]
        print(
            f"{label.replace('_', ' ')}: {d['riffs']} riffs; accent vs kick+snare F1 mean "
            f"{d['accent_f1_mean']:.3f}, worst bar {d['accent_f1_min_bar']:.3f}, bars >= 0.8 "
            f"{d['bars_at_least_0_8']:.0%}, riffs >= 0.8 {d['riffs_mean_at_least_0_8']:.0%}; "
            f"four-on-the-floor bars {d['four_on_the_floor_bars']:.0%}"
        )


def main(argv=None) -> int:
    p = check_cli.parser("riff_check")
    p.add_argument("--data", default="../shared/data", help="folder with pop909/ and groove/")
    p.add_argument("--riffs", type=int, default=12, help="riffs per set and role (default 12)")
    p.add_argument(
        "--drumify-riffs",
        type=int,
        default=30,
        help="drumify: bass riffs and as many lead riffs (default 30)",
    )
    p.add_argument("--bars", type=int, default=8, help="bars per song (default 8)")
    p.add_argument("--riff-return", type=int, default=4, help="develop's return period")
    return check_cli.run(p, argv, _check)


def _check(args: argparse.Namespace) -> dict:
    out = run(Path(args.data), args.riffs, args.drumify_riffs, args.bars, args.seed,
              args.model, args.riff_return, progress=lambda m: print(m, flush=True))  # fmt: skip
    print_tables(out)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
