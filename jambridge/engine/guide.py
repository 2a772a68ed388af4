"""ControlGuide: the controls a producer sets bite while a track is sampled, on top of what the
model learned from the control tokens.

The bins are the tokenizer's (:func:`jambridge.tokenizer.controls.control_values`), measured on
the bar's quantized notes, so what is enforced is what is measured:

- ``density`` (notes in the track-bar, bin lo..hi): no note once hi are written; the track
  cannot end before lo. Pace: until lo are written, the k-th position comes no earlier than a
  beat before k/lo of the bar (a sparse bin is not spent in the first beat) and no later than
  leaves room for the notes still needed (as many per position as so far, a position per 16th,
  closer when fewer 16ths remain: a dense bin fills the bar rather than its end); a position
  takes more notes only while the track is at most ``STACK`` notes ahead of hi notes spread
  evenly over the bar (a dense bin is not spent before the last beat).
- ``poly`` (most notes sounding at once, lo..hi; a pitched note sounds from its tick to tick +
  duration, a drum hit for one tick): no note where hi already sound; until some moment reaches
  lo, a position is not left before lo sound on it.
- ``dur`` (median duration of a pitched track's notes): a duration outside the bin only while at
  most half the notes so far lie outside it on that side, so the median stays in the bin however
  many notes follow.

Upper bounds always hold; when the lower bounds cannot be met with them (the grammar or the
scale lock leave no such token) the lower bounds give way, so the mask is never empty.
``rep`` is left to the model. With no density, poly or dur set, nothing here runs.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from jambridge.errors import EngineError
from jambridge.tokenizer.grammar import IN_TRACK, NEED_DV, GrammarState

ENFORCED = ("density", "poly", "dur")  # control kinds the guide enforces
OPEN = 1 << 30  # the upper bound of an open (last) bin
GRID_TICKS = 3  # a 16th: the pace the density lower bound asks for, where it fits
SPREAD_TICKS = 12  # a beat: how far ahead of its share of lo positions a track may run
STACK = 2  # notes a position may add beyond the share of hi notes spread evenly (a chord)


def bin_bounds(edges: tuple[float, ...], b: int) -> tuple[int, int]:
    """The whole numbers ``v`` with ``bisect_left(edges, v) == b``, as (lo, hi)."""
    lo = 0 if b <= 0 else math.floor(edges[b - 1]) + 1
    hi = math.floor(edges[b]) if b < len(edges) else OPEN
    return lo, hi


@dataclass(frozen=True, slots=True)
class TrackBounds:
    """What one track's set controls allow (the widest bounds where a kind is not set)."""

    notes: tuple[int, int] = (0, OPEN)  # density: fewest, most notes in the bar
    poly: tuple[int, int] = (0, OPEN)  # most notes sounding at once
    dur_bin: int | None = None  # the median duration's bin (pitched roles)


@dataclass(slots=True)
class _Progress:
    """The open track so far (its notes' end ticks, counts)."""

    role: str
    bounds: TrackBounds
    count: int = 0  # notes written
    onsets: int = 0  # positions written
    ends: list[int] = field(default_factory=list)  # end tick of every note with a duration
    most: int = 0  # most notes sounding at once so far
    below: int = 0  # durations below the median's bin
    above: int = 0  # durations above it

    def sounding(self, tick: int) -> int:
        """Notes written so far that still sound at ``tick`` (all start at or before it)."""
        return sum(e > tick for e in self.ends)


