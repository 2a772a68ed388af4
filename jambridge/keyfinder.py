"""Key finding: a file's key signature when its notes agree with it, else an estimate.

:func:`estimate_key` scores the 24 major/minor keys on the pitched notes (drums never count):

1. the scale: the share of note time (durations capped at 4 beats) inside the key's scale,
   weighted so heavily that a key whose scale holds clearly fewer notes cannot win;
2. the tonic among the keys whose scales fit: the correlation of the pitch-class durations with
   the Krumhansl-Kessler profile of the key, plus the bass: how much of the time the lowest
   sounding note is the key's tonic. This is what tells A minor from C major.

Chosen by measurement (weights tuned on the 593 single-key POP909 songs that
``python -m jambridge.evaluation.key_check`` does not measure): there the plain
Krumhansl-Schmuckler correlation is right on 85% (93% counting the relative key as right), this
method on 92% (99.5%). Aarden-Essen, Albrecht-Shanahan, Temperley and Bellman-Budge profiles in
its place did no better; the first and last bars' roots added nothing there and lost on
generated techno loops.

:func:`find_key` honours the key signature a file carries (``Song.key``) unless the notes
contradict it: many files carry a sequencer's default "C major" whatever they are in (137 of
POP909's 909 files, 6% of them right), so a signature whose scale holds clearly fewer notes than
the best-fitting scale is set aside, and the finding says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jambridge.music import Key, Song

# Krumhansl & Kessler (1982) probe-tone profiles, tonic first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_KEYS = tuple(Key(t, m) for m in ("minor", "major") for t in range(12))
_PROFILES = np.array([np.roll(_MINOR if k.mode == "minor" else _MAJOR, k.tonic) for k in _KEYS])
_SCALES = np.array([[pc in k.pitch_classes for pc in range(12)] for k in _KEYS], dtype=float)
_TONICS = np.eye(12)[[k.tonic for k in _KEYS]]  # (24, 12): each key's tonic as a pitch class

SCALE_WEIGHT = 20.0  # per unit of note-time share in the scale: 5 points outweigh any profile
BASS_WEIGHT = 0.25  # the lowest notes' correlation with the tonic, beside the profile's
NOTE_CAP_BEATS = 4.0  # a held pad counts like a 4-beat note, not like a whole section
BASS_SLOT_BEATS = 0.5  # the lowest sounding note is taken every 8th note
# A key signature stands while its scale holds within this share of the note time of the
# best-fitting scale (measured on POP909's default "C major" signatures: 0.02 keeps 15 of 137).
SIGNATURE_TOLERANCE = 0.02


@dataclass(frozen=True, slots=True)
class KeyFinding:
    """A song's key and where it came from."""

    key: Key | None  # None: no signature and too little pitched material to tell
    source: str  # "key signature", "estimate" or "none"
    detail: str = ""  # why a key signature was set aside, when it was

    @property
    def text(self) -> str:
        """``"A minor (key signature)"``, ``"Bb major (estimated from the notes)"``."""
        if self.key is None:
            return "no key found (too few pitched notes)"
        where = "key signature" if self.source == "key signature" else "estimated from the notes"
        extra = f"; {self.detail}" if self.detail else ""
        return f"{self.key.name} ({where}{extra})"


def pitch_class_histogram(song: Song) -> np.ndarray:
    """Duration-weighted pitch-class histogram of every role but drums (12,); durations are
    capped at :data:`NOTE_CAP_BEATS`."""
    hist = np.zeros(12)
    for t in song.tracks:
        if t.role == "drums":
            continue
        for n in t.notes:
            hist[n.pitch % 12] += min(n.duration_beats, NOTE_CAP_BEATS)
    return hist


