"""Key estimation (Krumhansl-Schmuckler): correlate a duration-weighted pitch-class histogram of
the pitched roles with the 24 rotated major/minor key profiles."""

from __future__ import annotations

import numpy as np

from jambridge.music import Key, Song

# Krumhansl & Kessler (1982) probe-tone profiles, tonic first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_PROFILES = [
    (Key(t, m), np.roll(p, t)) for m, p in (("minor", _MINOR), ("major", _MAJOR)) for t in range(12)
]


def pitch_class_histogram(song: Song) -> np.ndarray:
    """Duration-weighted pitch-class histogram of every role but drums (12,)."""
    hist = np.zeros(12)
    for t in song.tracks:
        if t.role == "drums":
            continue
        for n in t.notes:
            hist[n.pitch % 12] += min(n.duration_beats, 4.0)
    return hist


def estimate_key(song: Song, min_weight_beats: float = 4.0) -> Key | None:
    """The best-correlating key, or None when there is too little pitched material (under
    ``min_weight_beats`` of notes) or nothing to tell keys apart (every pitch class equal)."""
    hist = pitch_class_histogram(song)
    if hist.sum() < min_weight_beats or np.ptp(hist) == 0:
        return None
    scores = [float(np.corrcoef(hist, p)[0, 1]) for _, p in _PROFILES]
    return _PROFILES[int(np.argmax(scores))][0]


def scale_consistency(song: Song, key: Key) -> float:
    """Fraction of pitched notes (count, not duration) whose pitch class is in ``key``'s scale."""
    pcs = key.pitch_classes
    notes = [n for t in song.tracks if t.role != "drums" for n in t.notes]
    return sum(n.pitch % 12 in pcs for n in notes) / len(notes) if notes else 1.0
