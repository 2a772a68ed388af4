"""Chords: a progression of scale degrees, a chord shape, and a way of playing it.

:class:`Harmony` is made once per song (and again after each break in an endless set): a
progression from the style (static one-chord grooves, i-VI-VII moves, i-iv dub swings), one for
breaks, how many bars each chord lasts, a shape (minor 7th, sus, quartal, dub chord...) and a
kind from :data:`CHORD_KINDS`:

- ``stab``: short, syncopated hits on off-beats and 16ths, never on the kick;
- ``dub``: one or two chords with long tails, repeated as echoes (dotted 8th, 8th or quarter
  delay) that fade away, like a delay send on a Basic Channel chord;
- ``offbeat``: the house organ: a chord on every off-beat;
- ``pad``: one soft chord held through the bar (intros and breaks use it whatever the kind),
  struck again on beat 3 at the busiest density.

Density thins each kind down to its defining hit: at 0 each chord plays only the rhythm's
leading stab (the loudest, on its heaviest step), with no echoes, and a pad is held, not
struck again; the kind's other core hits come in by :data:`CORE_RANK`, below every style's
and preset's default density, so defaults play as they always have; the extra stabs and
echoes follow up to 1.

:func:`chord_bar` voices the bar's chord around the kind's centre pitch, picking the inversion
closest to it so the chords move smoothly. The last bar of each 4-bar phrase moves or adds one
stab (the phrase's answer).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from jambridge.music import GRID_PER_BEAT, Key
from jambridge.procedural.arrangement import BarPlan
from jambridge.procedural.chord import Chord, diatonic_chord
from jambridge.procedural.given import Spans, span_end
from jambridge.procedural.hits import (
    STEP,
    TICKS_PER_BAR,
    Hit,
    Slot,
    choose_steps,
    pick,
    ranks,
    rng_for,
    swing,
)
from jambridge.procedural.styles import StyleParams
from jambridge.procedural.theory import SHAPES, chord_steps, shape_fits, tonic_at_or_above, voice
from jambridge.roles import ROLE_SPECS

LEVEL_DENSITY = (0.0, 1.0, 0.7, 1.0)  # density multiplier by level (level 1 is a pad anyway)
# The core's hits after the first play from this density on (spread over (0, CORE_RANK]); it
# lies below every default chord density times its level's factor (0.2 x 0.7 at the lowest).
CORE_RANK = 0.1
OPEN_SHAPES = frozenset({"dub", "quartal"})  # shapes voiced open: a given chord's third a tenth


@dataclass(frozen=True, slots=True)
class ChordKind:
    """How chords are played: rhythm weights, lengths, echoes, loudness, register."""

    steps: tuple[float, ...]  # weight of a hit on each of the bar's 16 sixteenths
    hits: tuple[int, int]  # how many hits per bar (min, max)
    core: int  # how many of them play from CORE_RANK on (the first at every density)
    gate: tuple[int, int]  # hit length in ticks (min, max)
    velocity: int  # velocity of the main hit
    center: int  # pitch the voicing's mean sits near
    echoes: int = 0  # echo repeats after each hit (0: none)
    echo_ticks: tuple[int, ...] = (9,)  # echo delays to draw from (9 = dotted 8th)
    echo_decay: float = 1.0  # velocity factor per echo


_OFF = (0.0, 0.0, 1.0, 0.15)
CHORD_KINDS: dict[str, ChordKind] = {
    "stab": ChordKind(
        steps=(0.05, 0.3, 0.9, 0.5, 0.1, 0.4, 0.8, 0.6, 0.05, 0.3, 0.9, 0.5, 0.1, 0.5, 0.7, 0.6),
        hits=(2, 5),
        core=2,
        gate=(2, 4),
        velocity=100,
        center=64,
    ),
    "dub": ChordKind(
        steps=(0.0, 0.3, 0.9, 0.6, 0.0, 0.3, 0.6, 0.3, 0.0, 0.2, 0.5, 0.3, 0.0, 0.1, 0.2, 0.1),
        hits=(1, 2),
        core=1,
        gate=(6, 10),
        velocity=98,
        center=60,
        echoes=3,
        echo_ticks=(9, 6, 12),
        echo_decay=0.62,
    ),
    "offbeat": ChordKind(
        steps=_OFF * 4,
        hits=(4, 5),
        core=4,
        gate=(3, 4),
        velocity=92,
        center=65,
    ),
    "pad": ChordKind(
        steps=(1.0,) + (0.0,) * 7 + (0.5,) + (0.0,) * 7,  # held; struck again on beat 3 at 1
        hits=(2, 2),
        core=1,
        gate=(TICKS_PER_BAR, TICKS_PER_BAR),
        velocity=66,
        center=62,
    ),
}


@dataclass(frozen=True, slots=True)
class Harmony:
    """The chords of one song (or one movement of an endless set)."""

    key: Key  # the song's key
    progression: tuple[int, ...]  # chord roots (scale degrees) outside breaks
    break_progression: tuple[int, ...]  # chord roots in breaks
    chord_bars: int  # bars each chord lasts
    shape: str  # a key of theory.SHAPES
    kind: str  # a key of CHORD_KINDS: how chords play in builds and drops
    rhythm: tuple[Slot, ...]  # the kind's hits, echoes included
    variation: tuple[Slot, ...]  # the same for the last bar of a 4-bar phrase
    pad: tuple[Slot, ...]  # the pad's hit (intros, breaks)

    def chord_at(self, plan: BarPlan) -> Chord:
        """The chord of the progression in the bar of ``plan``, in the song's shape."""
        prog = self.break_progression if plan.section == "break" else self.progression
        root = prog[(plan.bar_in_section // self.chord_bars) % len(prog)]
        return diatonic_chord(self.key, root, chord_steps(self.key, root, self.shape))

    def styled(self, chord: Chord) -> Chord:
        """A given chord voiced like the song's shape: open shapes (dub, quartal) lift its second
        and third an octave (root-fifth-seventh-tenth); others keep its close stack. The pitch
        classes stay the chord's."""
        if self.shape not in OPEN_SHAPES:
            return chord
        steps = sorted(s + 7 if 0 < s < 3 else s for s in chord.steps)
        return replace(chord, steps=tuple(steps))


def _rhythm(kind: ChordKind, rng: random.Random, shuffle: bool) -> tuple[Slot, ...]:
    count = rng.randint(*kind.hits)
    steps = choose_steps(rng, kind.steps, count)
    gate = rng.randint(*kind.gate)
    delay = rng.choice(kind.echo_ticks)
    slots = []
    for i, (step, rank) in enumerate(zip(steps, ranks(len(steps), kind.core, CORE_RANK))):
        tick = swing(step * STEP, shuffle)
        vel = kind.velocity + (6 if i == 0 else rng.randint(-10, 0))
        slots.append(Slot(tick, gate, vel, rank))
        for e in range(1, kind.echoes + 1):
            t = tick + e * delay
            if t >= TICKS_PER_BAR:
                break
            tail = gate * 2 if e == kind.echoes else min(gate, delay)
            echo_rank = min(1.0, max(rank, e / (kind.echoes + 1)))
            slots.append(Slot(t, tail, int(vel * kind.echo_decay**e), echo_rank))
    return tuple(sorted(slots, key=lambda s: s.tick))


def _vary(slots: tuple[Slot, ...], rng: random.Random, kind: ChordKind) -> tuple[Slot, ...]:
    """The phrase's answer: the last stab moves by a 16th, or one is added near the bar end."""
    if kind.echoes or not slots:
        return slots
    last = slots[-1]
    if rng.random() < 0.5 and last.tick + STEP < TICKS_PER_BAR:
        return (*slots[:-1], Slot(last.tick + STEP, last.ticks, last.velocity, last.rank))
    extra = Slot(rng.choice((39, 42, 45)), 2, kind.velocity - 8, 0.3)
    return tuple(sorted((*slots, extra), key=lambda s: s.tick))


def make_harmony(
    style: StyleParams, key: Key, seed: int, epoch: int, shuffle: bool, variant: int = 0
) -> Harmony:
    """The chords for ``seed`` in ``style``: the progression is the song's (epoch 0); rhythm,
    shape and kind are re-rolled per ``epoch`` and per ``variant`` (new chords asked for)."""
    song = rng_for(seed, "harmony")
    usable = [
        p for p in style.progressions if all(shape_fits(key, d, SHAPES["triad"]) for d in p)
    ] or [(0,)]
    progression = song.choice(usable)
    break_progression = song.choice(usable)
    chord_bars = song.choice(style.chord_bars)
    rng = rng_for(seed, "harmony", epoch, variant)
    kind_name = pick(rng, style.chord_kinds)
    kind = CHORD_KINDS[kind_name]
    rhythm = _rhythm(kind, rng, shuffle)
    return Harmony(
        key=key,
        progression=progression,
        break_progression=break_progression,
        chord_bars=chord_bars,
        shape=pick(rng, style.chord_shapes),
        kind=kind_name,
        rhythm=rhythm,
        variation=_vary(rhythm, rng, kind),
        pad=_rhythm(CHORD_KINDS["pad"], rng, False),
    )


def _cover(slots: list[Slot], spans: Spans) -> list[Slot]:
    """``slots`` with the bar's rhythm repeated into each chord span that has no hit, in the
    same place in the beat (so every chord of the bar sounds)."""
    if not slots:
        return slots
    first = min(s.tick for s in slots)
    phase = first % GRID_PER_BEAT
    out = list(slots)
    for i, span in enumerate(spans):
        end = span_end(spans, i)
        if any(span.tick <= s.tick < end for s in out):
            continue
        moved = (replace(s, tick=span.tick + phase + s.tick - first) for s in slots)
        out += [s for s in moved if s.tick < end]
    return sorted(out, key=lambda s: s.tick)


def chord_bar(harmony: Harmony, plan: BarPlan, spans: Spans, density: float) -> list[Hit]:
    """The chord hits of one bar over the chords of ``spans`` at ``density`` (0..1); a pad at
    level 1. With more than one chord in the bar, each sounds and is cut where the next begins."""
    level = plan.level("chords")
    if level == 0:
        return []
    kind = CHORD_KINDS["pad" if level == 1 else harmony.kind]
    if level == 1:
        slots = harmony.pad
    else:
        slots = harmony.variation if plan.phrase_pos == 3 else harmony.rhythm
    spec = ROLE_SPECS["chords"]
    tonic = tonic_at_or_above(harmony.key, spec.low)
    limit = density * LEVEL_DENSITY[level] + 1e-9
    kept = [s for s in slots if s.rank <= limit]
    if len(spans) > 1:
        kept = _cover(kept, spans)
    hits = []
    for i, span in enumerate(spans):
        end = span_end(spans, i)
        c = span.chord
        pitches = [c.pitch(harmony.key, tonic, s, near=False) for s in c.steps]
        chord = voice(pitches, kind.center, spec.low, spec.high)
        for s in kept:
            if span.tick <= s.tick < end:
                ticks = s.ticks if len(spans) == 1 else min(s.ticks, end - s.tick)
                hits += [Hit(s.tick, p, ticks, s.velocity, s.rank) for p in chord]
    return hits
