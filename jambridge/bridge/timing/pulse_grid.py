"""The master clock's pulse grid: when each MIDI clock pulse goes out, with tempo ramps.

Pulse ``i`` goes out at :meth:`PulseGrid.time_of` ``(i)``. A tempo change does not jump: from
the next pulse on, each pulse interval moves a step towards the new tempo's, reaching it after
``ramp_pulses`` pulses (24: one beat). A follower that fits a line through the pulses (as DAWs
and our own clock follower do) then sees a tempo that glides instead of a step it would first
read as jitter. Indices may be fractional (a song tick between two pulses).
"""

from __future__ import annotations

from dataclasses import dataclass

RAMP_PULSES = 24  # a tempo change is spread over one beat of pulses


@dataclass(frozen=True, slots=True)
class _Ramp:
    """From pulse ``start`` (at ``t``), intervals go linearly from ``p_from`` to ``p_to`` over
    ``n`` pulses: the k-th interval after ``start`` is ``p_from + (p_to - p_from) * k / n``."""

    start: float
    t: float
    p_from: float
    p_to: float
    n: int

    def offset(self, m: float) -> float:
        """Seconds from pulse ``start`` to pulse ``start + m`` (m >= 0)."""
        n, step = self.n, self.p_to - self.p_from
        if m <= n:
            return m * self.p_from + step * m * (m + 1) / (2 * n)
        return n * self.p_from + step * (n + 1) / 2 + (m - n) * self.p_to

    @property
    def end_t(self) -> float:
        return self.t + self.offset(self.n)


class PulseGrid:
    """Pulse times from an anchor, a period, and at most one ramp (see the module docstring)."""

    def __init__(self, period_s: float, ramp_pulses: int = RAMP_PULSES) -> None:
        self.ramp_pulses = ramp_pulses
        self._ramp = _Ramp(0.0, 0.0, period_s, period_s, 1)

    def anchor(self, index: float, t: float) -> None:
        """Pulse ``index`` goes out at ``t``; the current tempo, no ramp."""
        p = self.period_after(index)
        self._ramp = _Ramp(index, t, p, p, 1)

    def time_of(self, index: float) -> float:
        r = self._ramp
        m = index - r.start
        if m >= 0:
            return r.t + r.offset(m)
        return r.t + m * r.p_from  # before the ramp: the tempo it started from

    def index_at(self, t: float) -> float:
        """The (fractional) pulse index at time ``t``: the inverse of :meth:`time_of`."""
        r = self._ramp
        if t <= r.t:
            return r.start + (t - r.t) / r.p_from
        if t >= r.end_t:
            return r.start + r.n + (t - r.end_t) / r.p_to
        lo, hi = 0.0, float(r.n)
        for _ in range(48):  # inside the ramp: bisect (monotone; rarely asked)
            mid = (lo + hi) / 2
            if r.t + r.offset(mid) < t:
                lo = mid
            else:
                hi = mid
        return r.start + (lo + hi) / 2

    def period_after(self, index: float) -> float:
        """The interval from pulse ``index`` to the next."""
        r = self._ramp
        m = index - r.start
        if m < 0:
            return r.p_from
        if m >= r.n:
            return r.p_to
        return r.p_from + (r.p_to - r.p_from) * (int(m) + 1) / r.n

    def ramp_to(self, index: int, period_s: float) -> None:
        """From pulse ``index`` on, move to ``period_s`` over :attr:`ramp_pulses` pulses."""
        t = self.time_of(index)
        p = self.period_after(index - 1) if index > self._ramp.start else self._ramp.p_from
        self._ramp = _Ramp(index, t, p, period_s, max(1, self.ramp_pulses))

    @property
    def target_period(self) -> float:
        """The period the grid runs at once any ramp is over."""
        return self._ramp.p_to
