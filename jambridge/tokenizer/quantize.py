"""Quantizer: notes as the tokenizer writes them, defined here once.

Note starts snap to the 12-per-beat grid, durations to the nearest of ``durations_ticks``,
velocities to the nearest bucket (and, in v2, to one of ``velocity_steps`` fine levels inside
it), drum hits to a fixed length; drum keys outside ``drum_low..drum_high`` are dropped, and two
notes of one track on the same tick and pitch merge (loudest velocity, longest duration). In v2
a position keeps its notes' mean offset from the grid in ``shift_steps`` per tick (never before
a bar line). ``Tokenizer.decode(encode(x))`` equals ``quantize_song(x)`` note for note.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable

from jambridge.music import BEATS_PER_BAR, Note, Song
from jambridge.tokenizer.config import TokenizerConfig

# (tick in bar, pitch or drum key, duration index, velocity level, shift steps)
QNote = tuple[int, int, int, int, int]


class Quantizer:
    """Notes <-> quantized notes (:data:`QNote`) under one tokenizer config."""

    def __init__(self, config: TokenizerConfig) -> None:
        self.config = c = config
        self.positions_per_bar = BEATS_PER_BAR * c.grid_per_beat
        self._dur_mid = [(a + b) / 2 for a, b in zip(c.durations_ticks, c.durations_ticks[1:])]
        vel_mid = [(a + b) / 2 for a, b in zip(c.velocities, c.velocities[1:])]
        # level of every MIDI velocity 0..127, and the velocity each level decodes to
        self.velocity_level, self.velocity_value = velocity_tables(c, vel_mid)
        self._half_shift = c.max_shift

    def _note(self, note: Note, role: str) -> tuple[int, int, int, int, float] | None:
        """Note -> (tick from its origin, pitch, duration index, velocity level, offset from the
        tick in shift steps); None = dropped."""
        c = self.config
        if role == "drums" and not c.drum_low <= note.pitch <= c.drum_high:
            return None
        exact = note.start_beats * c.grid_per_beat
        tick = int(round(exact))
        if role == "drums":
            dur = c.durations_ticks.index(c.drum_duration_ticks)
        else:
            dur = bisect.bisect_left(self._dur_mid, note.duration_beats * c.grid_per_beat)
        vel = self.velocity_level[min(max(int(round(note.velocity)), 0), 127)]
        return tick, note.pitch, dur, vel, (exact - tick) * c.shift_steps

    def _shift(self, tick: int, offsets: list[float]) -> int:
        """A position's shift: its notes' mean offset, in range, never before a bar line."""
        if not self._half_shift:
            return 0
        s = int(round(sum(offsets) / len(offsets)))
        low = 0 if tick % self.positions_per_bar == 0 else -self._half_shift
        return min(max(s, low), self._half_shift)

    def to_note(self, tick: int, pitch: int, dur: int, vel: int, shift: int = 0) -> Note:
        """The note a quantized note (or a note token) decodes to."""
        c = self.config
        start = tick + shift / c.shift_steps if shift else tick
        return Note(pitch, start / c.grid_per_beat, c.durations_ticks[dur] / c.grid_per_beat,
                    self.velocity_value[vel])  # fmt: skip

    def track(
        self, notes: Iterable[Note], role: str, stats: Counter, max_tick: int | None = None
    ) -> list[QNote]:
        """Quantized notes of one track, sorted, duplicates merged (counted in ``stats``).
        ``max_tick`` clamps starts first (a bar's last position), so notes that round onto it
        merge like any others."""
        merged: dict[tuple[int, int], tuple[int, int]] = {}
        offsets: dict[int, list[float]] = {}
        for n in notes:
            q = self._note(n, role)
            if q is None:
                stats["drum_key_out_of_range"] += 1
                continue
            tick = q[0] if max_tick is None else min(q[0], max_tick)
            offsets.setdefault(tick, []).append(q[4] + (q[0] - tick) * self.config.shift_steps)
            key = (tick, q[1])
            if key in merged:
                stats["merged_duplicates"] += 1
                d, v = merged[key]
                merged[key] = (max(d, q[2]), max(v, q[3]))
            else:
                merged[key] = (q[2], q[3])
        shifts = {t: self._shift(t, offs) for t, offs in offsets.items()}
        return sorted((t, p, d, v, shifts[t]) for (t, p), (d, v) in merged.items())

    def bar_track(self, notes: Iterable[Note], role: str) -> list[QNote]:
        """One track's notes in a bar (bar-relative starts), quantized. A start just before the
        bar end would round to the next bar's tick 0; here it is clamped to the last position
        instead (:meth:`song` moves it on)."""
        return self.track(notes, role, Counter(), max_tick=self.positions_per_bar - 1)

    def song(self, song: Song, stats: Counter | None = None) -> Song:
        """The song as the tokenizer sees it (see the module docstring)."""
        stats = Counter() if stats is None else stats
        tracks = []
        for t in song.tracks:
            q = self.track(t.notes, t.role, stats)
            tracks.append(t.with_notes(self.to_note(*n) for n in q))
        last = max((n.start_beats for t in tracks for n in t.notes), default=-1.0)
        bars = max(song.length_bars, int(last // BEATS_PER_BAR) + 1)
        return Song(tuple(tracks), song.tempo_bpm, song.tempo_changes, song.key, song.style,
                    song.name, bars)  # fmt: skip


def velocity_tables(config: TokenizerConfig, mids: list[float]) -> tuple[list[int], list[int]]:
    """(level of every MIDI velocity 0..127, the velocity each level decodes to). A bucket's
    velocities (those nearest its value) are cut into ``velocity_steps`` equal levels, each
    decoding to its middle; with one step a level is the bucket and decodes to its value."""
    steps = config.velocity_steps
    bucket = [bisect.bisect_left(mids, v) for v in range(128)]
    level, value = [0] * 128, []
    for b, centre in enumerate(config.velocities):
        members = [v for v in range(1, 128) if bucket[v] == b] or [centre]
        lo, n = members[0], len(members)
        for v in range(128):
            if bucket[v] == b:
                level[v] = b * steps + min(max(v - lo, 0) * steps // n, steps - 1)
        if steps == 1:
            value.append(centre)
        else:
            value += [lo + (2 * f + 1) * n // (2 * steps) for f in range(steps)]
    return level, value
