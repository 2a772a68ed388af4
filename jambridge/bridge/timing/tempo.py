"""Tempo model: a straight line through recent clock pulse arrival times.

Pulse ``i`` (counted since the model was made, whatever the transport does) arrived at ``t_i``;
the model is the least-squares line through the last ``steady_window`` pulses (the last
``window`` while they bend: a ramp), kept honest against
steps, stalls, gaps and a period wrong by far, with phase filters
(:mod:`~jambridge.bridge.timing.phase`) for a clock that wanders. The design and the reasons for
each rule: docs/clock-following.md.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from jambridge.bridge.timing.phase import PhaseFilters
from jambridge.bridge.timing.transport import TICKS_PER_BEAT


@dataclass(frozen=True, slots=True)
class TempoConfig:
    """How the tempo model trades smoothness against following."""

    window: int = 48  # pulses in the fit where they bend (a ramp): 2 beats, follows a ramp
    steady_window: int = 192  # ... and while they lie on a straight line: 8 beats, smoother
    bend_sigmas: float = 3.0  # they bend when the best parabola's curvature is this many
    # standard errors from 0 (a straight line's scatter is, in ~0.3% of windows: a normal tail)
    change_points: int = 6  # this many pulses in a row on one side of the line, and
    change_sigmas: float = 2.5  # ... their mean this many residual spreads from it: a change
    change_floor_s: float = 0.0004  # ... and beyond this distance, and 1.5 times every older one
    # (input quantized to a driver period beats against the pulse grid in a slow sawtooth
    # whose teeth look like small steps: no step is smaller than the teeth seen before)
    change_min_older: int = 24  # older pulses needed before steps are looked for
    gap_periods: float = 3.0  # a pulse later than this many periods starts a fresh window
    prior_weight: float = 5.0  # pull of the previous period on a fresh window (Sxx units)
    lock_pulses: int = 3  # pulses in the window before predictions are trusted
    burst_periods: float = 0.3  # a pulse this soon after the last one is a burst: not fitted
    outlier_periods: float = 0.5  # a re-indexed pulse this far off the line leaves the fit
    phase_gains: tuple[float, ...] = (0.0, 0.5, 1.0)  # phase filters; the first is the default
    phase_memory: float = 48.0  # pulses the filters' error averages reach back (2 beats)
    phase_margin: float = 0.6  # another filter takes over when its mean squared error is below
    # this fraction of the line's (one odd pulse on a clean clock must not hand it over) ...
    phase_release: float = 0.8  # ... and keeps it while below this fraction (no flicker)
    phase_clip: float = 3.0  # an error counts at most this many times the best filter's RMS
    # error (a tempo step is the line's large error for a few pulses, not news about the clock)
    phase_floor_s: float = 0.00005  # ... and at least this (a clean clock's errors are ~0)
    quantum_tol_s: float = 0.0002  # stamp intervals this close are one value (see _on_a_grid)
    relock_evenness: float = 0.35  # misfits this evenly spaced (fraction of the mean) re-lock
    relock_pulses: int = 8  # ... and this many re-lock at any spacing (see the docstring)
    # Periods the model measures: wider than the tempos played (transport.BPM_RANGE), so that a
    # clock out of that range is measured, and refused, rather than mistaken for another tempo.
    min_period_s: float = 60.0 / (TICKS_PER_BEAT * 2000.0)  # faster than 2,000 BPM: not a clock
    max_period_s: float = 60.0 / (TICKS_PER_BEAT * 0.5)  # slower than 0.5 BPM: not a clock


class TempoModel:
    """Fits pulse arrival times; predicts when pulse ``i`` (a float) comes."""

    def __init__(self, config: TempoConfig | None = None) -> None:
        self.config = config or TempoConfig()
        self._points: deque[tuple[int, float]] = deque(
            maxlen=max(self.config.window, self.config.steady_window)
        )
        self._next_index = 0
        self._prior_period: float | None = None
        self._slope: float | None = None
        self._mean_i = 0.0
        self._mean_t = 0.0
        self._phases = PhaseFilters(self.config)
        # What time_of/index_at read: (mean index, mean time + phase, slope) or None, made
        # once after every change.
        self._view: tuple[float, float, float] | None = None
        self._misfits: deque[tuple[int, float]] = deque(maxlen=self.config.relock_pulses)
        self.changes = 0  # tempo changes detected (window cut short)
        self._streak = 0  # pulses fitted since the window last began afresh (see measured_pulses)

    # -- feeding -------------------------------------------------------------------------------

    def add(self, t_s: float, skip: int = 0) -> int:
        """Record a pulse that arrived at ``t_s``, ``skip`` pulses after the expected one (they
        were lost on the way); return its index."""
        index = self._next_index + skip
        self._next_index = index + 1
        if self._points:
            last_i, last_t = self._points[-1]
            period = self._slope or self._prior_period
            limit = self.config.gap_periods * (index - last_i)
            too_late = period is not None and t_s - last_t > limit * period
            if too_late or t_s - last_t > self.config.max_period_s * limit:
                alone = len(self._points) == 1 and self._misfits  # the last gap left it alone
                if not alone:
                    self._misfits.clear()
                self._restart()
                if self._misfit(index, t_s):
                    return index
            elif period is not None and t_s - last_t < self.config.burst_periods * period:
                self._misfit(index, t_s)  # part of a burst after a stall: counted, not fitted
                return index
            else:
                self._misfits.clear()
        self._score_phases(index, t_s)
        self._points.append((index, t_s))
        self._streak += 1
        self._fit()
        keep_n = self._tempo_change()
        if not keep_n:
            self._follow_phase(index, t_s)
        else:
            # The line moved: a step in phase (a late driver cycle) or in tempo. Keep only the
            # pulses after the step, and the slope so far as the prior: a phase step is then
            # followed at once, a tempo step as the new pulses outweigh the prior.
            self.changes += 1
            keep, streak = list(self._points)[-keep_n:], self._streak
            self._restart()
            self._points.extend(keep)
            self._streak = streak  # the clock's period stays measured
            self._fit()
        self._publish()
        return index

    def _misfit(self, index: int, t_s: float) -> bool:
        """Pulse ``index`` stayed out of the fit (or started a window alone); re-lock on a run
        of such pulses that looks like a clock (see the module docstring). Returns whether it
        did."""
        run = self._misfits
        run.append((index, t_s))
        if len(run) < 3:
            return False
        (i0, t0), (i1, t1) = run[0], run[-1]
        mean = (t1 - t0) / (i1 - i0) if i1 > i0 else 0.0
        cfg = self.config
        if not cfg.min_period_s <= mean <= cfg.max_period_s:
            return False
        steps = [(tb - ta) / (ib - ia) for (ia, ta), (ib, tb) in zip(run, list(run)[1:]) if ib > ia]
        even = all(abs(s - mean) <= cfg.relock_evenness * mean for s in steps)
        if not even and len(run) < cfg.relock_pulses:
            return False
        self._restart()
        self._prior_period = mean
        self._points.extend(run)
        self._streak = len(run)
        run.clear()
        self._fit()
        self._publish()
        return True

    def reindex_last(self, delta: int) -> None:
        """Move the newest pulse's index by ``delta`` (a pulse taken for lost came late)."""
        if not self._points:
            return
        i, t = self._points.pop()
        self._next_index += delta
        self._phases.back_to_line()
        if self._points and self._slope is not None:
            self._fit()
            line = self._mean_t + self._slope * (i + delta - self._mean_i)
            if abs(t - line) > self.config.outlier_periods * self._slope:
                self._streak -= 1
                self._publish()
                return  # a late pulse: counted, kept out of the fit
        self._points.append((i + delta, t))
        self._fit()
        self._publish()

    def reset(self) -> None:
        """Forget every pulse, the prior and what the phase filters learnt (another clock)."""
        self._points.clear()
        self._misfits.clear()
        self._prior_period = None
        self._slope = None
        self._streak = 0
        self._phases.forget()
        self._publish()

    def restart_from_last(self) -> None:
        """Start a fresh window holding only the newest pulse; the period becomes the prior
        and stays measured (:attr:`measured_pulses` keeps its count)."""
        last = self.last_pulse
        if last is None or len(self._points) < 2:
            return
        streak = self._streak
        self._restart()
        self._points.append(last)
        self._streak = streak
        self._fit()
        self._publish()

    def _restart(self) -> None:
        if self._slope is not None:
            self._prior_period = self._slope
        self._points.clear()
        self._streak = 0
        self._slope = None
        self._phases.back_to_line()

    def _score_phases(self, index: int, t_s: float) -> None:
        """Before pulse ``index`` joins the fit: how far off was each filter's prediction?"""
        if self._slope is None or not self._points:
            return
        line = self._mean_t + self._slope * (index - self._mean_i)
        self._phases.score(t_s - line, self._on_a_grid)

    def _on_a_grid(self) -> bool | None:
        """A steady clock stamped on a driver's cycles (JACK stamps each message with its
        cycle's time): the intervals take two values, a whole number of cycles apart, and the
        stamps stay within one cycle of the line. They beat against the pulse grid in a slow
        sawtooth that the newest pulse predicts well -- but it is the stamps' error, not the
        clock's: the line is right. A wandering clock breaks out of the band within a window.
        None: too few intervals in the window to tell."""
        pts, tol, slope = self._points, self.config.quantum_tol_s, self._slope
        if slope is None:
            return None
        gaps = sorted(t2 - t1 for (i1, t1), (i2, t2) in zip(pts, list(pts)[1:]) if i2 - i1 == 1)
        if len(gaps) < 12:
            return None
        split = [k for k in range(1, len(gaps)) if gaps[k] - gaps[k - 1] > tol]
        if len(split) > 1:
            return False  # three or more values: not a steady clock on a grid
        lo, hi = (gaps[: split[0]], gaps[split[0] :]) if split else (gaps, gaps)
        if lo[-1] - lo[0] > tol or hi[-1] - hi[0] > tol:
            return False  # a spread of intervals (many, close together), not one or two values
        if not split:
            return True  # one value: a clean clock
        quantum = sum(hi) / len(hi) - sum(lo) / len(lo)
        off = [t - self._mean_t - slope * (i - self._mean_i) for i, t in pts]
        return max(off) - min(off) <= 1.5 * quantum + tol

    def _follow_phase(self, index: int, t_s: float) -> None:
        """Move each filter towards the newest pulse's offset from the refitted line."""
        if self._slope is None:
            return
        self._phases.follow(t_s - self._mean_t - self._slope * (index - self._mean_i))

    def _publish(self) -> None:
        if self._slope is None:
            self._view = None
        else:
            self._view = (self._mean_i, self._mean_t + self._phases.offset, self._slope)

    def _fit(self) -> None:
        prior = self._prior_period
        weight = self.config.prior_weight if prior is not None else 0.0
        points = self._points
        sums = _sums(points)
        if len(points) > self.config.window and _bends(points, sums, self.config.bend_sigmas):
            sums = _sums(list(points)[-self.config.window :])
        mean_i, mean_t, sxx, sxy = sums
        if sxx + weight <= 0.0:
            slope = None
        else:
            slope = (sxy + weight * (prior or 0.0)) / (sxx + weight)
            slope = min(max(slope, self.config.min_period_s), self.config.max_period_s)
        self._slope, self._mean_i, self._mean_t = slope, mean_i, mean_t

    def _tempo_change(self) -> int:
        """0, or how many of the newest pulses came after a tempo change: they all miss the
        line through the older ones on the same side (see the module docstring). Looks at the
        last ``window`` pulses: a step is judged against the recent line, whatever the fit."""
        k = self.config.change_points
        pts = list(self._points)[-self.config.window :]
        if len(pts) < k + self.config.change_min_older:
            return 0
        older, newest = pts[:-k], pts[-k:]
        mean_i, mean_t, sxx, sxy = _sums(older)
        slope = sxy / sxx
        spread = math.sqrt(
            sum((t - mean_t - slope * (i - mean_i)) ** 2 for i, t in older) / (len(older) - 2)
        )
        widest = max(abs(t - mean_t - slope * (i - mean_i)) for i, t in older)
        limit = max(self.config.change_sigmas * spread, 1.5 * widest, self.config.change_floor_s)
        res = [t - mean_t - slope * (i - mean_i) for i, t in newest]
        same_side = all(r > 0 for r in res) or all(r < 0 for r in res)
        if not (same_side and abs(sum(res)) / k > limit):
            return 0
        # The change happened where the misses start: keep the trailing run beyond the limit.
        run = 0
        for r in reversed(res):
            if abs(r) <= limit:
                break
            run += 1
        return max(run, 1)

    # -- reading -------------------------------------------------------------------------------

    @property
    def pulses(self) -> int:
        """Pulses in the current window."""
        return len(self._points)

    @property
    def measured_pulses(self) -> int:
        """Pulses the period is measured from: the window's, and those before it when a tempo
        change cut it short (a wandering clock looks like one now and then) or a Start began a
        new one (:meth:`restart_from_last`). A gap, a re-lock or a reset starts it again."""
        return self._streak

    @property
    def next_index(self) -> int:
        """The index the next pulse will get."""
        return self._next_index

    @property
    def last_pulse(self) -> tuple[int, float] | None:
        """(index, arrival time) of the newest pulse, or None."""
        return self._points[-1] if self._points else None

    @property
    def period_s(self) -> float | None:
        """Seconds per pulse, or None when unknown."""
        return self._slope if self._slope is not None else self._prior_period

    @property
    def phase_gain(self) -> float:
        """The gain of the phase filter predictions come from (0: the line itself)."""
        return self._phases.gain

    @property
    def follows_pulses(self) -> bool:
        """The clock wanders: its newest pulse predicts the next best (see the docstring)."""
        return self._phases.follows_pulses

    @property
    def bpm(self) -> float | None:
        """Beats per minute, or None when unknown."""
        period = self.period_s
        return None if period is None else 60.0 / (period * TICKS_PER_BEAT)

    @property
    def locked(self) -> bool:
        """Enough pulses in the window (or one pulse and a prior) to time notes from."""
        n = len(self._points)
        return self._slope is not None and (
            n >= self.config.lock_pulses or (n >= 1 and self._prior_period is not None)
        )

    def time_of(self, index: float) -> float | None:
        """When pulse ``index`` comes (or came) by the model; None before it has a slope."""
        view = self._view
        if view is None:
            return None
        mean_i, mean_t, slope = view
        return mean_t + slope * (index - mean_i)

    def index_at(self, t_s: float) -> float | None:
        """The (fractional) pulse index at time ``t_s``; None before the model has a slope."""
        view = self._view
        if view is None:
            return None
        mean_i, mean_t, slope = view
        return mean_i + (t_s - mean_t) / slope


