"""What the tokenizer measures beside the notes: the per-bar controls.

A pure function of the config and a track-bar's quantized notes, shared by encoding (the control
tokens a bar is written with), the engine (the controls a producer sets, and the guide that
enforces them) and evaluation (whether generated bars obey them).
"""

from __future__ import annotations

import bisect

from jambridge.tokenizer.config import TokenizerConfig
from jambridge.tokenizer.quantize import QNote


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
