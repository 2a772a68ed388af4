"""A riff bar's accents: the 16ths that stand out, where drumify puts the kick and the snare.

Each 16th that holds an onset scores its loudest velocity (against the bar's loudest), its
longest note (up to a beat), where it falls in the bar (the downbeat, then the beats, then the
8ths) and whether it follows a rest; the slots scoring at least the bar's mean are accents,
the best :attr:`AccentRules.most` of them at most.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jambridge.music import Note
from jambridge.riff.similarity import slot_of


@dataclass(frozen=True)
class AccentRules:
    """Weights of an onset's accent score (velocity share 0..1 counts 1)."""

    length: float = 0.5  # times the longest note's length in beats, up to 1 beat
    downbeat: float = 0.6  # slot 0
    beat: float = 0.3  # slots 4, 8, 12
    eighth: float = 0.15  # the 8ths between the beats
    after_rest: float = 0.2  # nothing sounds in the 8th before the onset
    most: int = 6  # accents per bar at most (a busy riff is not all accents)


def accent_scores(notes: Iterable[Note], rules: AccentRules = AccentRules()) -> dict[int, float]:
    """16th slot -> accent score, for every slot of the bar that holds an onset."""
    notes = list(notes)
    if not notes:
        return {}
    loudest = max(n.velocity for n in notes)
    out: dict[int, float] = {}
    for slot in sorted({slot_of(n.start_beats) for n in notes}):
        here = [n for n in notes if slot_of(n.start_beats) == slot]
        start = slot / 4
        rested = not any(
            n.start_beats < start - 1e-6 and n.end_beats > start - 0.5 for n in notes
        )  # fmt: skip
        out[slot] = (
            max(n.velocity for n in here) / loudest
            + rules.length * min(max(n.duration_beats for n in here), 1.0)
            + _metric_weight(slot, rules)
            + (rules.after_rest if rested else 0.0)
        )
    return out


def _metric_weight(slot: int, rules: AccentRules) -> float:
    if slot == 0:
        return rules.downbeat
    if slot % 4 == 0:
        return rules.beat
    return rules.eighth if slot % 2 == 0 else 0.0


def accents(notes: Iterable[Note], rules: AccentRules = AccentRules()) -> tuple[int, ...]:
    """The bar's accented 16th slots (0..15), in order: those scoring at least the mean,
    the :attr:`~AccentRules.most` best of them (earlier first on a tie)."""
    scores = accent_scores(notes, rules)
    if not scores:
        return ()
    mean = sum(scores.values()) / len(scores)
    ranked = sorted((s for s, v in scores.items() if v >= mean - 1e-9), key=lambda s: -scores[s])
    return tuple(sorted(ranked[: rules.most]))