def _bends(points, sums: tuple[float, float, float, float], sigmas: float) -> bool:
    """Whether ``points`` (index, time; ``sums``: their :func:`_sums`) bend away from a straight
    line: the parabola through them has a curvature more than ``sigmas`` standard errors from 0
    (a tempo ramp; a steady clock's scatter gives about 0)."""
    mean_i, mean_t, sxx, sxy = sums
    slope = sxy / sxx
    n = len(points)
    m2 = sxx / n  # the mean squared index offset: u = offset^2 - m2 is orthogonal to the line
    suu = sur = srr = 0.0
    for i, t in points:
        d = i - mean_i
        u = d * d - m2
        r = t - mean_t - slope * d
        suu += u * u
        sur += u * r
        srr += r * r
    if suu <= 0.0 or n <= 3:
        return False
    curve = sur / suu
    var = max(srr - curve * sur, 0.0) / (n - 3) / suu  # the curvature's variance
    return curve * curve > sigmas * sigmas * var


def _sums(points) -> tuple[float, float, float, float]:
    """(mean index, mean time, Sxx, Sxy) of (index, time) points, centred for precision."""
    n = len(points)
    mean_i = sum(i for i, _ in points) / n
    mean_t = sum(t for _, t in points) / n
    sxx = sxy = 0.0
    for i, t in points:
        di = i - mean_i
        sxx += di * di
        sxy += di * (t - mean_t)
    return mean_i, mean_t, sxx, sxy
