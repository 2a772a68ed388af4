"""How a riff is played: the mode, the develop amount and kind, the return period, the
quantize amount and drumify, and which riff bar each song bar plays (:meth:`RiffSettings.plan`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from jambridge.errors import DataError

if TYPE_CHECKING:
    from jambridge.riff.material import Riff

MODES = ("keep", "develop", "continue")
# keep: the riff loops exactly; develop: the model varies it and it comes back every N bars;
# continue: the riff opens the song and the model carries on from it.
KINDS = ("rhythm", "notes", "free")
# rhythm: the riff's rhythm with new notes; notes: the riff's notes in a new rhythm; free: both.
RETURN_PERIODS = (4, 8, 16)  # the default return period: the first at least twice the riff


@dataclass(frozen=True)
class RiffSettings:
    """How a riff plays against the generated tracks (the default: keep, as played)."""

    mode: str = "keep"  # one of MODES; keep is what a producer who plays a riff expects
    amount: float = 0.5  # develop: the share of the riff's notes that change, 0..1
    kind: str = "free"  # develop: one of KINDS
    return_every: int = 0  # develop: bars from one start of the riff to the next; 0: default
    quantize: float = 0.0  # onsets toward the 16th grid: 0 as played .. 1 on the grid
    drumify: bool = False  # drums written from the riff's accents (kick and snare lock to them)
    four_on_the_floor: bool = False  # drumify: a kick on every beat as well (a preset asks)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise DataError(f"riff mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.kind not in KINDS:
            raise DataError(f"riff kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        for name in ("amount", "quantize"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise DataError(f"riff {name} must be in range 0..1, got {value}")
        if not 0 <= self.return_every <= 64:
            raise DataError(f"riff return must be in range 0..64 bars, got {self.return_every}")

    def period(self, riff_bars: int) -> int:
        """Bars from one start of the riff to the next in develop mode.

        Raises:
            DataError: a set return period that leaves no bar to develop.
        """
        if self.return_every == 0:
            return next((p for p in RETURN_PERIODS if p >= 2 * riff_bars), 2 * riff_bars)
        if self.return_every <= riff_bars:
            raise DataError(
                f"riff return {self.return_every} must be longer than the riff "
                f"({riff_bars} bar{'s' if riff_bars != 1 else ''}), or no bar is developed"
            )
        return self.return_every

    def describe(self, riff: Riff) -> str:
        """One line on how ``riff`` plays: ``riff: keep: the 2-bar bass riff loops exactly,
        as played``."""
        bars = f"{riff.length_bars}-bar {'+'.join(riff.roles)} riff"
        feel = (
            "as played" if self.quantize == 0 else f"{self.quantize:g} of the way to the 16th grid"
        )
        if self.mode == "keep":
            line = f"riff: keep: the {bars} loops exactly, {feel}"
        elif self.mode == "develop":
            line = (
                f"riff: develop ({self.kind}, amount {self.amount:g}): the {bars} is varied and "
                f"comes back exactly every {self.period(riff.length_bars)} bars, {feel}"
            )
        else:
            line = f"riff: continue: the {bars} opens the song, {feel}, and the model carries on"
        if self.drumify:
            line += f"; drumify: kick and snare on the {riff.role} riff's accents"
        return line

    def plan(self, index: int, riff_bars: int) -> BarPlan:
        """What song bar ``index`` (0-based) plays in the riff's roles."""
        if self.mode == "keep":
            return BarPlan(index % riff_bars, "riff")
        if self.mode == "continue":
            return BarPlan(index, "riff") if index < riff_bars else BarPlan(-1, "free")
        at = index % self.period(riff_bars)
        return BarPlan(at % riff_bars, "riff" if at < riff_bars else "develop")


class BarPlan(NamedTuple):
    """One song bar's riff part: which riff bar, and how it is played."""

    riff_bar: int  # the riff bar it plays or varies (-1: none, the engine plays freely)
    how: str  # "riff" (exactly), "develop" (a variation of it) or "free"
