"""Drumify: a drum bar written to follow a riff bar's rhythm.

The kick and the snare play the riff's accents (:mod:`jambridge.riff.accents`): the snare
those on beats 2 and 4, the kick the others (and the downbeat, when no accent is near it).
Everything else in the kit (hats, percussion, cymbals) comes from the engine's own drum bar
for the same music when there is one, else from a rule (closed hats on the 8ths).
Four-on-the-floor is off unless asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from jambridge.music import Note, Track
from jambridge.riff.accents import AccentRules, accent_scores, accents
from jambridge.roles import default_track

KICK, SNARE, CLOSED_HAT = 36, 38, 42  # GM drum keys
LOCKED_KEYS = frozenset((35, 36, 37, 38, 39, 40))  # kicks, side stick, snares, clap
SNARE_SLOTS = frozenset((4, 12))  # beats 2 and 4
HIT_BEATS = 0.25  # drum hits last a 16th


@dataclass(frozen=True)
class DrumRules:
    """What drumify writes besides the locked kick and snare."""

    four_on_the_floor: bool = False  # a kick on every beat as well
    # A kick on the downbeat when no accent falls in the bar's first 8th and the bar has two
    # accents or more (with one, the kick would follow the rule more than the riff).
    anchor: bool = True
    hat_velocity: int = 70  # the rule's closed hats, when the engine offers no kit
    accents: AccentRules = AccentRules()


def drum_track(riff: Track, kit: Track | None = None, rules: DrumRules = DrumRules()) -> Track:
    """A drum track for one bar of ``riff`` (a pitched track): kick and snare on its accents,
    the rest of ``kit`` (the engine's drums for the bar; its kicks, snares and claps left
    out), or 8th-note hats when there is none."""
    scores = accent_scores(riff.notes, rules.accents)
    top = max(scores.values(), default=1.0)
    notes = []
    marks = accents(riff.notes, rules.accents)
    for slot in marks:
        velocity = int(round(90 + 30 * scores[slot] / top))
        notes.append(Note(SNARE if slot in SNARE_SLOTS else KICK, slot / 4, HIT_BEATS, velocity))
    if rules.anchor and len(marks) >= 2 and not any(s < 2 for s in marks):
        notes.append(Note(KICK, 0.0, HIT_BEATS, 100))
    if rules.four_on_the_floor:
        have = {n.start_beats for n in notes if n.pitch == KICK}
        notes += [Note(KICK, float(b), HIT_BEATS, 110) for b in range(4) if b not in have]
    if kit is not None:
        notes += [n for n in kit.notes if n.pitch not in LOCKED_KEYS]
    else:
        notes += [Note(CLOSED_HAT, e / 2, HIT_BEATS, rules.hat_velocity) for e in range(8)]
    template = kit if kit is not None else default_track("drums")
    return template.with_notes(notes)


def locked_notes(drums: Track) -> list[Note]:
    """A drum track's kicks, snares, side sticks and claps (what drumify locks to the riff)."""
    return [n for n in drums.notes if n.pitch in LOCKED_KEYS]
