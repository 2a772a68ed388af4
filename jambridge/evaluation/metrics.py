"""Musical metrics on plain arrays: the definitions, once, each checked by a known-answer test.

Times are grid ticks (:data:`~jambridge.music.GRID_PER_BEAT` = 12 per beat, 48 per 4/4 bar),
pitches MIDI note numbers. Every function takes the notes of one role (or of several pitched
roles together) over a stretch of whole bars, with onsets counted from the stretch's first bar.

The MMT metrics (Dong et al. 2023, "Multitrack Music Transformer") follow muspy's definitions,
reimplemented here (muspy is not a dependency):

- :func:`pitch_class_entropy`: Shannon entropy (bits) of the pitch-class histogram; 0 for one
  pitch class, log2(12) = 3.585 for all twelve equally often.
- :func:`scale_consistency`: the largest share of notes inside one of the 24 major / natural minor
  scales (C major and A minor are the same set, so 12 distinct sets).
- :func:`groove_consistency`: 1 - (hamming distance between the onset patterns of neighbouring
  bars, summed) / (positions per bar x (bars - 1)).
- :func:`polyphony`: mean number of notes sounding over the ticks where at least one sounds.

Ours: :func:`four_on_the_floor` (a GM kick, 35 or 36, on each of the four beats), notes per bar,
pitch range, mean inter-onset interval, onset-position and pitch-class (drums: kit-piece)
histograms.
"""

from __future__ import annotations

import numpy as np

from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT

TICKS_PER_BAR = BEATS_PER_BAR * GRID_PER_BEAT  # 48 onset positions in a bar
BEAT_TICKS = tuple(b * GRID_PER_BEAT for b in range(BEATS_PER_BAR))  # 0, 12, 24, 36
KICK_KEYS = (35, 36)  # GM acoustic bass drum, bass drum 1

# Scales as pitch-class offsets from the tonic (muspy's "minor" is the natural minor).
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
# (24, 12) membership matrix: row = (mode, tonic), column = pitch class.
_SCALE_MATRIX = np.array(
    [[(pc - tonic) % 12 in offsets for pc in range(12)]
     for offsets in SCALES.values() for tonic in range(12)],
    dtype=np.float64,
)  # fmt: skip

# Drum kit pieces: a drum track's "pitch classes". GM keys not listed count as "other".
DRUM_CLASSES: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("kick", (35, 36)),
    ("snare/clap", (37, 38, 39, 40)),
    ("closed hat", (42, 44)),
    ("open hat", (46,)),
    ("tom", (41, 43, 45, 47, 48, 50)),
    ("crash", (49, 52, 55, 57)),
    ("ride", (51, 53, 59)),
    ("other", ()),
)
_DRUM_CLASS_OF = np.full(128, len(DRUM_CLASSES) - 1, dtype=np.int64)
for _i, (_name, _keys) in enumerate(DRUM_CLASSES):
    _DRUM_CLASS_OF[list(_keys)] = _i


