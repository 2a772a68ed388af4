"""The tempo model's phase filters: which offset from the fitted line predicts the pulses best.

A clock whose pulses scatter around a steady grid is predicted best by the line itself; one whose
intervals err and add up (it wanders) by the line moved onto its newest pulse. Each filter of
the bank (gains ``TempoConfig.phase_gains``: 0 is the line, 1 the newest pulse) predicts every
pulse before it comes; predictions come from the one with the smallest recent errors, with
hysteresis (docs/clock-following.md, "Phase"). Pure: the tempo model feeds it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jambridge.bridge.timing.tempo import TempoConfig


class PhaseFilters:
    """A bank of phase filters over the tempo model's line."""

    def __init__(self, config: TempoConfig) -> None:
        self.config = config
        n = len(config.phase_gains)
        self.offsets = [0.0] * n  # each filter's offset from the line (s)
        self.scores = [0.0] * n  # each filter's mean squared one-pulse error (s^2)
        self.best = 0  # the filter predictions come from
        self.scored = 0  # pulses the scores have seen

    @property
    def offset(self) -> float:
        """Where the chosen filter puts the grid, from the line (s)."""
        return self.offsets[self.best]

    @property
    def gain(self) -> float:
        """The chosen filter's gain (0: the line itself)."""
        return self.config.phase_gains[self.best]

    @property
    def follows_pulses(self) -> bool:
        """The full-gain filter won: the clock wanders, its newest pulse predicts the next."""
        return self.best == len(self.offsets) - 1 and self.gain >= 1.0

    def back_to_line(self) -> None:
        """Every filter back onto the line (it was refitted to other pulses); the scores stay:
        they describe the clock, not the window."""
        self.offsets = [0.0] * len(self.offsets)

    def forget(self) -> None:
        """Back onto the line, and forget the scores (another clock)."""
        self.back_to_line()
        self.scores = [0.0] * len(self.scores)
        self.best = self.scored = 0

    def score(self, miss: float, on_a_grid: Callable[[], bool | None]) -> None:
        """A pulse came ``miss`` seconds after the line's time for it (before it joins the fit):
        how far off was each filter? Then choose (``on_a_grid``: see :meth:`_choose`)."""
        cfg = self.config
        warm = self.scored >= cfg.phase_memory  # until then a plain mean, unclipped
        rate = 1.0 / cfg.phase_memory if warm else 1.0 / (self.scored + 1)
        # One clip for all, from the best filter's typical error: a step costs every filter
        # about the same, so it cannot tip the choice.
        cap = cfg.phase_clip**2 * max(min(self.scores), cfg.phase_floor_s**2)
        self.scored += 1
        for j, phase in enumerate(self.offsets):
            err2 = (miss - phase) ** 2
            if warm:
                err2 = min(err2, cap)
            self.scores[j] += (err2 - self.scores[j]) * rate
        self.best = self._choose(on_a_grid)

    def _choose(self, on_a_grid: Callable[[], bool | None]) -> int:
        """The filter to predict from: the line unless another is clearly better, with
        hysteresis; always the line while the scores are young or the stamps sit on a driver's
        grid (``on_a_grid()``; None: too few intervals to tell, keep the choice)."""
        cfg, score, current = self.config, self.scores, self.best
        if len(score) < 2 or self.scored < cfg.phase_memory:
            return 0
        grid = on_a_grid()
        if grid is None:
            return current  # a window cut short by a change: too few intervals to tell
        if grid:
            return 0
        rival = min(range(1, len(score)), key=score.__getitem__)
        if current and score[current] < cfg.phase_release * score[0]:
            return rival if score[rival] < cfg.phase_release * score[current] else current
        return rival if score[rival] < cfg.phase_margin * score[0] else 0

    def follow(self, off: float) -> None:
        """Move each filter towards the newest pulse's offset ``off`` from the refitted line."""
        gains = self.config.phase_gains
        self.offsets = [p + g * (off - p) for g, p in zip(gains, self.offsets, strict=True)]
