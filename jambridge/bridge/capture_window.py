"""Where a heard note lands in a capture: its window, its bar and beat, its length, the riff.

Pure functions of song ticks, used by :class:`~jambridge.bridge.capture.CaptureRecorder` (the
rules are told in :mod:`jambridge.bridge.capture`'s docstring): :func:`window_bars` turns the
notes heard into a window's bars, on the grid and as played, and :func:`riff_bars` makes the
riff that plays from the bars as played.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jambridge.bridge.playback.timeline import (
    PlainBar,
    PlainNote,
    PlainTrack,
    bar_to_plain,
    plain_to_bar,
)
from jambridge.bridge.timing.transport import TICKS_PER_BAR, TICKS_PER_BEAT, TICKS_PER_GRID
from jambridge.music import BEATS_PER_BAR
from jambridge.riff.material import Riff
from jambridge.roles import ROLE_SPECS

# A note less than this before a window's edge bar line belongs to that bar line: 1/32 note,
# half a 16th -- where the riff's 16th grid (riff_bars) rounds to the bar line too.
EDGE_TICKS = TICKS_PER_BEAT // 8


@dataclass(slots=True)
class Heard:
    """A note heard on the input, at song ticks (unquantized)."""

    on_tick: float
    off_tick: float | None  # None while the key is held
    channel: int
    pitch: int
    velocity: int


def in_window(on_tick: float, start: int, end: int) -> bool:
    """Whether a note heard at ``on_tick`` is in the window ``[start, end)`` (see EDGE_TICKS)."""
    return start - EDGE_TICKS < on_tick <= end - EDGE_TICKS


def window_bars(
    notes: Iterable[Heard], start: int, end: int, role: str, held_until: float | None = None
) -> tuple[tuple[PlainBar, ...], tuple[PlainBar, ...]]:
    """The window's bars on the grid, and as played, from ``notes`` (of the wanted channel);
    a key still held ends at ``held_until`` (None: at the window's end)."""
    count = (end - start) // TICKS_PER_BAR
    grid: list[list[PlainNote]] = [[] for _ in range(count)]
    played: list[list[PlainNote]] = [[] for _ in range(count)]
    for n in notes:
        if not in_window(n.on_tick, start, end):
            continue
        heard_on = max(n.on_tick, start)  # an early first downbeat is on the first bar line
        on = _grid_tick(heard_on)
        off_raw = n.off_tick
        if off_raw is None:
            off_raw = end if held_until is None else held_until
        off = min(max(_grid_tick(off_raw), on + TICKS_PER_GRID), end)
        if off <= on:
            off = on + TICKS_PER_GRID
        length = (off - on) / TICKS_PER_BEAT
        i, rel = divmod(on - start, TICKS_PER_BAR)
        grid[i].append(PlainNote(n.pitch, rel / TICKS_PER_BEAT, length, n.velocity))
        j, beat = _bar_place(heard_on - start, count)
        played[j].append(PlainNote(n.pitch, beat, length, n.velocity))
    return _bars(grid, role), _bars(played, role)


def riff_bars(played: tuple[PlainBar, ...], quantize: float) -> tuple[PlainBar, ...]:
    """The riff a capture plays: its bars as played (:attr:`CaptureResult.played`), onsets
    ``quantize`` of the way to the 16th grid (:meth:`jambridge.riff.Riff.quantized`), every
    note ended by the loop's end (a key held over it, or an onset played late, would ring into
    the riff's next pass).

    Raises:
        DataError: no notes in ``played``.
    """
    riff = Riff(tuple(plain_to_bar(b) for b in played)).quantized(quantize)
    bars = [bar_to_plain(b) for b in riff.bars]
    loop = len(bars) * BEATS_PER_BAR
    return tuple(
        tuple(_ended_by(track, loop - i * BEATS_PER_BAR) for track in bar)
        for i, bar in enumerate(bars)
    )


def _ended_by(track: PlainTrack, end_beats: float) -> PlainTrack:
    notes = tuple(
        n._replace(duration_beats=min(n.duration_beats, round(end_beats - n.start_beats, 9)))
        for n in track.notes
    )
    return track._replace(notes=notes)


def _bar_place(ticks: float, bars: int) -> tuple[int, float]:
    """(bar, beat in it) of a time ``ticks`` (0 <= ticks < the window) from the window's start,
    as a Note keeps it (to 1e-9 beats: never a bar's end)."""
    beats = round(ticks / TICKS_PER_BEAT, 9)
    bar = min(int(beats // BEATS_PER_BAR), bars - 1)
    return bar, beats - bar * BEATS_PER_BAR


def _bars(per_bar: list[list[PlainNote]], role: str) -> tuple[PlainBar, ...]:
    program = ROLE_SPECS[role].program
    return tuple(
        (PlainTrack(role, program, tuple(sorted(notes, key=_onset_order))),) for notes in per_bar
    )


def _onset_order(note: PlainNote) -> tuple[float, int]:
    return note.start_beats, note.pitch


def _grid_tick(tick: float) -> int:
    """The nearest tick on the 12-per-beat grid."""
    return int(round(tick / TICKS_PER_GRID)) * TICKS_PER_GRID
