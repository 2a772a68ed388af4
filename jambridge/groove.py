"""Groove and swing: how a role's notes sit in time. Timing only; velocities are left as they are.

- Groove amount: how far notes sit off the grid, from 0 (every onset on the 12-per-beat grid)
  to 1 (as played or as the model learned it).
- Swing: where the off-beat 16th sits inside its 8th, from 0.5 (straight) through 0.667 (a
  triplet shuffle) to 0.75. The straight grid is stretched piecewise-linearly inside each 8th
  (its first 16th to ``swing`` of the 8th, its second 16th to the rest), so on-beat and 8th
  onsets stay, off-16ths move, and micro-timing around them moves with them.

A :class:`TrackGroove` holds both; :func:`bar_with_groove` applies each role's (groove first,
pulling toward the straight grid, then swing moving the grid).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from jambridge.errors import JamBridgeError
from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT, Bar, Note, Song

GROOVE_RANGE = (0.0, 1.0)  # 0: every onset on the grid .. 1: as played (the model's feel)
SWING_RANGE = (0.5, 0.75)  # 0.5 straight, 0.667 triplet shuffle, 0.75 dotted-16th shuffle
EIGHTH_BEATS = 0.5  # swing works inside each 8th ...
SIXTEENTH_BEATS = 0.25  # ... moving its second 16th
LAST_START_BEATS = BEATS_PER_BAR - 1e-9  # the latest start a note keeps in its bar


def _check(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high or math.isnan(value):
        raise JamBridgeError(f"{name} must be in range {low}..{high}, got {value}")


@dataclass(frozen=True, slots=True)
class TrackGroove:
    """How one role's notes sit in time: the groove amount kept, then the swing."""

    amount: float = 1.0  # micro-timing kept: 0 every onset on the grid .. 1 as played
    swing: float = 0.5  # where the off-beat 16th sits in its 8th: 0.5 straight .. 0.667 triplet

    def __post_init__(self) -> None:
        _check("groove amount", self.amount, *GROOVE_RANGE)
        _check("swing", self.swing, *SWING_RANGE)

    @property
    def changes_nothing(self) -> bool:
        """Whether notes come back as they are (amount 1, straight)."""
        return self.amount == 1.0 and self.swing == 0.5


AS_PLAYED = TrackGroove()  # amount 1, straight: every note as it is


def grid_offset_beats(start_beats: float) -> float:
    """A start's distance from its nearest grid tick, in beats (negative: early)."""
    return start_beats - round(start_beats * GRID_PER_BEAT) / GRID_PER_BEAT


def with_groove(note: Note, amount: float) -> Note:
    """``note`` moved toward its grid tick: amount 0 on the tick, 1 unchanged."""
    if not 0.0 <= amount <= 1.0:
        raise JamBridgeError(f"groove amount must be in range 0..1, got {amount}")
    offset = grid_offset_beats(note.start_beats)
    if not offset or amount == 1.0:
        return note
    start = note.start_beats - offset * (1.0 - amount)
    return replace(note, start_beats=min(max(start, 0.0), BEATS_PER_BAR - 1e-6))


def swung_beats(beats: float, swing: float) -> float:
    """Where a time ``beats`` goes at ``swing``: inside its 8th, [0, 1/16] is stretched onto
    [0, swing * 1/8] and [1/16, 1/8] onto [swing * 1/8, 1/8] (8th lines stay where they are)."""
    eighth = math.floor(beats / EIGHTH_BEATS) * EIGHTH_BEATS
    p = beats - eighth
    off = swing * EIGHTH_BEATS  # where the off-beat 16th lands
    if p <= SIXTEENTH_BEATS:
        return eighth + p * off / SIXTEENTH_BEATS
    rest = EIGHTH_BEATS - SIXTEENTH_BEATS
    return eighth + off + (p - SIXTEENTH_BEATS) * (EIGHTH_BEATS - off) / rest


def with_swing(note: Note, swing: float) -> Note:
    """``note`` (in a bar) with its start and end moved by :func:`swung_beats`: its order
    among the bar's notes is kept, it stays in its 8th, and an end inside the bar stays
    inside it. Straight (0.5) gives back ``note`` itself.

    Raises:
        JamBridgeError: ``swing`` outside :data:`SWING_RANGE`.
    """
    _check("swing", swing, *SWING_RANGE)
    if swing == 0.5:
        return note
    start = min(swung_beats(note.start_beats, swing), LAST_START_BEATS)
    end = swung_beats(note.end_beats, swing)
    if start == note.start_beats and end == note.end_beats:
        return note
    return replace(note, start_beats=start, duration_beats=max(end - start, 1e-9))


def with_track_groove(note: Note, groove: TrackGroove) -> Note:
    """``note`` at ``groove``: its amount first (toward the straight grid), then its swing."""
    return with_swing(with_groove(note, groove.amount), groove.swing)


def bar_with_groove(
    bar: Bar, grooves: Mapping[str, TrackGroove], default: TrackGroove = AS_PLAYED
) -> Bar:
    """``bar`` with each role's notes at its groove and swing (roles not named: ``default``);
    a role whose groove changes nothing keeps its track as it is."""
    tracks = []
    for t in bar.tracks:
        g = grooves.get(t.role, default)
        tracks.append(
            t if g.changes_nothing else t.with_notes(with_track_groove(n, g) for n in t.notes)
        )
    return Bar(tuple(tracks))


def song_with_groove(song: Song, grooves: Mapping[str, TrackGroove]) -> Song:
    """``song`` with :func:`bar_with_groove` applied bar by bar (``song`` itself when no
    role's groove changes anything)."""
    if all(grooves.get(t.role, AS_PLAYED).changes_nothing for t in song.tracks):
        return song
    bars = [bar_with_groove(b, grooves) for b in song.bars()]
    return replace(song, tracks=Song.from_bars(bars, tracks=song.tracks).tracks)
