"""Chords as the parts play them: a root pitch class, a seven-step scale above it, the steps
that sound.

Bass lines, stabs and arps are written in scale steps above the chord root (0 = root, 2 = third,
4 = fifth, 7 = octave); a :class:`Chord` turns a step into semitones. The procedural harmony
makes one per bar from a scale degree and a shape (:func:`diatonic_chord`: the key's scale
rotated to the degree); real harmony makes one from a root and its intervals
(:func:`chord_from_intervals`: the chord's own tones fill their steps, the key's scale the
others). So a rolling bass, an acid line or an arp written for a diatonic i plays as well over
a borrowed bVII, a POP909 sus4 or a slash chord's bass note.
"""

from __future__ import annotations

from dataclasses import dataclass

from jambridge.errors import DataError
from jambridge.music import Key
from jambridge.procedural.theory import interval

# Chord qualities as semitones above the root (14 = ninth). Names: POP909's (Harte) where it
# has them, plus the progressions' power chord, ninths, sixth-ninth and major flat-five.
QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "5": (0, 7),
    "majb5": (0, 4, 6),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "minmaj7": (0, 3, 7, 11),
    "hdim7": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9),
    "maj6": (0, 4, 7, 9),
    "min6": (0, 3, 7, 9),
    "sus4(b7)": (0, 5, 7, 10),
    "9": (0, 4, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14),
    "min9": (0, 3, 7, 10, 14),
    "add9": (0, 4, 7, 14),
    "madd9": (0, 3, 7, 14),
    "69": (0, 4, 7, 9, 14),
}
# The scale step (0..6) an interval (semitones above the root, mod 12) fills in a chord.
_STEP_OF = (0, 1, 1, 2, 2, 3, 4, 4, 4, 5, 6, 6)
# Semitones a scale step may take when the chord does not say, preferred first.
_REGION: dict[int, tuple[int, ...]] = {
    1: (2, 1), 2: (3, 4), 3: (5, 6), 4: (7, 6, 8), 5: (9, 8), 6: (10, 11)
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord as a scale above its root, and the steps of that scale that sound."""

    root: int  # pitch class 0..11 (0 = C)
    scale: tuple[int, ...]  # 7 semitone offsets above the root, ascending, scale[0] == 0
    steps: tuple[int, ...]  # chord tones as scale steps (0 root, 2 third, 4 fifth, 8 ninth...)

    def __post_init__(self) -> None:
        ok = len(self.scale) == 7 and self.scale[0] == 0 and all(0 <= s < 12 for s in self.scale)
        if not ok or not 0 <= self.root < 12 or not self.steps:
            raise DataError(f"a chord needs a root 0..11, a 7-step scale from 0 and steps: {self}")

    def interval(self, step: int) -> int:
        """Semitones from the root to scale ``step`` (7 = octave, -1 = the step below)."""
        octave, index = divmod(step, 7)
        return 12 * octave + self.scale[index]

    @property
    def pitch_classes(self) -> frozenset[int]:
        """The pitch classes the chord sounds."""
        return frozenset((self.root + self.interval(s)) % 12 for s in self.steps)

    def offset(self, key: Key, near: bool = True) -> int:
        """Semitones from the key's tonic up to the root (0..11); ``near``: -5..6, so a line
        moving to the sixth goes down a third rather than up a sixth."""
        rel = (self.root - key.tonic) % 12
        return rel - 12 if near and rel > 6 else rel

    def pitch(self, key: Key, tonic_pitch: int, step: int, near: bool = True) -> int:
        """The pitch of ``step`` counted from ``tonic_pitch`` (a pitch of the key's tonic)."""
        return tonic_pitch + self.offset(key, near) + self.interval(step)

    def rooted_at(self, pitch_class: int, key: Key) -> Chord:
        """The chord's scale re-rooted on ``pitch_class`` (a bass note under the chord); a note
        outside the scale gets a plain root-and-fifth chord on it."""
        rel = (pitch_class - self.root) % 12
        if rel not in self.scale:
            return chord_from_intervals(pitch_class, QUALITIES["5"], key)
        k = self.scale.index(rel)
        scale = tuple(sorted((s - rel) % 12 for s in self.scale))
        return Chord(pitch_class, scale, tuple(s - k for s in self.steps))


def diatonic_chord(key: Key, degree: int, steps: tuple[int, ...]) -> Chord:
    """The chord on scale ``degree`` of ``key`` whose tones are ``steps`` of the key's scale."""
    root = (key.tonic + interval(key, 0, degree)) % 12
    return Chord(root, tuple(interval(key, degree, s) for s in range(7)), tuple(steps))


def chord_from_intervals(root: int, intervals: tuple[int, ...], key: Key) -> Chord:
    """The chord on pitch class ``root`` sounding ``intervals`` (semitones above the root): its
    tones fill their scale steps, the key's scale (or a plain default) the other steps.

    Raises:
        DataError: ``root`` is not 0..11 or ``intervals`` is empty.
    """
    if not 0 <= root < 12 or not intervals:
        raise DataError(f"a chord needs a root 0..11 and intervals, got {root!r} {intervals!r}")
    filled: dict[int, int] = {0: 0}
    steps: list[int] = []
    for i in sorted(set(intervals)):
        step = _STEP_OF[i % 12]
        if step in filled and i % 12:
            continue  # a second tone on a taken step (rare): the first one stays
        filled[step] = i % 12
        steps.append(7 * (i // 12) + step)
    in_key = {(pc - root) % 12 for pc in key.pitch_classes}
    scale = [0]
    for k in range(1, 7):
        if k in filled:
            scale.append(filled[k])
            continue
        low = scale[-1]
        high = min((v for s, v in filled.items() if s > k), default=12)
        fits = [t for t in _REGION[k] if low < t < high]
        scale.append(next((t for t in fits if t in in_key), fits[0] if fits else low))
    return Chord(root, tuple(scale), tuple(steps))
