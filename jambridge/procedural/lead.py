"""Lead: arpeggios over the chord, or a short hook that repeats with answers and variations.

A :class:`Lead` is a 4-bar phrase made once per song (and again after each break in an endless
set), written in scale steps above the chord root so it follows the progression diatonically:

- ``arp``: the chord's tones over one or two octaves, up, down, up-down, pedal (root between
  rising tones) or a fixed random order, in 16ths, 8th triplets or 16th triplets. The order's
  length need not divide the bar (a 3- or 5-note cycle over 16ths gives the polymeter techno
  loves); accents every 3, 4 or 6 notes. The phrase's last bar shifts the pattern up a tone.
- ``hook`` (3-6 notes, longer) and ``sequence`` (8-12 notes, short 16ths): a motif on
  syncopated 16ths with a stepwise contour, played call (A), response (the tail resolves
  elsewhere), call, variation (the second half moves up a third).

Density drops the notes off the 8th-note grid first, so a sparse arp still pulses. At 0 an
arp plays its notes on the beats only, and a motif its defining note (the heaviest step);
the 8ths and the motif's other core notes come in by :data:`CORE_RANK`, below every style's
and preset's default density times the lowest level factor (and the data sets' lowest), so
defaults play as they always have.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from jambridge.music import GRID_PER_BEAT, Key
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

LEVEL_DENSITY = (0.0, 0.5, 0.75, 1.0)  # density multiplier by section level 0..3
# A motif's core notes after its first, and an arp's strong notes between the beats, play
# from this limit (density times the level's factor) on; it lies below every default lead
# density and the data sets' 0.15, times the lowest level factor (0.5).
CORE_RANK = 0.05
HOOK_TONIC_FROM = 62  # a hook's tonic sits at D4..C#5
ARP_TOP = 91  # an arp's tonic is chosen so its highest tone stays near here
ARP_ORDERS: tuple[tuple[str, float], ...] = (
    ("up", 3),
    ("down", 2),
    ("updown", 2),
    ("pedal", 1),
    ("random", 2),
)
# Melodic steps of a hook's contour, in scale steps, with weights: mostly stepwise.
CONTOUR: tuple[tuple[int, float], ...] = (
    (-3, 0.5),
    (-2, 1.0),
    (-1, 3.0),
    (0, 1.5),
    (1, 3.0),
    (2, 1.0),
    (3, 0.5),
)


@dataclass(frozen=True, slots=True)
class MotifKind:
    """Settings for hooks and sequences."""

    steps: tuple[float, ...]  # weight of a note on each 16th of the bar
    notes: tuple[int, int]  # notes per bar (min, max)
    core: int  # notes kept from CORE_RANK on (the heaviest at every density)
    gate: tuple[int, int]  # note length in ticks (min, max), cut at the next note
    repeat: float  # chance the contour holds its pitch (sequences repeat more)
    velocity: int  # plain velocity


_SYNCOPATED = (0.6, 0.3, 0.8, 0.7, 0.3, 0.5, 0.9, 0.5, 0.4, 0.4, 0.8, 0.7, 0.2, 0.6, 0.7, 0.4)
MOTIF_KINDS: dict[str, MotifKind] = {
    "hook": MotifKind(_SYNCOPATED, (3, 6), 3, (3, 6), 0.1, 96),
    "sequence": MotifKind((0.8, 0.6, 0.8, 0.6) * 4, (8, 12), 5, (2, 2), 0.3, 90),
}


@dataclass(frozen=True, slots=True)
class LeadNote:
    """One note of the phrase, before it meets the bar's chord."""

    slot: Slot  # position, length, velocity, density rank
    degree: int  # hooks: scale steps above the chord root; arps: index into the chord's tones


@dataclass(frozen=True, slots=True)
class Lead:
    """The lead of one song (or one movement of an endless set)."""

    key: Key  # the song's key
    kind: str  # "arp", "hook" or "sequence"
    octaves: int  # arps: octaves the chord tones span
    phrase: tuple[tuple[LeadNote, ...], ...]  # the four bars of a phrase


def _arp_order(rng: random.Random, n: int) -> list[int]:
    order = pick(rng, ARP_ORDERS)
    if order == "up":
        return list(range(n))
    if order == "down":
        return list(range(n - 1, -1, -1))
    if order == "updown":
        return list(range(n)) + list(range(n - 2, 0, -1))
    if order == "pedal":
        return [i for k in range(1, n) for i in (0, k)]
    return [rng.randrange(n) for _ in range(rng.randint(3, 8))]