def bass_histogram(song: Song) -> np.ndarray:
    """How often each pitch class is the lowest sounding pitched note, sampled every
    :data:`BASS_SLOT_BEATS` (12,): the bass line, or the lowest voice where there is none."""
    notes = [n for t in song.tracks if t.role != "drums" for n in t.notes]
    if not notes:
        return np.zeros(12)
    slots = int(max(n.start_beats + min(n.duration_beats, NOTE_CAP_BEATS) for n in notes)
                / BASS_SLOT_BEATS) + 2  # fmt: skip
    lowest = np.full(slots, 128)
    for n in notes:
        a = int(n.start_beats / BASS_SLOT_BEATS)
        end = n.start_beats + min(n.duration_beats, NOTE_CAP_BEATS)
        b = max(a + 1, int(np.ceil(end / BASS_SLOT_BEATS)))
        lowest[a:b] = np.minimum(lowest[a:b], n.pitch)
    return np.bincount(lowest[lowest < 128] % 12, minlength=12).astype(float)


def _standardized(x: np.ndarray) -> np.ndarray:
    """``x`` minus its mean over the last axis, over its standard deviation (0 where flat)."""
    centred = x - x.mean(axis=-1, keepdims=True)
    std = x.std(axis=-1, keepdims=True)
    return np.divide(centred, std, out=np.zeros_like(centred), where=std > 0)


def key_scores(song: Song) -> dict[Key, float]:
    """Every key's score (see the module docstring): higher fits better."""
    hist = pitch_class_histogram(song)
    total = hist.sum()
    in_scale = _SCALES @ hist / total if total else np.zeros(len(_KEYS))
    profile = _standardized(_PROFILES) @ _standardized(hist) / 12
    bass = _standardized(_TONICS) @ _standardized(bass_histogram(song)) / 12
    scores = SCALE_WEIGHT * in_scale + profile + BASS_WEIGHT * bass
    return {k: float(s) for k, s in zip(_KEYS, scores, strict=True)}


def estimate_key(song: Song, min_weight_beats: float = 4.0) -> Key | None:
    """The best-scoring key from the notes alone, or None when there is too little pitched
    material (under ``min_weight_beats`` of notes) or nothing to tell keys apart (every pitch
    class equal)."""
    hist = pitch_class_histogram(song)
    if hist.sum() < min_weight_beats or np.ptp(hist) == 0:
        return None
    scores = key_scores(song)
    return max(scores, key=scores.__getitem__)


def krumhansl_schmuckler(song: Song, min_weight_beats: float = 4.0) -> Key | None:
    """The plain Krumhansl-Schmuckler estimate (the best profile correlation alone): the
    baseline :mod:`jambridge.evaluation.key_check` measures :func:`estimate_key` against."""
    hist = pitch_class_histogram(song)
    if hist.sum() < min_weight_beats or np.ptp(hist) == 0:
        return None
    return _KEYS[int(np.argmax(_standardized(_PROFILES) @ _standardized(hist)))]


def scale_share(song: Song, key: Key) -> float:
    """Share of the pitched note time (durations capped) inside ``key``'s scale; 1.0 when
    there is none."""
    hist = pitch_class_histogram(song)
    total = hist.sum()
    return float(hist[sorted(key.pitch_classes)].sum() / total) if total else 1.0


def find_key(song: Song, min_weight_beats: float = 4.0) -> KeyFinding:
    """The key signature (``song.key``) when the notes agree with it, else the estimate.

    A signature stands when there are too few pitched notes to judge it, or when its scale
    holds within :data:`SIGNATURE_TOLERANCE` of the note time that the best-fitting scale
    holds; its mode is taken as written.
    """
    estimate = estimate_key(song, min_weight_beats)
    signature = song.key
    if signature is not None:
        if estimate is None:
            return KeyFinding(signature, "key signature")
        share = scale_share(song, signature)
        best = max(scale_share(song, k) for k in _KEYS)
        if share >= best - SIGNATURE_TOLERANCE:
            return KeyFinding(signature, "key signature")
        detail = (
            f"the key signature says {signature.name}, but only {share:.0%} of the notes "
            f"are in its scale"
        )
        return KeyFinding(estimate, "estimate", detail)
    return KeyFinding(estimate, "estimate" if estimate else "none")


def scale_consistency(song: Song, key: Key) -> float:
    """Fraction of pitched notes (count, not duration) whose pitch class is in ``key``'s scale."""
    pcs = key.pitch_classes
    notes = [n for t in song.tracks if t.role != "drums" for n in t.notes]
    return sum(n.pitch % 12 in pcs for n in notes) / len(notes) if notes else 1.0
