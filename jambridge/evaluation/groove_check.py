"""Does the model play with a human feel? ``python -m jambridge.evaluation.groove_check``.

Real: the held-out Groove files (the data builder's validation rule). Generated: for each, the
model is given the song's header (style ``groove``, its tempo and drum density) and its first two
bars as context, and writes the next bars of drums. Per drum class, the micro-timing offsets
(milliseconds from the 12-per-beat grid) and the velocities of real and generated hits are
compared by overlapping area (1 = the same distribution). Also reports the swing ratio of 16th
off-beats of presets that ask for swing, and of the straight ones, and whether swing is settable:
the swing asked for (every track's, :data:`SWING_STEPS`) against the swing measured in the hats
of a preset's song, per engine (``--swing-only`` prints just that).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import replace

import numpy as np

from jambridge.evaluation import check_cli
from jambridge.evaluation.metrics import DRUM_CLASSES, drum_class
from jambridge.evaluation.overlap import overlap_area
from jambridge.groove import grid_offset_beats
from jambridge.music import BEATS_PER_BAR, Song

MIN_HITS = 50  # classes with fewer hits on either side are reported but not judged
SWING_STEPS = (0.5, 0.58, 0.62, 0.667)  # straight, house, hard house, triplet shuffle


def hits(song: Song, bars: range | None = None) -> dict[str, tuple[list[float], list[int]]]:
    """Drum class -> (offsets in ms, velocities) of the song's drum hits (in ``bars``)."""
    out: dict[str, tuple[list[float], list[int]]] = defaultdict(lambda: ([], []))
    drums = song.track("drums")
    ms_per_beat = 60_000.0 / song.tempo_bpm
    for n in drums.notes if drums else ():
        if bars is not None and int(n.start_beats // BEATS_PER_BAR) not in bars:
            continue
        name = DRUM_CLASSES[drum_class(n.pitch)][0]
        out[name][0].append(grid_offset_beats(n.start_beats) * ms_per_beat)
        out[name][1].append(n.velocity)
    return out


def swing_ratio(song: Song) -> float:
    """Where the off-beat 16th hats sit inside their 8th: 0.5 straight, 0.67 triplet swing
    (mean over hats between 0.3 and 0.8 of the 8th; NaN without such hats)."""
    drums = song.track("drums")
    eighth = 0.5
    ratios = []
    for n in drums.notes if drums else ():
        if DRUM_CLASSES[drum_class(n.pitch)][0] not in ("closed hat", "open hat"):
            continue
        r = (n.start_beats % eighth) / eighth
        if 0.3 <= r <= 0.8:
            ratios.append(r)
    return float(np.mean(ratios)) if ratios else float("nan")


def generate_drums(model, song: Song, bars: int, seed: int) -> Song:
    """``bars`` bars of drums after the song's first two bars (context), groove header."""
    from jambridge.engine.generator import BarGenerator, SamplingSettings

    gen = BarGenerator(model, seed=seed)
    tok = gen.tok
    q = tok.quantize_song(song)
    full = tok.header_for(q, style="groove")
    drums_only = {r: (v if r == "drums" else None) for r, v in full.density.items()}
    header = replace(full, key=None, density=drums_only)
    gen.start(header, q.bars()[:2])
    out = [gen.next_bar(SamplingSettings(top_p=0.95)) for _ in range(bars)]
    return Song.from_bars(out, tempo_bpm=song.tempo_bpm, style="groove")


def run(model_path: str | None, folder: str, val_fraction: float, bars: int, seed: int) -> dict:
    from jambridge.engine.offline import open_model
    from jambridge.evaluation.note_nll import held_out_songs

    model = open_model(model_path)
    real = defaultdict(lambda: ([], []))
    gen = defaultdict(lambda: ([], []))
    songs = held_out_songs("groove", folder, val_fraction)
    for i, item in enumerate(songs):
        for name, (off, vel) in hits(item.song).items():
            real[name][0].extend(off)
            real[name][1].extend(vel)
        made = generate_drums(model, item.song, bars, seed + i)
        for name, (off, vel) in hits(made).items():
            gen[name][0].extend(off)
            gen[name][1].extend(vel)
    classes = {}
    for name, _ in DRUM_CLASSES:
        r, g = real.get(name), gen.get(name)
        if not r or not g:
            continue
        judged = min(len(r[0]), len(g[0])) >= MIN_HITS
        classes[name] = {
            "real_hits": len(r[0]), "generated_hits": len(g[0]), "judged": judged,
            "oa_timing": round(overlap_area(np.array(r[0]), np.array(g[0])), 3),
            "oa_velocity": round(overlap_area(np.array(r[1], float), np.array(g[1], float)), 3),
            "real_timing_sd_ms": round(float(np.std(r[0])), 2),
            "generated_timing_sd_ms": round(float(np.std(g[0])), 2),
        }  # fmt: skip
    return {"songs": len(songs), "bars_per_song": bars, "classes": classes}


def preset_swing(model_path: str | None, bars: int, seed: int) -> dict:
    """Swing ratio of each preset's generated hats (model), and whether the preset asks."""
    from jambridge.generation import generate
    from jambridge.preset import list_presets, load_preset

    out = {}
    for name in list_presets():
        song = generate(load_preset(name), bars=bars, seed=seed, engine="model",
                        model_path=model_path)  # fmt: skip
        out[name] = round(swing_ratio(song), 3)
    return out


def settable_swing(
    preset_name: str, engine: str, model_path: str | None, bars: int, seed: int
) -> dict[str, float]:
    """Swing asked for (every track of ``preset_name``, each of :data:`SWING_STEPS`) -> the
    swing ratio measured in the ``bars``-bar song ``engine`` writes."""
    from jambridge.generation import generate
    from jambridge.music import ROLES
    from jambridge.preset import load_preset, with_overrides

    out = {}
    for swing in SWING_STEPS:
        preset = with_overrides(load_preset(preset_name), swing={r: swing for r in ROLES})
        song = generate(preset, bars=bars, seed=seed, engine=engine, model_path=model_path)
        out[f"{swing:g}"] = round(swing_ratio(song), 4)
    return out


def main(argv=None) -> int:
    p = check_cli.parser("groove_check")
    p.add_argument("--groove", default="../shared/data/groove", help="Groove MIDI folder")
    p.add_argument("--val-fraction", type=float, default=0.05)
    p.add_argument("--bars", type=int, default=8, help="generated bars per held-out song")
    p.add_argument("--swing-preset", default="techno", help="preset of the settable-swing check")
    p.add_argument("--swing-only", action="store_true", help="only the settable-swing check")
    return check_cli.run(p, argv, _check)


def _check(args: argparse.Namespace) -> dict:
    settable = {
        engine: settable_swing(args.swing_preset, engine, args.model, 16, args.seed)
        for engine in ("model", "procedural")
    }
    for engine, measured in settable.items():
        pairs = ", ".join(f"{asked} -> {got:.3f}" for asked, got in measured.items())
        print(f"swing set -> measured ({args.swing_preset}, {engine}, 16 bars): {pairs}")
    if args.swing_only:
        return {"swing_settable": settable}
    out = run(args.model, args.groove, args.val_fraction, args.bars, args.seed)
    out["swing_settable"] = settable
    out["swing"] = preset_swing(args.model, 16, args.seed)
    for name, c in out["classes"].items():
        mark = "" if c["judged"] else "  (too few hits to judge)"
        print(f"{name:<11} timing OA {c['oa_timing']:.3f} (sd real {c['real_timing_sd_ms']} ms, "
              f"generated {c['generated_timing_sd_ms']} ms)  velocity OA {c['oa_velocity']:.3f}  "
              f"hits {c['real_hits']}/{c['generated_hits']}{mark}")  # fmt: skip
    print("swing ratio of 16th off-beat hats (0.5 straight):", out["swing"])
    return out


if __name__ == "__main__":
    raise SystemExit(main())
