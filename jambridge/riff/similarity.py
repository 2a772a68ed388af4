"""How alike two bars of a role are, and how much of a riff recurs: the measures the riff modes
are judged by (``python -m jambridge.evaluation.riff_check``), each defined once here.

- :func:`onset_slots`: a track's onsets as 16th-grid slots 0..15 of its bar;
- :func:`onset_f1`: F1 between two slot sets (rhythm similarity; 1 when both are empty);
- :func:`pitch_class_overlap`: histogram intersection of two tracks' pitch-class (drums: kit
  piece) distributions, 0..1;
- :func:`recurrence`: the share of a riff bar's notes (pitch, onset tick) found in a bar;
- :func:`in_key_share`: the share of pitched notes in a key's scale.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np

from jambridge.evaluation.metrics import DRUM_CLASSES
from jambridge.music import GRID_PER_BEAT, Key, Note, Track

SLOTS_PER_BAR = 16  # 16ths in a 4/4 bar
_DRUM_CLASS = {k: i for i, (_, keys) in enumerate(DRUM_CLASSES) for k in keys}
OTHER_DRUM_CLASS = len(DRUM_CLASSES) - 1


def slot_of(start_beats: float) -> int:
    """The 16th slot (0..15) an onset in a bar rounds to (one just before the bar end: 15)."""
    return min(int(round(start_beats * 4)), SLOTS_PER_BAR - 1)


def onset_slots(notes: Iterable[Note]) -> frozenset[int]:
    """The 16th slots that hold an onset."""
    return frozenset(slot_of(n.start_beats) for n in notes)


def onset_f1(a: Collection[int], b: Collection[int]) -> float:
    """F1 between two onset-slot sets: 2|A and B| / (|A| + |B|); 1 when both are empty."""
    if not a and not b:
        return 1.0
    return 2 * len(set(a) & set(b)) / (len(a) + len(b))


def pitch_class(note: Note, role: str) -> int:
    """A note's pitch class 0..11, or for drums its kit piece (index into DRUM_CLASSES)."""
    return _DRUM_CLASS.get(note.pitch, OTHER_DRUM_CLASS) if role == "drums" else note.pitch % 12


def pitch_class_overlap(a: Track, b: Track) -> float:
    """Histogram intersection of the two tracks' pitch-class distributions (note counts):
    1 for the same mix of pitch classes, 0 for none in common (1 when both are empty)."""
    ha, hb = _histogram(a), _histogram(b)
    if not ha.sum() and not hb.sum():
        return 1.0
    if not ha.sum() or not hb.sum():
        return 0.0
    return float(np.minimum(ha / ha.sum(), hb / hb.sum()).sum())


def _histogram(track: Track) -> np.ndarray:
    h = np.zeros(12, dtype=np.float64)
    for n in track.notes:
        h[pitch_class(n, track.role)] += 1
    return h


def recurrence(riff: Iterable[Note], played: Iterable[Note]) -> tuple[int, int]:
    """(riff notes found in ``played``, riff notes): a note is found when ``played`` holds
    the same pitch at the same onset tick (12 per beat)."""
    have = {(n.pitch, round(n.start_beats * GRID_PER_BEAT)) for n in played}
    want = [(n.pitch, round(n.start_beats * GRID_PER_BEAT)) for n in riff]
    return sum(w in have for w in want), len(want)


def in_key_share(notes: Iterable[Note], key: Key) -> tuple[int, int]:
    """(notes whose pitch class is in ``key``'s scale, notes)."""
    pcs = [n.pitch % 12 for n in notes]
    return sum(pc in key.pitch_classes for pc in pcs), len(pcs)
