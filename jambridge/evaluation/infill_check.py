"""Is infill better than left to right? ``python -m jambridge.evaluation.infill_check``.

On held-out real songs (windows of 6 bars), bars 3-4 of one role are the target. The model's
NLL of the target notes is measured two ways on the same notes: as a fill (the bars after the
target are context too) and left to right (the target role last in its bars, only what came
before as context). Then the model infills the slots by sampling, and the filled bars are
checked against their neighbours: pitched notes in the window's key, kicks on the neighbours'
kick ticks. ``--json`` prints one JSON object last.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from jambridge.evaluation import check_cli
from jambridge.music import GRID_PER_BEAT, ROLES, Song

WINDOW, TARGET = 6, (2, 3)  # bars per window; the target bars (0-based) inside it


def _window(song: Song, rng: np.random.Generator) -> Song | None:
    bars = song.bars()
    if len(bars) < WINDOW:
        return None
    first = int(rng.integers(0, len(bars) - WINDOW + 1))
    return Song.from_bars(bars[first : first + WINDOW], tracks=song.tracks,
                          tempo_bpm=song.tempo_bpm, key=song.key, style=song.style)  # fmt: skip


def _nll(logits: np.ndarray, ids: np.ndarray, positions: list[int]) -> float:
    x = logits.astype(np.float64)
    x -= x.max(axis=1, keepdims=True)
    logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    return float(-sum(logp[p - 1, ids[p]] for p in positions))


def fill_vs_l2r(session, tok, song: Song, role: str) -> tuple[float, float, int]:
    """(fill NLL, left-to-right NLL, notes) of ``role`` in the target bars of ``song``."""
    from jambridge.evaluation.nll import forward_logits

    slots = {(b, role) for b in TARGET}
    fill = np.array(tok.encode_fill(song, slots, controls={}), dtype=np.int64)
    start, end = tok.vocab.id("fill", "FILL_START"), tok.vocab.id("fill", "FILL_END")
    first = int(np.flatnonzero(fill == start)[0])
    fill_pos = [i for i in range(first, len(fill) - 1) if fill[i] != start]  # EOS is forced
    header = tok.header_for(song)
    ids, l2r_pos, previous = tok.encode_header(header), [], None
    for i, bar in enumerate(song.bars()):
        order = [r for r in header.enabled if r != role] + [role]
        bar_ids = tok.encode_bar(bar, header.enabled, order, previous, controls={})
        if i in TARGET:  # the role's notes and the token that closes them
            at = len(ids) + bar_ids.index(tok.vocab.id("track", role)) + 1
            l2r_pos += list(range(at, len(ids) + len(bar_ids) + 1))
        ids += bar_ids
        previous = bar
    ids.append(tok.eos_id)
    l2r = np.array(ids, dtype=np.int64)
    notes = sum(len(song.bars()[b].track(role).notes) for b in TARGET)
    assert fill[-2] == end
    return (_nll(forward_logits(session, fill), fill, fill_pos),
            _nll(forward_logits(session, l2r), l2r, l2r_pos), notes)  # fmt: skip


def neighbours(song: Song, filled: Song, role: str) -> dict:
    """Key share of the filled pitched notes (and of the neighbours'), kick-tick agreement."""
    from jambridge.keyfinder import estimate_key

    bars = filled.bars()
    out: dict = {}
    if role != "drums":
        key = song.key or estimate_key(song)
        if key is not None:
            pcs = key.pitch_classes
            got = [n.pitch % 12 in pcs for b in TARGET for n in bars[b].track(role).notes]
            ref = [n.pitch % 12 in pcs for b in range(WINDOW) if b not in TARGET
                   for n in (song.bars()[b].track(role).notes if song.bars()[b].track(role)
                             else ())]  # fmt: skip
            out.update(in_key=got, neighbour_in_key=ref)
    else:

        def kick_ticks(bar):
            t = bar.track("drums")
            return {round(n.start_beats * GRID_PER_BEAT) for n in (t.notes if t else ())
                    if n.pitch in (35, 36)}  # fmt: skip

        grid = kick_ticks(bars[TARGET[0] - 1]) | kick_ticks(bars[TARGET[-1] + 1])
        got = [t in grid for b in TARGET for t in kick_ticks(bars[b])]
        out.update(kick_on_grid=got, neighbour_kicks=bool(grid))
    return out


def run(model_path: str | None, sets: list[tuple[str, str, float]], seed: int) -> dict:
    from jambridge.engine.generator import BarGenerator, SamplingSettings
    from jambridge.engine.infill import infill
    from jambridge.engine.offline import open_model
    from jambridge.evaluation.note_nll import held_out_songs

    session = open_model(model_path)
    gen = BarGenerator(session, seed=seed)
    tok = gen.tok
    rng = np.random.default_rng(seed)
    nll, notes = Counter(), Counter()
    checks: dict[str, list] = {"in_key": [], "neighbour_in_key": [], "kick_on_grid": []}
    for name, folder, frac in sets:
        for item in held_out_songs(name, folder, frac):
            window = _window(tok.quantize_song(item.song), rng)
            if window is None:
                continue
            roles = [r for r in ROLES if window.track(r) and
                     all(window.bars()[b].track(r) and window.bars()[b].track(r).notes
                         for b in TARGET)]  # fmt: skip
            for role in roles:
                f, l, n = fill_vs_l2r(session, tok, window, role)
                nll[f"{name}/fill"] += f
                nll[f"{name}/l2r"] += l
                notes[name] += n
                filled = infill(gen, window, {(b, role) for b in TARGET}, SamplingSettings())
                for k, v in neighbours(window, filled, role).items():
                    if isinstance(v, list):
                        checks[k] += v
    per_note = {k: round(v / notes[k.split("/")[0]], 4) for k, v in nll.items()}
    share = {k: round(float(np.mean(v)), 4) if v else None for k, v in checks.items()}
    return {"nats_per_note": per_note, "notes": dict(notes), "seam": share}


def main(argv=None) -> int:
    p = check_cli.parser("infill_check")
    p.add_argument("--held-out", action="append", default=[], metavar="NAME=DIR:FRACTION",
                   help="held-out songs (the data builder's validation rule)")  # fmt: skip
    return check_cli.run(p, argv, _check)


def _check(args: argparse.Namespace) -> dict:
    from jambridge.commands.eval import _held_out

    sets = [_held_out(t) for t in args.held_out] or [("pop909", "../shared/data/pop909", 0.05)]
    out = run(args.model, sets, args.seed)
    for k, v in sorted(out["nats_per_note"].items()):
        print(f"{k:<16} {v:.3f} nats per note")
    print("infilled bars:", out["seam"])
    return out


if __name__ == "__main__":
    raise SystemExit(main())
