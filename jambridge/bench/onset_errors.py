"""Onset errors of one timing run, seen from one recorder: notes against the ideal that the
recorded clock puts their tick at (:func:`local_errors`, :func:`clock_gain`), or against a
clock's known grid (:func:`grid_errors`). Used by :mod:`jambridge.bench.timing`. Not run on its
own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

TARGET_P50_MS = 0.5  # beyond the period quantum
TARGET_P99_MS = 2.0
ABSOLUTE_P50_MS = 0.05  # the server-frame view, absolute, without jitter
ABSOLUTE_P99_MS = 0.25
GRID_P99_MS = 1.0  # a clock scattering around a steady grid: notes against that grid
PATTERN_GRID_TICKS = 6  # every test-pattern onset is on a 16th
LOCAL_PULSES = 12  # the wall view's ideal: a line through this many pulses either side


@dataclass
class Stats:
    """Onset errors of one view of one run (ms; > 0 late)."""

    notes: int
    p50_ms: float  # of |error|
    p99_ms: float
    max_ms: float
    mean_ms: float
    p50_beyond_ms: float  # of max(0, |error| - period)
    p99_beyond_ms: float
    first_beat_max_ms: float  # the downbeat right after Start (not in the numbers above)
    clock_gain: float  # 0: the ideal is a line through the pulses; 1: each pulse (clock_gain())
    p99_beyond_line_ms: float  # p99 beyond the period against the plain line (the old yardstick)

    @classmethod
    def of(
        cls, errors: list[float], first: list[float], period_ms: float,
        line_errors: list[float], gain: float,
    ) -> Stats | None:  # fmt: skip
        if not errors:
            return None
        e = np.array(errors)
        a = np.abs(e)
        beyond = _beyond(errors, period_ms)
        r = lambda x: round(float(x), 3)  # noqa: E731
        return cls(
            notes=len(e),
            p50_ms=r(np.percentile(a, 50)),
            p99_ms=r(np.percentile(a, 99)),
            max_ms=r(a.max()),
            mean_ms=r(e.mean()),
            p50_beyond_ms=r(np.percentile(beyond, 50)),
            p99_beyond_ms=r(np.percentile(beyond, 99)),
            first_beat_max_ms=r(np.abs(first).max()) if first else 0.0,
            clock_gain=gain,
            p99_beyond_line_ms=r(np.percentile(_beyond(line_errors, period_ms), 99)),
        )

    def meets_targets(self) -> bool:
        return self.p50_beyond_ms <= TARGET_P50_MS and self.p99_beyond_ms <= TARGET_P99_MS

    def meets_absolute(self) -> bool:
        return self.p50_ms <= ABSOLUTE_P50_MS and self.p99_ms <= ABSOLUTE_P99_MS


def _beyond(errors: list[float], period_ms: float) -> np.ndarray:
    """How far each error reaches past the JACK period quantum (0 within it)."""
    return np.maximum(0.0, np.abs(np.array(errors)) - period_ms)


def started(events: list[tuple[float, tuple[int, ...]]]) -> list[tuple[float, tuple[int, ...]]]:
    """The events from the last Start (or Continue) to the Stop after it (empty when neither
    was recorded): a start that did not take was stopped and played again."""
    starts = [i for i, (_, m) in enumerate(events) if m in ((0xFA,), (0xFB,))]
    if not starts:
        return []
    start = starts[-1]
    stop = next((i for i, (_, m) in enumerate(events) if i > start and m == (0xFC,)), None)
    return events[start : stop or len(events)]


def is_on(m: tuple[int, ...]) -> bool:
    return len(m) == 3 and m[0] & 0xF0 == 0x90 and m[2] > 0


def frame_view(recorded, rate: int, period_ms: float) -> tuple[Stats | None, int]:
    events = started([(float(d.frame), d.msg) for d in recorded])
    pulses = sum(1 for _, m in events if m == (0xF8,))
    return local_errors(events, 1000.0 / rate, period_ms), pulses


def wall_view(heard: list, period_ms: float) -> Stats | None:
    return local_errors(started([(t, tuple(m)) for t, m in heard]), 1000.0, period_ms)


def grid_errors(events: list, clock: Any, rate: int, period_ms: float) -> Stats | None:
    """Each note (server frames) against a clock's ideal grid (``clock.grid_error(frame)``:
    its nearest grid pulse and the distance in frames), the first beat apart."""
    errors: list[float] = []
    first: list[float] = []
    for frame, m in events:
        if is_on(m):
            k, err = clock.grid_error(frame)
            (first if k < 24 else errors).append(err * 1000.0 / rate)
    return Stats.of(errors, first, period_ms, errors, 0.0)


def local_errors(events: list, to_ms: float, period_ms: float) -> Stats | None:
    """Each note against the clock-derived ideal of its tick (see :func:`clock_gain`): a line
    through the pulses recorded around it (+-LOCAL_PULSES), moved by the smoothed offsets of
    those pulses from it. Pulses are indexed by the gaps between them (a gap of two periods is
    a pulse JACK dropped on the way), not counted. A note is measured against its nearest
    pulse (every test-pattern onset is on one): errors beyond half a clock period would alias.
    Where the smoothing weights are all zero (a wandering clock whose pulse for that note was
    dropped) the line alone is the ideal."""
    pulses = distinct_pulses(np.array([t for t, m in events if m == (0xF8,)]))
    if len(pulses) < 2 * LOCAL_PULSES:
        return None
    gain = clock_gain(pulses)
    errors, line_errors, first = [], [], []
    for t, m in events:
        if not is_on(m):
            continue
        j = int(np.argmin(np.abs(pulses - t)))
        lo = max(0, j - LOCAL_PULSES)
        local = pulses[lo : j + LOCAL_PULSES + 1]
        gaps = np.diff(local)
        index = np.concatenate([[0.0], np.cumsum(np.maximum(1, np.round(gaps / np.median(gaps))))])
        slope, intercept = np.polyfit(index, local, 1)
        tick = index[j - lo]  # the note's pulse: the nearest one (a wandering clock strays)
        line = intercept + slope * tick
        weights = (1.0 - gain) ** np.abs(index - tick) if gain < 1.0 else (index == tick) * 1.0
        offset = 0.0
        if weights.sum() > 0:
            offset = float(np.dot(weights, local - (intercept + slope * index)) / weights.sum())
        if j < 24:
            first.append((t - line - offset) * to_ms)
        else:
            errors.append((t - line - offset) * to_ms)
            line_errors.append((t - line) * to_ms)
    return Stats.of(errors, first, period_ms, line_errors, gain)


def distinct_pulses(pulses: np.ndarray) -> np.ndarray:
    """``pulses`` without those closer than half a pulse to the one before: a pulse recorded
    twice (seen at JACK xruns: the same pulse on the same frame, three times in 1,043) would
    otherwise count as a pulse of its own and shift every later pulse's index."""
    if len(pulses) < 3:
        return pulses
    half = float(np.median(np.diff(pulses))) / 2
    keep = [0]
    for i in range(1, len(pulses)):
        if pulses[i] - pulses[keep[-1]] >= half:
            keep.append(i)
    return pulses[keep]