class ControlGuide:
    """Narrows the sampling mask of one row so its tracks land in their controls' bins.

    Args:
        tok: the model's tokenizer (a v2 vocabulary).
        controls: role -> {kind: bin}, as in ``SamplingSettings.controls``.
    """

    def __init__(self, tok, controls: Mapping[str, Mapping[str, int]]) -> None:
        c, r = tok.config, tok.vocab.ranges
        self.bounds = {
            role: _bounds(c, wanted) for role, wanted in controls.items() if _enforced(wanted)
        }
        self._track_ids = {tok.vocab.id("track", role): role for role in c.roles}
        self._bar_id = tok.bar_id
        self._end_ids = [*self._track_ids, tok.bar_id]  # what ends a track
        self._pos, self._pitch, self._drum = r["pos"], r["pitch"], r["drum"]
        self._durvel = r["durvel"]
        self._n_vel = c.velocity_levels
        self._ticks = c.durations_ticks
        self._ppb = tok.vocab.positions_per_bar
        self._size = tok.vocab_size
        self._dur_masks = {
            b.dur_bin: self._duration_masks(c, b.dur_bin)
            for b in self.bounds.values()
            if b.dur_bin is not None
        }
        self._track: _Progress | None = None

    @property
    def active(self) -> bool:
        """True when some track has a control the guide enforces."""
        return bool(self.bounds)

    def _duration_masks(self, c, b: int) -> tuple[np.ndarray, np.ndarray]:
        """(durvel ids below bin ``b``, durvel ids above it), as vocabulary masks."""
        below = np.zeros(self._size, dtype=bool)
        above = np.zeros(self._size, dtype=bool)
        for d, ticks in enumerate(self._ticks):
            got = bisect.bisect_left(c.ctrl_dur_edges, ticks)
            start = self._durvel.start + d * self._n_vel
            if got != b:
                (below if got < b else above)[start : start + self._n_vel] = True
        return below, above

    # -- following the sampled tokens ------------------------------------------------------------

    def advance(self, state: GrammarState, token: int) -> None:
        """Take note of ``token``, sampled in ``state``."""
        role = self._track_ids.get(token)
        if role is not None or token == self._bar_id:
            bounds = self.bounds.get(role) if role is not None else None
            self._track = _Progress(role, bounds) if role is not None and bounds else None
            return
        p = self._track
        if p is None:
            return
        if token in self._pos:
            p.onsets += 1
        elif token in self._pitch or token in self._drum:
            p.count += 1
            p.most = max(p.most, p.sounding(state.pos) + 1)
            if token in self._drum:
                p.ends.append(state.pos + 1)
        elif token in self._durvel:
            ticks = self._ticks[(token - self._durvel.start) // self._n_vel]
            p.ends.append(state.pos + ticks)
            b = p.bounds.dur_bin
            if b is not None:
                below, above = self._dur_masks[b]
                p.below += bool(below[token])
                p.above += bool(above[token])

    # -- narrowing the mask ------------------------------------------------------------------------

    def restrict(self, state: GrammarState, mask: np.ndarray) -> np.ndarray:
        """``mask`` (read-only) narrowed for the open track's controls; never all False."""
        p = self._track
        if p is None or state.role != p.role or state.filling:
            return mask
        if state.phase == IN_TRACK:
            return self._in_track(p, state.pos, mask)
        if state.phase == NEED_DV and p.bounds.dur_bin is not None:
            return self._durations(p, p.bounds.dur_bin, mask)
        return mask

    def _in_track(self, p: _Progress, pos: int, mask: np.ndarray) -> np.ndarray:
        """Between notes: what may come next (a note here, a later position, the end). Three
        layers, each kept only while it leaves something: the upper bounds, no end below the
        lower bounds, and the pace."""
        b = p.bounds
        here = p.sounding(pos) if pos >= 0 else 0
        capped = mask.copy()
        if p.count >= b.notes[1] or here >= b.poly[1]:
            self._no_note_here(capped)
        if p.count >= b.notes[1]:
            capped[self._pos.start : self._pos.stop] = False
        elif len(p.ends) >= b.poly[1]:  # positions where the cap still sounds are out
            free = sorted(p.ends, reverse=True)[b.poly[1] - 1]
            capped[self._pos.start : self._pos.start + min(free, self._ppb)] = False
        if not capped.any():
            return mask
        need = b.notes[0] - p.count
        held = capped
        if need > 0 or p.most < b.poly[0]:  # the track may not end yet
            held = capped.copy()
            held[self._end_ids] = False
            if not held.any():
                return capped
        paced = held.copy()
        if p.count < b.notes[0]:  # the k-th of lo positions: no earlier than k/lo of the bar
            first = -(-self._ppb * p.onsets // b.notes[0]) - SPREAD_TICKS
            paced[self._pos.start : self._pos.start + min(max(first, 0), self._ppb)] = False
        if pos >= 0 and p.most < b.poly[0]:
            if here < b.poly[0]:  # stack notes here first
                paced[self._pos.start : self._pos.stop] = False
        elif pos >= 0 and p.count >= b.notes[1] * (pos + GRID_TICKS) / self._ppb + STACK:
            self._no_note_here(paced)  # ahead of hi notes spread evenly: move on
        if need > 0:
            per = max(p.count // max(p.onsets, 1), 1)  # notes per position so far
            last = self._deadline(pos, -(-need // per))
            paced[self._pos.start + last + 1 : self._pos.stop] = False
        return paced if paced.any() else held

    def _no_note_here(self, m: np.ndarray) -> None:
        m[self._pitch.start : self._pitch.stop] = False
        m[self._drum.start : self._drum.stop] = False

    def _deadline(self, pos: int, onsets: int) -> int:
        """The latest position the next one may take so that ``onsets`` positions still fit
        from it on: 16ths apart, or closer when fewer 16ths remain."""
        spacing = min(max((self._ppb - 1 - pos) // onsets, 1), GRID_TICKS)
        return self._ppb - onsets * spacing

    def _durations(self, p: _Progress, dur_bin: int, mask: np.ndarray) -> np.ndarray:
        """A note's duration: outside ``dur_bin`` only while the median stays inside."""
        below, above = self._dur_masks[dur_bin]
        n = p.count  # with the note being written
        m = mask
        if p.below + 1 > n // 2:
            m = m & ~below
        if p.above + 1 > n - n // 2 - 1:
            m = m & ~above
        return m if m.any() else mask


def _enforced(wanted: Mapping[str, int]) -> bool:
    return any(k in wanted for k in ENFORCED)


def _bounds(c, wanted: Mapping[str, int]) -> TrackBounds:
    """The bounds of one track's controls. Raises EngineError for a bin out of range."""
    for kind in ENFORCED:
        if kind in wanted and not 0 <= int(wanted[kind]) < c.control_bins(kind):
            raise EngineError(
                f"{kind} control must be in range 0..{c.control_bins(kind) - 1}, got {wanted[kind]}"
            )
    notes = bin_bounds(c.ctrl_density_edges, int(wanted.get("density", -1)))
    poly = bin_bounds(c.ctrl_poly_edges, int(wanted.get("poly", -1)))
    return TrackBounds(
        notes if "density" in wanted else (0, OPEN),
        poly if "poly" in wanted else (0, OPEN),
        int(wanted["dur"]) if "dur" in wanted else None,
    )
