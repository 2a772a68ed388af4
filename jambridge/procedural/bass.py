"""Bass: a one-bar line of scale steps above the chord root, made once and played every bar.

Every kind in :data:`BASS_KINDS` is the same machine with different settings: where notes may
fall in the bar (weights per 16th), how many, which scale steps, how often an octave jump, an
accent or a slide, how long a plain note lasts. That covers:

- ``rolling``: the three 16ths after each kick (off the kick), the off-beat loudest;
- ``gallop``: the last two 16ths of each beat (peak-time drive);
- ``offbeat``: one note on every off-beat, the classic techno / house pump;
- ``acid``: a 303 line: rests, accents (velocity), slides (a note overlaps the next, which a
  303-style synth plays as a glide), octave jumps; it mutates a step or more per 8-bar phrase
  and returns to its theme every 32 bars, like a producer tweaking a live 303;
- ``sub``: dub techno: two or three long sub notes that hold until the next;
- ``house`` and ``electro``: syncopated lines with octave jumps.

The line follows the chord root (going down to VI, not up) and stays inside the bass range.
The last bar of each 4-bar phrase re-rolls the line's last notes (the phrase's answer).

Density thins the line down to its defining hit: at 0 only the line's heaviest step plays,
as the chord's root (the one note whose pitch a busier setting may change); the kind's other
core notes come in by :data:`CORE_RANK`, below every style's and preset's default density
(and the data sets' lowest), so defaults play as they always have; the rest of the line
follows, and above :data:`GHOST_RANK` (full bars only) soft ghost notes fill its empty 16ths.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from jambridge.music import Key
from jambridge.procedural.arrangement import BarPlan
from jambridge.procedural.given import Spans, chord_at
from jambridge.procedural.hits import (
    STEP,
    TICKS_PER_BAR,
    Hit,
    Slot,
    choose_steps,
    fold,
    pick,
    ranks,
    rng_for,
    swing,
)
from jambridge.procedural.styles import StyleParams
from jambridge.procedural.theory import tonic_at_or_above
from jambridge.roles import ROLE_SPECS

LEVEL_DENSITY = (0.0, 0.0, 0.7, 1.0)  # density multiplier by level: level 1 plays the core only
# The core's notes after the first play from this density on (spread over (0, CORE_RANK]),
# whatever the level; it lies below every default bass density and the data sets' 0.15.
CORE_RANK = 0.1
# Ghost notes play above this density (ranks over (GHOST_RANK, 1]): above every default bass
# density and the data sets' 0.95, so only the busiest setting plays them.
GHOST_RANK = 0.95
GHOST_SOFTER = 30  # a ghost note's velocity below the kind's plain velocity
BASS_TONIC_FROM = 28  # the tonic sits at E1..D#2: deep, but above the range's floor
MUTATION_PHRASE_BARS = 8  # an acid line mutates once per this many bars ...
MUTATION_CYCLE = 4  # ... and returns to its theme every this many phrases
# Lengths (ticks) a sliding note may take: the first one longer than the gap to the next note.
# Plain musical values, so quantizing to common lengths (the tokenizer does) keeps the overlap.
SLIDE_TICKS = (2, 3, 4, 6, 8, 9, 12, 15, 16, 18, 24, 30, 36, 42, 48)


@dataclass(frozen=True, slots=True)
class BassKind:
    """Settings of the bass-line machine for one kind of line."""

    steps: tuple[float, ...]  # weight of a note on each 16th of the bar (16 values)
    notes: tuple[int, int]  # notes per bar (min, max)
    core: int  # how many of them play from CORE_RANK on (the most weighted; the first always)
    degrees: tuple[tuple[int, float], ...]  # (scale steps above the root, weight); 7 = octave
    octave: float  # chance a note jumps up an octave
    accent: float  # chance of an accent (louder, 303 style)
    slide: float  # chance a note slides into the next (overlaps it)
    gate: int  # ticks a plain note lasts
    legato: bool  # notes hold until the next one (sub basses)
    velocity: int  # plain velocity; accents add 22
    mutations: int  # steps re-rolled per 8-bar phrase (0: the line never drifts)


_ROOT = ((0, 1.0),)
BASS_KINDS: dict[str, BassKind] = {
    "rolling": BassKind(
        (0.0, 0.7, 1.0, 0.7) * 4, (12, 12), 4, _ROOT, 0.08, 0.0, 0.0, 2, False, 98, 0
    ),
    "gallop": BassKind((0.0, 0.0, 1.0, 0.9) * 4, (8, 8), 4, _ROOT, 0.1, 0.0, 0.0, 2, False, 100, 0),
    "offbeat": BassKind(
        (0.0, 0.0, 1.0, 0.15) * 4, (4, 6), 4, ((0, 1.0), (7, 0.12)), 0.1, 0.0, 0.0, 4, False, 100, 0
    ),
    "acid": BassKind(
        (0.9, 0.7, 0.8, 0.7) * 4,
        (9, 14),
        6,
        ((0, 0.35), (7, 0.15), (2, 0.12), (4, 0.12), (6, 0.1), (3, 0.06), (1, 0.05), (5, 0.05)),
        0.25,
        0.35,
        0.3,
        2,
        False,
        88,
        1,
    ),
    "sub": BassKind(
        (0.7, 0.0, 0.2, 0.0, 0.0, 0.0, 0.9, 0.0, 0.3, 0.0, 0.6, 0.0, 0.0, 0.0, 0.5, 0.2),
        (2, 3),
        2,
        ((0, 1.0), (4, 0.2), (6, 0.15)),
        0.0,
        0.0,
        0.0,
        9,
        True,
        96,
        0,
    ),
    "house": BassKind(
        (0.3, 0.1, 1.0, 0.5) * 4,
        (5, 8),
        4,
        ((0, 1.0), (7, 0.3), (4, 0.15), (6, 0.15)),
        0.15,
        0.2,
        0.0,
        3,
        False,
        96,
        0,
    ),
    "electro": BassKind(
        (1.0, 0.2, 0.3, 0.6, 0.2, 0.3, 0.9, 0.3, 0.5, 0.3, 0.8, 0.4, 0.2, 0.6, 0.4, 0.5),
        (7, 10),
        5,
        ((0, 0.5), (7, 0.25), (4, 0.1), (2, 0.1), (6, 0.05)),
        0.2,
        0.2,
        0.0,
        2,
        False,
        96,
        0,
    ),
}


@dataclass(frozen=True, slots=True)
class BassStep:
    """One note of the line, before it meets the bar's chord."""

    slot: Slot  # position, plain length, velocity, density rank
    degree: int  # scale steps above the chord root (7 = octave up)
    slide: bool  # glide into the next note


