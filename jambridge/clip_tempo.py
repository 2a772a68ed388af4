"""The tempo written into clips made from live playing: the DAW's own tempo when it was steady.

A tempo measured from MIDI clock is never exact: a DAW at 128 BPM reads as 127.862, and a DAW
that imports a clip's tempo would take that. :func:`clip_tempo` looks at the measurements made
while the clip played: when they stayed within :data:`STEADY_SPREAD_BPM` of each other and their
mean is within :data:`SNAP_WHOLE_BPM` of a whole BPM (or :data:`SNAP_HALF_BPM` of a half BPM),
the clip gets that tempo; otherwise (a tempo that moved, or one that is really 126.3) the mean
measured tempo, to a thousandth.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

STEADY_SPREAD_BPM = (
    0.6  # highest minus lowest measurement (10% trimmed at each end) of a steady clock
)
SNAP_WHOLE_BPM = 0.2  # a steady mean this close to a whole BPM is that BPM (127.862 -> 128)
SNAP_HALF_BPM = 0.1  # ... or this close to a half BPM (127.46 -> 127.5)
TRIM = 0.1  # share of measurements left out at each end when judging steadiness


def clip_tempo(measured: Iterable[float | None], fallback: float = 120.0) -> float:
    """The tempo to write into a clip, from the tempos measured while it played (None and
    non-finite values are skipped; none left: ``fallback``)."""
    values = sorted(v for v in measured if v is not None and math.isfinite(v) and v > 0)
    if not values:
        return fallback
    mean = sum(values) / len(values)
    cut = int(len(values) * TRIM)
    kept = values[cut : len(values) - cut] or values
    if kept[-1] - kept[0] > STEADY_SPREAD_BPM:
        return round(mean, 3)
    return snap_tempo(mean)


def snap_tempo(bpm: float) -> float:
    """``bpm`` on the nearest whole BPM or half BPM when it is that close; else to a thousandth."""
    whole = round(bpm)
    if abs(bpm - whole) <= SNAP_WHOLE_BPM:
        return float(whole)
    half = round(bpm * 2) / 2
    if abs(bpm - half) <= SNAP_HALF_BPM:
        return half
    return round(bpm, 3)
