"""Groove amount: how far notes sit off the grid, from 0 (every onset on the 12-per-beat grid)
to 1 (as played or as the model learned it). Timing only; velocities are left as they are."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from jambridge.errors import JamBridgeError
from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT, Bar, Note


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


def bar_with_groove(bar: Bar, amounts: Mapping[str, float], default: float = 1.0) -> Bar:
    """``bar`` with each role's notes at its groove amount (roles not named: ``default``)."""
    tracks = []
    for t in bar.tracks:
        a = amounts.get(t.role, default)
        tracks.append(t if a == 1.0 else t.with_notes(with_groove(n, a) for n in t.notes))
    return Bar(tuple(tracks))
