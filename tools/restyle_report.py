"""Print how re-styled songs keep their source's harmony and their style's surface: over N songs
(half from the chord progressions, half from POP909, styles cycling), the share of bars whose
chords sound exactly the source's pitch classes (per bar and per chord span), the share of bass
notes on the root under them, the kick four-on-the-floor rate and the 16th swing per style.

    python tools/restyle_report.py [--songs 200] [--data ../shared/data] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT, Song
from jambridge.procedural import STYLES
from jambridge.procedural.given import GivenHarmony, chord_at, span_end
from jambridge.procedural.restyle import Restyled, pop909_song, progression_song

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
KICK, CLOSED_HAT = 36, 42
TICKS_PER_BAR = GRID_PER_BEAT * BEATS_PER_BAR


def _by_bar(song: Song, role: str) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    track = song.track(role)
    for n in track.notes if track else ():
        out[int(n.start_beats // BEATS_PER_BAR)].append(n)
    return out


def _tick(beats: float) -> int:
    return round(beats * GRID_PER_BEAT) % TICKS_PER_BAR


def chord_match(song: Song, harmony: GivenHarmony) -> tuple[int, int, int, int]:
    """(bars matching, bars with chords, spans matching, spans with chords)."""
    bars = bars_ok = spans_n = spans_ok = 0
    for index, notes in _by_bar(song, "chords").items():
        spans = harmony.chords(index)
        want = frozenset().union(*(s.chord.pitch_classes for s in spans))
        bars += 1
        bars_ok += frozenset(n.pitch % 12 for n in notes) == want
        for i, span in enumerate(spans):
            part = [n for n in notes if span.tick <= _tick(n.start_beats) < span_end(spans, i)]
            spans_n += 1
            spans_ok += frozenset(n.pitch % 12 for n in part) == span.chord.pitch_classes
    return bars_ok, bars, spans_ok, spans_n


def bass_on_root(song: Song, harmony: GivenHarmony) -> tuple[int, int]:
    """(bass notes on the root of the bass span (or chord) under them, bass notes)."""
    ok = total = 0
    for index, notes in _by_bar(song, "bass").items():
        spans = harmony.bass_spans(index) or harmony.chords(index)
        for n in notes:
            total += 1
            ok += n.pitch % 12 == chord_at(spans, _tick(n.start_beats)).root
    return ok, total


def kick_bars(song: Song) -> tuple[int, int]:
    """(bars with a kick on all four beats, bars where the drums play)."""
    ok = total = 0
    for notes in _by_bar(song, "drums").values():
        kicks = {_tick(n.start_beats) for n in notes if n.pitch == KICK}
        total += 1
        ok += all(b * GRID_PER_BEAT in kicks for b in range(BEATS_PER_BAR))
    return ok, total


def swing_ratios(song: Song) -> list[float]:
    """The swing ratio of each closed hat on an off-16th (0.5 straight)."""
    out = []
    track = song.track("drums")
    for n in track.notes if track else ():
        sixteenths = round(n.start_beats * 4 - 0.3)  # swung notes are late
        if n.pitch == CLOSED_HAT and sixteenths % 2:
            out.append((0.25 + n.start_beats - sixteenths / 4) / 0.5)
    return out


def distinct_velocities(song: Song) -> tuple[int, int]:
    """(distinct closed-hat velocities, distinct bass velocities) of the song."""
    drums, bass = song.track("drums"), song.track("bass")
    hats = {n.velocity for n in drums.notes if n.pitch == CLOSED_HAT} if drums else set()
    return len(hats), len({n.velocity for n in bass.notes} if bass else set())


def songs(count: int, data: Path) -> list[tuple[str, Restyled]]:
    """``count`` re-styled songs: even ones from the progressions, odd ones from POP909."""
    progressions = str(data / "chords" / "progressions.json")
    folders = sorted(d for d in (data / "pop909").iterdir() if (d / "chord_midi.txt").is_file())
    out = []
    for i in range(count):
        style = STYLES[i % len(STYLES)]
        if i % 2 == 0:
            out.append((style, progression_song(progressions, (i // 2 * 7) % 190, style, i)))
        else:
            out.append((style, pop909_song(folders[(i // 2 * 9) % len(folders)], style, i)))
    return out


def report(count: int, data: Path) -> dict:
    per_style: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    totals = defaultdict(int)
    for style, r in songs(count, data):
        s = per_style[style]
        for name, value in zip(
            ("bars_ok", "bars", "spans_ok", "spans"), chord_match(r.song, r.harmony)
        ):
            totals[name] += value
        root_ok, root_n = bass_on_root(r.song, r.harmony)
        totals["root_ok"] += root_ok
        totals["root_n"] += root_n
        s["kick"].append(kick_bars(r.song))
        s["swing"] += swing_ratios(r.song)
        s["velocities"].append(distinct_velocities(r.song))
    styles = {}
    for style in STYLES:
        s = per_style[style]
        ok, n = sum(k[0] for k in s["kick"]), sum(k[1] for k in s["kick"])
        swing = s["swing"]
        styles[style] = {
            "songs": len(s["kick"]),
            "kick_4otf": round(ok / n, 4) if n else None,
            "swing_mean": round(statistics.fmean(swing), 4) if swing else None,
            "swing_median": round(statistics.median(swing), 4) if swing else None,
            "off16_hats": len(swing),
            "hat_velocities": statistics.median(v[0] for v in s["velocities"]),
            "bass_velocities": statistics.median(v[1] for v in s["velocities"]),
        }
    return {
        "songs": count,
        "chord_bars_matching": round(totals["bars_ok"] / totals["bars"], 4),
        "chord_bars": totals["bars"],
        "chord_spans_matching": round(totals["spans_ok"] / totals["spans"], 4),
        "bass_on_root": round(totals["root_ok"] / totals["root_n"], 4),
        "per_style": styles,
    }


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--songs", type=int, default=200)
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    r = report(args.songs, args.data)
    print(
        f"{r['songs']} re-styled songs: chords match the source in {r['chord_bars_matching']:.1%}"
        f" of {r['chord_bars']} bars ({r['chord_spans_matching']:.1%} of chord spans); "
        f"bass notes on the root under them {r['bass_on_root']:.1%}"
    )
    print(
        f"{'style':<8} {'songs':>5} {'kick 4otf':>9} {'swing mean':>10} {'median':>7} "
        f"{'hats':>6}  distinct velocities per song (median): hats, bass"
    )
    for style, s in r["per_style"].items():
        print(
            f"{style:<8} {s['songs']:>5} {s['kick_4otf']:>9.1%} {s['swing_mean']:>10.3f} "
            f"{s['swing_median']:>7.3f} {s['off16_hats']:>6}  "
            f"{s['hat_velocities']:g}, {s['bass_velocities']:g}"
        )
    if args.json:
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
