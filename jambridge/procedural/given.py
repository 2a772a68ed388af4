"""Given harmony: real chords (and a real bass line) for the composer to play in a style.

A :class:`GivenHarmony` holds, for every bar, the chords that sound in it as
:class:`ChordSpan` values (a chord from a tick on), and optionally the bass's own spans (a real
bass line's notes, each a chord re-rooted on the bass note). The composer plays the style's
drums, bass idiom, stab rhythm and arps over it instead of its own progression
(:func:`~jambridge.procedural.generate_song` with ``harmony=``). Sources build it from timed
chords (:func:`from_timed`): the progressions, POP909's chord files, a song's own pitch classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jambridge.errors import DataError
from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT, Key, Note
from jambridge.procedural.chord import Chord
from jambridge.procedural.hits import TICKS_PER_BAR

Spans = tuple["ChordSpan", ...]


@dataclass(frozen=True, slots=True)
class ChordSpan:
    """A chord sounding from ``tick`` (grid ticks from the bar start) to the next span."""

    tick: int  # 0..47; a bar's first span starts at 0
    chord: Chord


@dataclass(frozen=True, slots=True)
class TimedChord:
    """A chord from ``start`` to ``end``, in beats from the first bar line of the source."""

    start: float
    end: float
    chord: Chord


def chord_at(spans: Spans, tick: int) -> Chord:
    """The chord of ``spans`` sounding at ``tick``."""
    chord = spans[0].chord
    for span in spans:
        if span.tick > tick:
            break
        chord = span.chord
    return chord


def span_end(spans: Spans, index: int) -> int:
    """The tick where span ``index`` ends (the next span's start, or the bar end)."""
    return spans[index + 1].tick if index + 1 < len(spans) else TICKS_PER_BAR


@dataclass(frozen=True)
class GivenHarmony:
    """Chords per bar (and the bass's spans per bar, or None: the bass follows the chords).

    Bars loop: a song longer than the harmony plays it again from its first bar.
    """

    key: Key  # the source's key: the song's key
    bars: tuple[Spans, ...]  # per bar, its chords by start tick, the first at tick 0
    bass: tuple[Spans, ...] | None = None  # per bar, the bass line's notes as re-rooted chords
    name: str = ""  # where it came from (for reports)

    def __post_init__(self) -> None:
        where = self.name or "harmony"
        if not self.bars:
            raise DataError(f"{where}: no bars with a chord")
        for lane in (self.bars, self.bass or ()):
            for i, spans in enumerate(lane):
                ticks = [s.tick for s in spans]
                if not spans or ticks[0] != 0 or ticks != sorted(set(ticks)) or ticks[-1] >= 48:
                    raise DataError(f"{where}: bar {i} needs spans from tick 0, ascending, < 48")
        if self.bass is not None and len(self.bass) != len(self.bars):
            raise DataError(f"{where}: {len(self.bass)} bass bars for {len(self.bars)} chord bars")

    def chords(self, index: int) -> Spans:
        """The chord spans of bar ``index`` (looped)."""
        return self.bars[index % len(self.bars)]

    def bass_spans(self, index: int) -> Spans | None:
        """The bass's spans of bar ``index`` (looped), or None when no bass line is given."""
        return None if self.bass is None else self.bass[index % len(self.bass)]

    def window(self, start: int, bars: int) -> GivenHarmony:
        """``bars`` bars from bar ``start`` (looped), as a harmony of its own."""
        idx = [(start + i) % len(self.bars) for i in range(bars)]
        bass = None if self.bass is None else tuple(self.bass[i] for i in idx)
        return GivenHarmony(self.key, tuple(self.bars[i] for i in idx), bass, self.name)


def _bar_spans(events: Sequence[tuple[float, Chord]], bars: int, step_ticks: int) -> list[Spans]:
    """Per bar, the chord sounding at each ``step_ticks`` boundary (an event counts from the
    nearest boundary), merged where it repeats; ``events`` are (start beat, chord), sorted, the
    later of two at one boundary wins. Before the first event, the first chord."""
    out: list[Spans] = []
    j, current = 0, events[0][1]
    half = step_ticks / GRID_PER_BEAT / 2
    for bar in range(bars):
        spans: list[ChordSpan] = []
        for tick in range(0, TICKS_PER_BAR, step_ticks):
            at = bar * BEATS_PER_BAR + tick / GRID_PER_BEAT
            while j < len(events) and events[j][0] < at + half - 1e-9:
                current = events[j][1]
                j += 1
            if not spans or spans[-1].chord != current:
                spans.append(ChordSpan(tick, current))
        out.append(tuple(spans))
    return out


def from_timed(
    chords: Sequence[TimedChord],
    key: Key,
    bass: Sequence[Note] | None = None,
    name: str = "",
    chord_step_beats: float = 1.0,
    bass_step_beats: float = 0.5,
) -> GivenHarmony:
    """A harmony from timed chords (a gap holds the chord before it), cut into bars from beat 0
    to the last chord's end; chord changes snap to ``chord_step_beats``. With ``bass`` (notes,
    beats from the same origin), the bass spans (snapped to ``bass_step_beats``) are the chord
    re-rooted on each bass note, and the chord's own root where it changes under no new note.

    Raises:
        DataError: no chord, or a step that does not divide the bar into grid ticks.
    """
    if not chords:
        raise DataError(f"{name or 'harmony'}: no chords")
    steps = []
    for beats in (chord_step_beats, bass_step_beats):
        ticks = round(beats * GRID_PER_BEAT)
        if ticks < 1 or TICKS_PER_BAR % ticks or abs(ticks - beats * GRID_PER_BEAT) > 1e-6:
            raise DataError(f"step {beats} beats must divide the bar into whole grid ticks")
        steps.append(ticks)
    ordered = sorted(chords, key=lambda c: c.start)
    bars = max(1, int(-(-max(c.end for c in ordered) // BEATS_PER_BAR)))
    events = [(c.start, c.chord) for c in ordered]
    chord_bars = _bar_spans(events, bars, steps[0])
    bass_bars = None
    if bass:
        timed = [(c.start, 0, c.chord) for c in ordered]
        for n in bass:
            under = chord_at_beat(events, n.start_beats)
            timed.append((n.start_beats, 1, under.rooted_at(n.pitch % 12, key)))
        timed.sort(key=lambda e: (e[0], e[1]))
        bass_bars = tuple(_bar_spans([(t, c) for t, _, c in timed], bars, steps[1]))
    return GivenHarmony(key, tuple(chord_bars), bass_bars, name)


def chord_at_beat(events: Sequence[tuple[float, Chord]], beat: float) -> Chord:
    """The chord of sorted (start beat, chord) ``events`` sounding at ``beat`` (the first one
    before it starts)."""
    chord = events[0][1]
    for start, c in events:
        if start > beat + 1e-6:
            break
        chord = c
    return chord