def clock_gain(pulses: np.ndarray, lags: int = 12) -> float:
    """How much of each pulse's offset is the clock's own position (1) rather than noise around
    a steady grid (0), from the recorded pulses.

    Pulses ``t_k = x_k + w_k``: a grid position ``x`` that may wander (each step the period
    plus an error of variance ``r``) seen through noise ``w`` (variance ``n``). The spread of
    ``t_(k+m) - t_k`` about ``m`` periods then grows as ``m * r + 2 * n``: flat for a DAW's
    clock through a driver (pulses scatter around a line), a straight rise through zero for
    ``jack_midi_clock -J`` (intervals independent: every error stays in every later pulse, so
    the pulses are the grid). A line through the spreads at lags 1..``lags`` gives ``r`` and
    ``n``; the ideal is the two-sided smoother of that model: offsets from the local line
    weighted ``(1 - K)^|distance|``, ``K`` the steady-state Kalman gain of ``q = r / n`` -- the
    line itself for a steady clock, the pulse itself for a wandering one."""
    gaps = np.diff(pulses)
    if len(gaps) < 4 * lags:
        return 0.0
    period = float(np.median(gaps))
    index = np.concatenate([[0], np.cumsum(np.maximum(1, np.round(gaps / period)))])
    rest = pulses - period * index  # lost pulses keep their place on the grid
    spreads = [np.var(rest[m:] - rest[:-m]) for m in range(1, lags + 1)]
    r, two_n = np.polyfit(np.arange(1, lags + 1), spreads, 1)
    r, n = max(0.0, float(r)), max(0.0, float(two_n) / 2)
    if r <= 0.0:
        return 0.0
    if n <= 0.0:
        return 1.0
    q = r / n
    p = (q + np.sqrt(q * q + 4.0 * q)) / 2.0
    return round(float(p / (p + 1.0)), 3)
