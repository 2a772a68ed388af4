"""Scale-degree arithmetic: every pitched note of the generator is made here, so all are in key.

Parts think in scale steps (degrees) above a chord root, never in semitones: a degree becomes a
pitch only through :func:`degree_pitch`, which walks the key's scale. Chords are stacks of scale
steps (:data:`SHAPES`); :func:`chord_steps` checks that a shape sounds right on a given degree
(perfect fifth, no tritone fourth, no minor ninth) and falls back to a plainer shape when not.
"""

from __future__ import annotations

from jambridge.music import Key

# Chord shapes as scale steps above the root (0 = root, 2 = third, 4 = fifth, 6 = seventh,
# 7 = octave, 8 = ninth, 9 = tenth). Diatonic, so they take the key's colour on every degree.
SHAPES: dict[str, tuple[int, ...]] = {
    "triad": (0, 2, 4),  # plain minor / major triad
    "m7": (0, 2, 4, 6),  # seventh chord: the classic Detroit minor-7th stab on i
    "m9": (0, 2, 4, 6, 8),  # seventh plus ninth: lush, for dub and house
    "sus": (0, 3, 4),  # suspended fourth: no third, ambiguous and hypnotic
    "dub": (0, 4, 6, 9),  # root-fifth-seventh-tenth spread: the Basic Channel chord
    "quartal": (0, 3, 6, 9),  # stacked fourths: the open Detroit stab
    "fifth": (0, 4, 7),  # root-fifth-octave: plainest fallback
    "octave": (0, 7),  # always fits
}
_FALLBACK = ("m7", "triad", "fifth", "octave")  # tried in order when a shape does not fit

# Semitones a scale step may span above the root (by step modulo 7) for a chord tone to sound
# right: perfect fourth and fifth only, seconds only major (no minor ninth).
_GOOD_INTERVALS: dict[int, frozenset[int]] = {
    0: frozenset({0}),
    1: frozenset({2}),
    2: frozenset({3, 4}),
    3: frozenset({5}),
    4: frozenset({7}),
    5: frozenset({8, 9}),
    6: frozenset({10, 11}),
}


def scale_offsets(key: Key) -> tuple[int, ...]:
    """The key's seven scale tones as semitones above the tonic, ascending."""
    return tuple(sorted((pc - key.tonic) % 12 for pc in key.pitch_classes))


def degree_pitch(key: Key, tonic_pitch: int, degree: int) -> int:
    """The pitch of scale ``degree`` (0 = tonic, 7 = tonic an octave up, -1 = the step below)
    counted from ``tonic_pitch`` (a pitch whose class is the key's tonic)."""
    octave, index = divmod(degree, 7)
    return tonic_pitch + 12 * octave + scale_offsets(key)[index]


def tonic_at_or_above(key: Key, pitch: int) -> int:
    """The lowest pitch >= ``pitch`` whose pitch class is the key's tonic."""
    return pitch + (key.tonic - pitch) % 12


def interval(key: Key, root: int, steps: int) -> int:
    """Semitones spanned by ``steps`` scale steps above degree ``root``."""
    return degree_pitch(key, 0, root + steps) - degree_pitch(key, 0, root)


def shape_fits(key: Key, root: int, shape: tuple[int, ...]) -> bool:
    """Whether ``shape`` on degree ``root`` has only good intervals (see module docstring)."""
    return all(interval(key, root, s) % 12 in _GOOD_INTERVALS[s % 7] for s in shape)


def chord_steps(key: Key, root: int, shape: str) -> tuple[int, ...]:
    """The steps of ``shape`` on degree ``root``, or of the first fallback shape that fits."""
    for name in (shape, *_FALLBACK):
        steps = SHAPES[name]
        if shape_fits(key, root, steps):
            return steps
    return SHAPES["octave"]


def voice(pitches: list[int], center: int, low: int, high: int) -> tuple[int, ...]:
    """A voicing of ``pitches`` (any octave) inside ``low..high`` whose mean is nearest
    ``center``: every inversion at every octave is tried."""
    base = sorted(pitches)
    best: tuple[float, tuple[int, ...]] | None = None
    for inversion in range(len(base)):
        chord = sorted(base[inversion:] + [p + 12 for p in base[:inversion]])
        for shift in range(-48, 49, 12):
            cand = tuple(p + shift for p in chord)
            if cand[0] < low or cand[-1] > high:
                continue
            cost = abs(sum(cand) / len(cand) - center)
            if best is None or cost < best[0]:
                best = (cost, cand)
    if best is None:  # wider than the range: fold each note in on its own
        folded = set()
        for p in base:
            while p < low:
                p += 12
            while p > high:
                p -= 12
            folded.add(p)
        return tuple(sorted(folded))
    return best[1]
