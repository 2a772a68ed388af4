"""What the tokenizer measures beside the notes: per-bar controls and the velocity levels.

Both are pure functions of the config and quantized notes, shared by encoding (the control
tokens a bar is written with), the engine (the controls a producer sets) and evaluation (whether
generated bars obey them).
"""

from __future__ import annotations

import bisect

from jambridge.tokenizer.config import TokenizerConfig

# (tick in bar, pitch or drum key, duration index, velocity level, shift steps)
QNote = tuple[int, int, int, int, int]


def control_values(
    c: TokenizerConfig, q: list[QNote], role: str, prev: list[QNote] | None
) -> dict[str, int]:
    """Control bins of one track-bar's quantized notes (see Tokenizer.controls)."""
    out = {"density": bisect.bisect_left(c.ctrl_density_edges, len(q))}
    if q:
        ends = [(t, 1) for t, *_ in q]
        if role == "drums":
            ends += [(t + 1, -1) for t, *_ in q]
        else:
            ends += [(t + c.durations_ticks[d], -1) for t, _, d, _, _ in q]
        sounding = most = 0
        for _, step in sorted(ends, key=lambda e: (e[0], e[1])):
            sounding += step
            most = max(most, sounding)
        out["poly"] = bisect.bisect_left(c.ctrl_poly_edges, most)
        if role != "drums":
            lengths = sorted(c.durations_ticks[d] for _, _, d, _, _ in q)
            out["dur"] = bisect.bisect_left(c.ctrl_dur_edges, lengths[len(lengths) // 2])
    if prev is not None:
        now, then = {(t, p) for t, p, *_ in q}, {(t, p) for t, p, *_ in prev}
        union = now | then
        share = len(now & then) / len(union) if union else 1.0
        out["rep"] = bisect.bisect_left(c.ctrl_rep_edges, share)
    return out


def velocity_tables(config: TokenizerConfig, mids: list[float]) -> tuple[list[int], list[int]]:
    """(level of every MIDI velocity 0..127, the velocity each level decodes to). A bucket's
    velocities (those nearest its value) are cut into ``velocity_steps`` equal levels, each
    decoding to its middle; with one step a level is the bucket and decodes to its value."""
    steps = config.velocity_steps
    bucket = [bisect.bisect_left(mids, v) for v in range(128)]
    level, value = [0] * 128, []
    for b, centre in enumerate(config.velocities):
        members = [v for v in range(1, 128) if bucket[v] == b] or [centre]
        lo, n = members[0], len(members)
        for v in range(128):
            if bucket[v] == b:
                level[v] = b * steps + min(max(v - lo, 0) * steps // n, steps - 1)
        if steps == 1:
            value.append(centre)
        else:
            value += [lo + (2 * f + 1) * n // (2 * steps) for f in range(steps)]
    return level, value