@dataclass(frozen=True, slots=True)
class BassLine:
    """The bass of one song (or one movement of an endless set)."""

    key: Key  # the song's key
    kind: str  # a key of BASS_KINDS
    steps: tuple[BassStep, ...]  # the line, by tick
    variation: tuple[BassStep, ...]  # the line for the last bar of a 4-bar phrase
    ghosts: tuple[BassStep, ...]  # soft roots and octaves between the line's notes, at 1
    seed: int  # names the mutation streams
    epoch: int  # the movement the line belongs to
    variant: int  # how often the producer asked for a new bass


def _limit(density: float, level: int) -> float:
    """The highest rank that plays in a bar at ``level``: the core follows the density alone
    (a level-1 bar plays the core only), the rest of the line the density times the level's
    factor."""
    return max(density * LEVEL_DENSITY[level], min(density, CORE_RANK)) + 1e-9


def _step(kind: BassKind, rng: random.Random, slot: Slot) -> BassStep:
    degree = pick(rng, kind.degrees) + (7 if rng.random() < kind.octave else 0)
    accent = rng.random() < kind.accent
    vel = slot.velocity + (22 if accent else rng.randint(-6, 4))
    return BassStep(replace(slot, velocity=vel), degree, rng.random() < kind.slide)


def _reroll(line: tuple[BassStep, ...], kind: BassKind, rng: random.Random, count: int):
    """``line`` with ``count`` random steps drawn afresh (same positions and ranks)."""
    out = list(line)
    for i in rng.sample(range(len(out)), min(count, len(out))):
        base = replace(out[i].slot, velocity=kind.velocity)
        out[i] = _step(kind, rng, base)
    return tuple(out)


def _ensure_character(kind: BassKind, rng: random.Random, line: list[BassStep]):
    """A line of a kind that slides or accents does so at least once (a 303 line without a
    glide or an accent is not an acid line), on a note of the core."""
    core = [i for i, s in enumerate(line[:-1]) if s.slot.rank <= CORE_RANK] or [0]
    if kind.slide and not any(s.slide for s in line[:-1]) and len(line) > 1:
        i = rng.choice(core)
        line[i] = replace(line[i], slide=True)
    if kind.accent and not any(s.slot.velocity > kind.velocity + 12 for s in line):
        i = rng.choice(core)
        line[i] = replace(line[i], slot=replace(line[i].slot, velocity=kind.velocity + 22))
    return tuple(line)