def _normalized(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total > 0 else np.full(counts.shape, np.nan)


def drum_class(key: int) -> int:
    """Index in :data:`DRUM_CLASSES` of a GM drum key."""
    return int(_DRUM_CLASS_OF[key])


def pitch_class_histogram(pitches: np.ndarray) -> np.ndarray:
    """Share of notes per pitch class (12,), summing to 1; all NaN when there are no notes."""
    return _normalized(np.bincount(np.asarray(pitches, dtype=np.int64) % 12, minlength=12) * 1.0)


def drum_class_histogram(keys: np.ndarray) -> np.ndarray:
    """Share of hits per kit piece of :data:`DRUM_CLASSES` (8,); all NaN when there are none."""
    classes = _DRUM_CLASS_OF[np.asarray(keys, dtype=np.int64)]
    return _normalized(np.bincount(classes, minlength=len(DRUM_CLASSES)) * 1.0)


def onset_position_histogram(onset_ticks: np.ndarray) -> np.ndarray:
    """Share of distinct onsets per position in the bar (48,); all NaN when there are none."""
    onsets = np.unique(np.asarray(onset_ticks, dtype=np.int64))
    return _normalized(np.bincount(onsets % TICKS_PER_BAR, minlength=TICKS_PER_BAR) * 1.0)


def pitch_class_entropy(pitches: np.ndarray) -> float:
    """Entropy in bits of the pitch-class histogram; NaN when there are no notes."""
    hist = pitch_class_histogram(pitches)
    if np.isnan(hist).any():
        return float("nan")
    p = hist[hist > 0]
    return float(-(p * np.log2(p)).sum()) + 0.0  # + 0.0: no "-0.0" for one pitch class


def scale_consistency(pitches: np.ndarray) -> float:
    """Largest share of notes in one major or natural-minor scale; NaN when there are none."""
    hist = pitch_class_histogram(pitches)
    if np.isnan(hist).any():
        return float("nan")
    return float((_SCALE_MATRIX @ hist).max())


def in_scale_share(pitches: np.ndarray, pitch_classes) -> float:
    """Share of notes whose pitch class is in ``pitch_classes`` (e.g. ``Key.pitch_classes``)."""
    pitches = np.asarray(pitches, dtype=np.int64)
    if pitches.size == 0:
        return float("nan")
    return float(np.isin(pitches % 12, list(pitch_classes)).mean())


def onset_patterns(onset_ticks: np.ndarray, n_bars: int) -> np.ndarray:
    """Boolean (n_bars, 48): which positions of each bar have at least one onset."""
    ticks = np.asarray(onset_ticks, dtype=np.int64)
    patterns = np.zeros((n_bars, TICKS_PER_BAR), dtype=bool)
    ticks = ticks[(ticks >= 0) & (ticks < n_bars * TICKS_PER_BAR)]
    patterns[ticks // TICKS_PER_BAR, ticks % TICKS_PER_BAR] = True
    return patterns


def groove_consistency(onset_ticks: np.ndarray, n_bars: int) -> float:
    """muspy's groove consistency over ``n_bars`` bars; NaN for fewer than 2 bars."""
    if n_bars < 2:
        return float("nan")
    patterns = onset_patterns(onset_ticks, n_bars)
    hamming = np.count_nonzero(patterns[:-1] != patterns[1:])
    return 1.0 - hamming / (TICKS_PER_BAR * (n_bars - 1))


def polyphony(onset_ticks: np.ndarray, duration_ticks: np.ndarray) -> float:
    """Mean number of notes sounding over the ticks where at least one sounds; NaN if none."""
    starts = np.asarray(onset_ticks, dtype=np.int64)
    if starts.size == 0:
        return float("nan")
    ends = starts + np.maximum(np.asarray(duration_ticks, dtype=np.int64), 1)
    origin = starts.min()
    diff = np.zeros(int(ends.max() - origin) + 1, dtype=np.int64)
    np.add.at(diff, starts - origin, 1)
    np.add.at(diff, ends - origin, -1)
    sounding = np.cumsum(diff)
    return float(sounding.sum() / np.count_nonzero(sounding))


def pitch_range(pitches: np.ndarray) -> float:
    """Highest minus lowest pitch, in semitones; NaN when there are no notes."""
    pitches = np.asarray(pitches)
    return float(pitches.max() - pitches.min()) if pitches.size else float("nan")


def mean_inter_onset_beats(onset_ticks: np.ndarray) -> float:
    """Mean time between consecutive distinct onsets, in beats; NaN for fewer than 2 onsets."""
    onsets = np.unique(np.asarray(onset_ticks, dtype=np.int64))
    if onsets.size < 2:
        return float("nan")
    return float(np.diff(onsets).mean() / GRID_PER_BEAT)


def four_on_the_floor(kick_ticks: np.ndarray) -> bool:
    """True when kick onsets (ticks in one bar) fall on all four beats of the 12-per-beat grid."""
    return set(BEAT_TICKS) <= set(np.asarray(kick_ticks, dtype=np.int64).tolist())
