"""Drums: a groove made once per song (layers of GM drum hits), played bar by bar.

The :class:`Groove` is what a producer programs into a drum machine: the kick pattern (four on
the floor, or a broken electro pattern), 16th closed hats with an accent shape, off-beat open
hats, a clap or snare on 2 and 4, a ride, one to three percussion layers (Euclidean rhythms on
16ths or 8th triplets: rims, claves, congas, shakers, cowbell), and quiet ghost notes. Each
layer comes in at a section level (see :mod:`~jambridge.procedural.arrangement`): kick and hats
first, then backbeat, open hats and the first percussion, then ride, more percussion, ghosts.

:func:`drum_bar` plays one bar of the groove: the last bar of each 4-bar phrase gets a small
variation, builds get a snare roll that speeds up (quarters, 8ths, 16ths, then 16th triplets),
phrase ends get a fill (rolls, tom runs, open hats, percussion breaks) over the last beat, or
the last two beats before a new section, and section starts get a crash.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from jambridge.procedural.arrangement import BarPlan
from jambridge.procedural.hits import (
    STEP,
    STEPS_PER_BAR,
    TICKS_PER_BAR,
    Hit,
    euclid,
    pick,
    rng_for,
    swing,
)
from jambridge.procedural.styles import StyleParams

KICK, RIM, SNARE, CLAP, SNARE_2 = 36, 37, 38, 39, 40
CLOSED_HAT, OPEN_HAT, CRASH, RIDE = 42, 46, 49, 51
TOMS = (50, 48, 47, 45, 43, 41)  # high tom down to low floor tom
KEEP_IN_FILLS = frozenset({KICK, CLOSED_HAT, OPEN_HAT})  # a fill replaces everything else

# Closed-hat velocity per 16th of a beat (on the beat, "e", "and", "a").
HAT_ACCENTS: tuple[tuple[int, int, int, int], ...] = (
    (70, 50, 95, 55),  # driving: the off-beat speaks
    (45, 35, 100, 40),  # off-beat only, the rest whispers
    (80, 60, 80, 60),  # even 8ths
    (85, 45, 70, 55),  # on-beat push
)
HAT_RANKS = (0.5, 0.3, 0.0, 0.35)  # which 16ths of a beat the density filter drops first
LEVEL_DENSITY = (0.0, 0.5, 0.8, 1.0)  # density multiplier by section level 0..3
FILL_WINDOW_TICKS = (0, 12, 24)  # fill length by fill size: none, last beat, last two beats
GHOST_STEPS = (3, 7, 9, 11, 14, 15)  # where ghost notes sit: around the backbeats
KICK_EXTRA_STEPS = (15, 7, 11, 14, 3)  # ghost kick just before a beat


@dataclass(frozen=True, slots=True)
class Layer:
    """One instrument line of the groove."""

    name: str  # what it is (kick, hats, open, backbeat, ride, perc, ghost, variation)
    min_level: int  # lowest section level at which it plays (1..3)
    hits: tuple[Hit, ...]  # its hits in every bar


@dataclass(frozen=True, slots=True)
class Groove:
    """The drum programming of one song (or one movement of an endless set)."""

    layers: tuple[Layer, ...]  # all layers, variation included
    backbeat: int  # GM key on beats 2 and 4
    perc_keys: tuple[int, ...]  # keys of the percussion layers (used by percussion fills)
    shuffle: bool  # whether the off-16ths swing


def _kick_layers(style: StyleParams, rng: random.Random) -> list[Layer]:
    pattern = rng.choice(style.kick_patterns)
    kicks = tuple(
        Hit(i * STEP, KICK, 2, 122 if i % 4 == 0 else 112)
        for i, c in enumerate(pattern)
        if c == "x"
    )
    layers = [Layer("kick", 1, kicks)]
    if rng.random() < style.kick_extra:
        step = rng.choice(KICK_EXTRA_STEPS)
        layers.append(Layer("kick_extra", 2, (Hit(step * STEP, KICK, 2, 84, 0.55),)))
    return layers


def _hat_layers(style: StyleParams, rng: random.Random, shuffle: bool) -> list[Layer]:
    accents = rng.choice(HAT_ACCENTS)
    hats = []
    for step in range(STEPS_PER_BAR):
        s = step % 4
        rank = 0.0 if s == 2 else min(1.0, max(0.05, HAT_RANKS[s] + rng.uniform(-0.12, 0.12)))
        vel = accents[s] + rng.randint(-4, 4)
        hats.append(Hit(swing(step * STEP, shuffle), CLOSED_HAT, 2, vel, rank))
    layers = [Layer("hats", 1, tuple(hats))]
    if rng.random() < style.open_hat:
        vel = rng.randint(86, 98)
        opens = tuple(Hit(beat * 12 + 6, OPEN_HAT, 5, vel) for beat in range(4))
        layers.append(Layer("open", 2, opens))
    return layers


def _backbeat_layers(
    style: StyleParams, rng: random.Random, backbeat: int, shuffle: bool
) -> list[Layer]:
    vel = rng.randint(100, 112)
    layers = [Layer("backbeat", 2, (Hit(12, backbeat, 3, vel), Hit(36, backbeat, 3, vel)))]
    if rng.random() < style.ride:
        rides = tuple(
            Hit(t, RIDE, 3, 84 if t % 12 else 62, 0.15 if t % 12 else 0.55)
            for t in range(0, TICKS_PER_BAR, 6)
        )
        layers.append(Layer("ride", 3, rides))
    if rng.random() < style.ghost:
        key = rng.choice((backbeat, RIM, SNARE))
        steps = rng.sample(GHOST_STEPS, rng.randint(2, 4))
        ranks = sorted(rng.uniform(0.55, 0.95) for _ in steps)
        ghosts = tuple(
            Hit(swing(s * STEP, shuffle), key, 2, rng.randint(26, 44), r)
            for s, r in zip(steps, ranks)
        )
        layers.append(Layer("ghost", 3, ghosts))
    return layers


def _perc_layers(style: StyleParams, rng: random.Random, shuffle: bool) -> list[Layer]:
    count = rng.randint(*style.perc_layers)
    keys = rng.sample(style.perc, min(count, len(style.perc)))
    layers = []
    for j, key in enumerate(keys):
        if rng.random() < style.triplet_perc:
            grid, ticks = euclid(rng.randint(3, 5), 12, rng.randrange(12)), 4
        else:
            grid, ticks = euclid(rng.randint(3, 7), STEPS_PER_BAR, rng.randrange(16)), STEP
        base = rng.randint(64, 90)
        hits = tuple(
            Hit(
                swing(i * ticks, shuffle),
                key,
                2,
                base + (12 if n == 0 else rng.randint(-6, 6)),
                min(1.0, 0.1 + 0.3 * j + rng.uniform(0.0, 0.2)),
            )
            for n, i in enumerate(i for i, on in enumerate(grid) if on)
        )
        layers.append(Layer("perc", 2 if j == 0 else 3, hits))
    return layers


def _variation_layer(rng: random.Random, groove_keys: tuple[int, ...], backbeat: int) -> Layer:
    """Extra hits for the last bar of a 4-bar phrase: an open hat, a pickup or a perc answer."""
    options = (
        (Hit(45, OPEN_HAT, 5, 90, 0.2),),
        (Hit(45, backbeat, 2, 70, 0.2),),
        (Hit(42, backbeat, 2, 55, 0.3), Hit(45, backbeat, 2, 80, 0.2)),
        tuple(Hit(t, k, 2, 80, 0.25) for t, k in ((39, groove_keys[0]), (45, groove_keys[-1]))),
    )
    return Layer("variation", 2, rng.choice(options))


def make_groove(
    style: StyleParams, seed: int, epoch: int, shuffle: bool, variant: int = 0
) -> Groove:
    """The drum programming for ``seed`` in ``style``; ``epoch`` (a new movement) and
    ``variant`` (a producer asking for new drums) re-roll it."""
    rng = rng_for(seed, "drums", epoch, variant)
    backbeat = pick(rng, style.backbeat)
    layers = _kick_layers(style, rng)
    layers += _hat_layers(style, rng, shuffle)
    layers += _backbeat_layers(style, rng, backbeat, shuffle)
    perc = _perc_layers(style, rng, shuffle)
    layers += perc
    perc_keys = tuple(layer.hits[0].pitch for layer in perc if layer.hits) or (RIM,)
    layers.append(_variation_layer(rng, perc_keys, backbeat))
    return Groove(tuple(layers), backbeat, perc_keys, shuffle)


def _build_roll(plan: BarPlan, key: int) -> list[Hit]:
    """A roll that speeds up through the build: quarters, 8ths, 16ths, then 16th triplets."""
    p = plan.progress
    rate = 12 if p <= 0.25 else 6 if p <= 0.5 else STEP
    ticks = list(range(0, TICKS_PER_BAR, rate))
    if p >= 1.0:
        ticks = [t for t in ticks if t < 36] + list(range(36, TICKS_PER_BAR, 2))
    return [Hit(t, key, 2, int(48 + 50 * p + 20 * t / TICKS_PER_BAR)) for t in ticks]


def _fill(kind: str, size: int, groove: Groove) -> list[Hit]:
    """The fill of ``kind`` over the last ``FILL_WINDOW_TICKS[size]`` ticks, louder as it goes."""
    start = TICKS_PER_BAR - FILL_WINDOW_TICKS[size]
    rate = 2 if kind == "triplet_roll" else STEP
    ticks = list(range(start, TICKS_PER_BAR, rate))
    keys = {
        "snare_roll": (SNARE,),
        "clap_roll": (CLAP,),
        "triplet_roll": (SNARE_2,),
        "open_hats": (OPEN_HAT,),
        "perc_break": groove.perc_keys[:2],
        "tom_run": TOMS,
    }[kind]
    hits = []
    for i, t in enumerate(ticks):
        key = keys[i * len(keys) // len(ticks)] if kind == "tom_run" else keys[i % len(keys)]
        hits.append(Hit(t, key, 2, 62 + 55 * (i + 1) // len(ticks)))
    return hits


def drum_bar(
    groove: Groove, style: StyleParams, plan: BarPlan, density: float, seed: int
) -> list[Hit]:
    """The drum hits of one bar at ``density`` (0..1): groove layers for the bar's level,
    phrase variation, build roll, fill, crash, and no kick where the plan drops it."""
    level = plan.level("drums")
    if level == 0:
        return []
    rng = rng_for(seed, "drums-bar", plan.index)
    hits: list[Hit] = []
    active = {layer.name for layer in groove.layers if layer.min_level <= level}
    for layer in groove.layers:
        if layer.name not in active:
            continue
        if layer.name == "variation" and (plan.phrase_pos != 3 or plan.fill):
            continue
        hits.extend(layer.hits)
    if "open" in active:  # the open hat chokes the closed one on the off-beat
        hits = [h for h in hits if not (h.pitch == CLOSED_HAT and h.tick % 12 == 6)]
    hits = [h for h in hits if h.rank <= density * LEVEL_DENSITY[level] + 1e-9]
    hits = [Hit(h.tick, h.pitch, h.ticks, h.velocity + rng.randint(-4, 3)) for h in hits]
    if plan.section == "build":
        roll_key = groove.backbeat if groove.backbeat in (SNARE, CLAP, SNARE_2) else SNARE
        hits += _build_roll(plan, roll_key)
    if plan.fill:
        start = TICKS_PER_BAR - FILL_WINDOW_TICKS[plan.fill]
        hits = [h for h in hits if h.tick < start or h.pitch in KEEP_IN_FILLS]
        kind = pick(rng_for(seed, "fill", plan.index), style.fills)
        hits += _fill(kind, plan.fill, groove)
    if not plan.kick:
        hits = [h for h in hits if h.pitch != KICK]
    if plan.crash:
        hits.append(Hit(0, CRASH, 12, 108))
    return hits