def _ghosts(kind: BassKind, line: tuple[BassStep, ...], rng: random.Random, shuffle: bool):
    """Ghost notes: short soft roots or octaves on about half of the 16ths the kind may use
    and the line leaves empty, ranked over (GHOST_RANK, 1] by weight."""
    taken = {s.slot.tick // STEP for s in line}
    weights = [0.0 if i in taken else w for i, w in enumerate(kind.steps)]
    chosen = choose_steps(rng, weights, (sum(w > 0 for w in weights) + 1) // 2)
    out = []
    for i, step in enumerate(chosen):
        rank = GHOST_RANK + (1.0 - GHOST_RANK) * (i + 1) / len(chosen)
        tick = swing(step * STEP, shuffle)
        slot = Slot(tick, min(kind.gate, STEP - 1), kind.velocity - GHOST_SOFTER, rank)
        out.append(BassStep(slot, rng.choice((0, 7)), False))
    return tuple(sorted(out, key=lambda s: s.slot.tick))


def make_bass(
    style: StyleParams, key: Key, seed: int, epoch: int, shuffle: bool, variant: int = 0
) -> BassLine:
    """The bass line for ``seed`` in ``style``, re-rolled per ``epoch`` and per ``variant``
    (a producer asking for a new bass)."""
    rng = rng_for(seed, "bass", epoch, variant)
    name = pick(rng, style.bass_kinds)
    kind = BASS_KINDS[name]
    chosen = choose_steps(rng, kind.steps, rng.randint(*kind.notes))
    steps = []
    for step, rank in zip(chosen, ranks(len(chosen), kind.core, CORE_RANK)):
        loud = kind.steps[step] >= 0.95  # the strongest steps carry the groove
        vel = kind.velocity + (6 if loud else -4)
        steps.append(_step(kind, rng, Slot(swing(step * STEP, shuffle), kind.gate, vel, rank)))
    line = _ensure_character(kind, rng, sorted(steps, key=lambda s: s.slot.tick))
    tail = sorted(range(len(line)), key=lambda i: line[i].slot.tick)[-2:]
    answer = list(line)
    for i in tail:
        answer[i] = replace(answer[i], degree=pick(rng, kind.degrees) + 7 * (rng.random() < 0.5))
    ghosts = _ghosts(kind, line, rng_for(seed, "bass-ghosts", epoch, variant), shuffle)
    return BassLine(key, name, line, tuple(answer), ghosts, seed, epoch, variant)


def _lengths(kept: list[BassStep], pitches: list[int], kind: BassKind) -> list[int]:
    """Note lengths: legato to the next note, an overlap for a slide to another pitch (a tie
    for the same pitch), else the plain gate; never past the bar end."""
    out = []
    for i, step in enumerate(kept):
        nxt = kept[i + 1].slot.tick if i + 1 < len(kept) else TICKS_PER_BAR
        gap = nxt - step.slot.tick
        if kind.legato:
            out.append(max(1, min(gap - 1, 24)) if gap > 1 else 1)
        elif step.slide and i + 1 < len(kept):
            glide = next(t for t in SLIDE_TICKS if t > gap)
            out.append(glide if pitches[i + 1] != pitches[i] else gap)
        else:
            out.append(max(1, min(step.slot.ticks, gap)))
    return out


def bass_bar(line: BassLine, plan: BarPlan, spans: Spans, density: float) -> list[Hit]:
    """The bass hits of one bar over the chords (or bass notes) of ``spans`` at ``density``
    (0..1): each step of the line is a step above the root sounding at its tick."""
    level = plan.level("bass")
    if level == 0:
        return []
    kind = BASS_KINDS[line.kind]
    steps = line.variation if plan.phrase_pos == 3 else line.steps
    depth = (plan.bar_in_section // MUTATION_PHRASE_BARS) % MUTATION_CYCLE
    if kind.mutations and depth:
        phrase = plan.bar_in_section // MUTATION_PHRASE_BARS
        rng = rng_for(line.seed, "bass-mutation", line.epoch, line.variant, plan.section, phrase)
        steps = _reroll(steps, kind, rng, kind.mutations * depth)
    limit = _limit(density, level)
    kept = [s for s in steps if s.slot.rank <= limit]
    ghosts = [s for s in line.ghosts if s.slot.rank <= limit]
    kept = sorted(kept + ghosts, key=lambda s: s.slot.tick) if ghosts else kept
    if len(kept) == 1:  # the defining hit alone (density ~0): the root, an octave jump kept
        kept = [replace(kept[0], degree=kept[0].degree - kept[0].degree % 7)]
    spec = ROLE_SPECS["bass"]
    tonic = tonic_at_or_above(line.key, BASS_TONIC_FROM)
    pitches = [
        fold(chord_at(spans, s.slot.tick).pitch(line.key, tonic, s.degree), spec.low, spec.high)
        for s in kept
    ]
    lengths = _lengths(kept, pitches, kind)
    return [
        Hit(s.slot.tick, p, n, s.slot.velocity, s.slot.rank)
        for s, p, n in zip(kept, pitches, lengths)
    ]