def _make_arp(style: StyleParams, rng: random.Random, shuffle: bool) -> tuple[int, tuple]:
    rate = pick(rng, style.arp_rates)
    octaves = rng.choice((1, 2, 2))
    order = _arp_order(rng, 4 * octaves)  # 4 tones a chord at most (wrapped when fewer)
    accent = rng.choice((3, 4, 6))
    strong = 12 if rate == 4 else 6  # the grid that plays from CORE_RANK on (beats at 0)
    bar = []
    for i, tick in enumerate(range(0, TICKS_PER_BAR, rate)):
        if tick % strong:
            rank = round(rng.uniform(0.1, 1.0), 3)
        else:  # the beats always, the strong grid's notes between them from CORE_RANK on
            rank = CORE_RANK if tick % GRID_PER_BEAT else 0.0
        vel = 108 if i % accent == 0 else 80 + rng.randint(-5, 5)
        slot = Slot(swing(tick, shuffle and rate == STEP), max(1, rate - 1), vel, rank)
        bar.append(LeadNote(slot, order[i % len(order)]))
    shifted = tuple(
        replace(n, degree=n.degree + 1) if n.slot.tick >= 24 else n for n in bar
    )  # the phrase's last bar climbs a tone in its second half
    return octaves, (tuple(bar), tuple(bar), tuple(bar), shifted)


def _make_motif(kind: MotifKind, rng: random.Random, shuffle: bool) -> tuple:
    chosen = choose_steps(rng, kind.steps, rng.randint(*kind.notes))
    rank_of = dict(zip(chosen, ranks(len(chosen), kind.core, CORE_RANK)))
    steps = sorted(chosen)
    degree = rng.choice((0, 2, 4))
    notes = []
    for i, step in enumerate(steps):
        if i and rng.random() >= kind.repeat:
            degree = min(9, max(-3, degree + pick(rng, CONTOUR)))
        nxt = steps[i + 1] * STEP if i + 1 < len(steps) else TICKS_PER_BAR
        gate = max(1, min(rng.randint(*kind.gate), nxt - step * STEP))
        vel = kind.velocity + (10 if i == 0 else rng.randint(-8, 6))
        slot = Slot(swing(step * STEP, shuffle), gate, vel, rank_of[step])
        notes.append(LeadNote(slot, degree))
    call = tuple(notes)
    response = tuple(
        replace(n, degree=rng.choice((0, 4, 7))) if i >= len(call) - 2 else n
        for i, n in enumerate(call)
    )
    variation = tuple(replace(n, degree=n.degree + 2) if n.slot.tick >= 24 else n for n in call)
    return call, response, call, variation


def make_lead(
    style: StyleParams, key: Key, seed: int, epoch: int, shuffle: bool, variant: int = 0
) -> Lead:
    """The lead for ``seed`` in ``style``, re-rolled per ``epoch`` and per ``variant``."""
    rng = rng_for(seed, "lead", epoch, variant)
    kind = pick(rng, style.lead_kinds)
    if kind == "arp":
        octaves, phrase = _make_arp(style, rng, shuffle)
        return Lead(key, kind, octaves, phrase)
    return Lead(key, kind, 1, _make_motif(MOTIF_KINDS[kind], rng, shuffle))


def lead_bar(lead: Lead, plan: BarPlan, spans: Spans, density: float) -> list[Hit]:
    """The lead hits of one bar over the chords of ``spans`` at ``density`` (0..1)."""
    level = plan.level("lead")
    if level == 0:
        return []
    spec = ROLE_SPECS["lead"]
    low = HOOK_TONIC_FROM if lead.kind != "arp" else ARP_TOP - 12 * lead.octaves - 12
    tonic = tonic_at_or_above(lead.key, low)
    limit = density * LEVEL_DENSITY[level] + 1e-9
    hits = []
    for note in lead.phrase[plan.phrase_pos]:
        if note.slot.rank > limit:
            continue
        chord = chord_at(spans, note.slot.tick)
        if lead.kind == "arp":
            tones = sorted({s % 7 for s in chord.steps})
            tones = [t + 7 * o for o in range(lead.octaves) for t in tones]
            octave, index = divmod(note.degree, len(tones))
            step = tones[index] + 7 * octave
        else:
            step = note.degree
        pitch = fold(chord.pitch(lead.key, tonic, step), spec.low, spec.high)
        hits.append(note.slot.hit(pitch))
    return hits
