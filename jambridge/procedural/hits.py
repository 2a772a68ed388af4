"""Hits: the generator's working notes, in whole grid ticks, each with a density rank.

Every part generator (drums, bass, chords, lead) builds :class:`Hit` values for one bar, and
:func:`to_notes` turns the ones that survive the density filter into :class:`~jambridge.music.Note`
values. Working in integer ticks (12 per beat) keeps every note on the tokenizer's grid by
construction.

The density knob is a threshold over ranks: a hit of rank ``r`` plays when ``r <= density``.
Ranks are drawn when the pattern is made, not when it is filtered, so the random streams do not
depend on the density and a busier setting always plays a superset of a sparser one.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT, Note

TICKS_PER_BAR = GRID_PER_BEAT * BEATS_PER_BAR  # 48 ticks in a 4/4 bar
STEP = GRID_PER_BEAT // 4  # one 16th note = 3 ticks
STEPS_PER_BAR = TICKS_PER_BAR // STEP  # 16 sixteenths in a bar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Hit:
    """One note of a bar before the density filter."""

    tick: int  # start in grid ticks from the bar start, 0..47
    pitch: int  # MIDI pitch (GM drum key for drums)
    ticks: int  # duration in grid ticks, >= 1
    velocity: int  # 1..127 after clamping in to_notes
    rank: float = 0.0  # 0: always plays; plays when rank <= density (1: only when busiest)


@dataclass(frozen=True, slots=True)
class Slot:
    """A rhythm position that has no pitch yet (a chord stab, a step of a bass line)."""

    tick: int  # start in grid ticks from the bar start, 0..47
    ticks: int  # duration in grid ticks, >= 1
    velocity: int  # 1..127 after clamping in to_notes
    rank: float = 0.0  # as Hit.rank

    def hit(self, pitch: int, velocity: int | None = None) -> Hit:
        """This slot played at ``pitch`` (and ``velocity`` instead of its own, if given)."""
        return Hit(
            self.tick, pitch, self.ticks, self.velocity if velocity is None else velocity, self.rank
        )


def rng_for(seed: int, *parts: object) -> random.Random:
    """A random stream named by ``seed`` and ``parts``: same names, same stream, on every run.

    String seeds are hashed with SHA-512 by :mod:`random` (not ``hash()``), so streams do not
    depend on ``PYTHONHASHSEED``.
    """
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def pick(rng: random.Random, table: Sequence[tuple[T, float]]) -> T:
    """One item of ``(item, weight)`` pairs, drawn by weight."""
    total = sum(w for _, w in table)
    x = rng.random() * total
    for item, weight in table:
        x -= weight
        if x < 0:
            return item
    return table[-1][0]


def euclid(pulses: int, steps: int, rotation: int = 0) -> tuple[bool, ...]:
    """The Euclidean rhythm E(pulses, steps): pulses spread as evenly as possible, rotated."""
    pulses = max(0, min(pulses, steps))
    pattern = [(i * pulses) % steps < pulses for i in range(steps)]
    rotation %= steps
    return tuple(pattern[rotation:] + pattern[:rotation])


def choose_steps(rng: random.Random, weights: Sequence[float], count: int) -> list[int]:
    """``count`` distinct step indices drawn by weight without replacement (zero-weight steps
    never), most important first: by weight, ties broken at random. Ranks follow that order,
    so the heaviest steps are the ones that play at density 0."""
    keyed = [(rng.random() ** (1.0 / w), rng.random(), i) for i, w in enumerate(weights) if w > 0]
    keyed.sort(reverse=True)  # Efraimidis-Spirakis: weighted sampling without replacement
    chosen = keyed[:count]
    chosen.sort(key=lambda k: (weights[k[2]], k[1]), reverse=True)
    return [i for _, _, i in chosen]


def ranks(count: int, core: int, core_rank: float = 0.0) -> list[float]:
    """Ranks for ``count`` hits in order of importance: the first ``core`` always play, the rest
    spread evenly over (0, 1] so density adds them one by one. With ``core_rank`` only the first
    always plays and the core's others come in over (0, ``core_rank``]."""
    extra = max(count - core, 0)
    out = [0.0 if i < core else (i - core + 1) / extra for i in range(count)]
    if core_rank:
        for i in range(1, min(core, count)):
            out[i] = core_rank * (i / (core - 1))  # the last exactly core_rank (not 0.1 * 3 / 3)
    return out


def swing(tick: int, shuffle: bool) -> int:
    """With ``shuffle``, the off-16ths of each beat move late onto the 16th-triplet grid (a 2:1
    shuffle inside every 8th); other ticks stay."""
    return tick + 1 if shuffle and tick % (2 * STEP) == STEP else tick


def to_notes(hits: Iterable[Hit], low: int, high: int, offset_ticks: int = 0) -> list[Note]:
    """Turn hits into notes that a single MIDI channel can play.

    Of hits with the same pitch and tick the loudest stays; a note ends where the next note of
    its pitch starts and never past the bar end; velocities are clamped to 1..127 and pitches
    folded by octaves into ``low..high``. ``offset_ticks`` moves the notes (the bar's position in
    a song).
    """
    best: dict[tuple[int, int], Hit] = {}
    for h in hits:
        pitch = fold(h.pitch, low, high)
        tick = min(max(h.tick, 0), TICKS_PER_BAR - 1)
        key = (pitch, tick)
        if key not in best or h.velocity > best[key].velocity:
            best[key] = Hit(tick, pitch, h.ticks, h.velocity, h.rank)
    ordered = sorted(best.values(), key=lambda h: (h.pitch, h.tick))
    notes: list[Note] = []
    for i, h in enumerate(ordered):
        end = TICKS_PER_BAR
        if i + 1 < len(ordered) and ordered[i + 1].pitch == h.pitch:
            end = ordered[i + 1].tick
        length = max(1, min(h.ticks, end - h.tick))
        velocity = min(max(int(h.velocity), 1), 127)
        start = (offset_ticks + h.tick) / GRID_PER_BEAT
        notes.append(Note(h.pitch, start, length / GRID_PER_BEAT, velocity))
    notes.sort(key=lambda n: (n.start_beats, n.pitch))
    return notes


def fold(pitch: int, low: int, high: int) -> int:
    """``pitch`` moved by whole octaves into ``low..high`` (the pitch class is kept when the range
    spans at least an octave)."""
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return max(pitch, low)
