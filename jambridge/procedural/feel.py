"""Feel: how the parts are played rather than what: swing, human timing, velocity.

A :class:`Feel` is applied to a bar's notes after the parts wrote them on the 12-per-beat grid,
so the music on the grid is the same with or without it:

- ``swing``: the off-16ths (the "e" and "a" of each beat) come late, so that the first 16th of
  each 8th takes ``swing`` of it: 0.5 is straight, 0.54-0.62 the drum-machine swing of house,
  0.667 a triplet shuffle. It moves notes off the grid by ``(swing - 0.5) / 2`` beats.
- ``timing_beats``: every note moves by a small random offset (normal, clipped), the kick by
  half as much: a human or a loose machine.
- ``velocity``: every velocity moves by a small random amount (normal); accents, ghost notes
  and hat patterns keep their shape.

Notes stay inside their bar and never overlap a note of the same pitch.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from jambridge.errors import DataError
from jambridge.groove import SWING_RANGE  # straight .. dotted-16th shuffle
from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT, ROLES, Note
from jambridge.procedural.hits import rng_for
from jambridge.procedural.styles import StyleParams

TIMING_LIMIT_BEATS = 0.05  # no timing offset is larger (25 ms at 120 BPM)
VELOCITY_SD = 4.0  # the velocity jitter of a style's feel at human = 1
KICK = 36  # the kick is the anchor: it moves half as much as the rest
MIN_BEATS = 1 / 96  # the shortest note a feel leaves


@dataclass(frozen=True)
class Feel:
    """Swing, timing and velocity humanization of the generated notes."""

    swing: float = 0.5  # share of each 8th its first 16th takes: 0.5 straight, 0.58 house
    timing_beats: float = 0.0  # sd of each note's random timing offset in beats (0.01: 5 ms)
    velocity: float = 0.0  # sd of each note's random velocity change
    swing_roles: tuple[str, ...] = ROLES  # the roles that swing (a drum machine swings all)

    def __post_init__(self) -> None:
        checks = (
            ("swing", SWING_RANGE[0] <= self.swing <= SWING_RANGE[1], "in range 0.5..0.75"),
            ("timing_beats", 0 <= self.timing_beats <= TIMING_LIMIT_BEATS, "in range 0..0.05"),
            ("velocity", 0 <= self.velocity <= 30, "in range 0..30"),
            ("swing_roles", set(self.swing_roles) <= set(ROLES), f"among {', '.join(ROLES)}"),
        )
        for name, ok, rule in checks:
            value = getattr(self, name)
            if not ok or (isinstance(value, float) and math.isnan(value)):
                raise DataError(f"feel {name} must be {rule}, got {value!r}")

    @property
    def swing_beats(self) -> float:
        """How late an off-16th comes, in beats."""
        return (self.swing - 0.5) / 2


def style_feel(params: StyleParams, seed: int, human: float = 1.0) -> Feel:
    """The feel of a song in the style of ``params``: a swing drawn from the style's range,
    and ``human`` (0: a machine on the grid .. 1: a loose human) times the style's timing and
    :data:`VELOCITY_SD` of velocity jitter.

    Raises:
        DataError: ``human`` is outside 0..1.
    """
    if not 0 <= human <= 1:
        raise DataError(f"human must be in range 0..1, got {human!r}")
    lo, hi = params.swing
    swing = round(rng_for(seed, "feel-swing").uniform(lo, hi), 3)
    return Feel(swing, round(human * params.timing_beats, 4), human * VELOCITY_SD)


def _is_off_16th(beats: float) -> bool:
    frac = (beats * 4) % 2  # 16ths within an 8th: 0 on, 1 off
    return abs(frac - 1) < 1e-6


def apply_feel(
    notes: list[Note], role: str, feel: Feel, rng: random.Random, offset_ticks: int = 0
) -> list[Note]:
    """``notes`` of one bar (starting at ``offset_ticks`` grid ticks) played with ``feel``."""
    bar_start = offset_ticks / GRID_PER_BEAT
    bar_end = bar_start + BEATS_PER_BAR
    swing = feel.swing_beats if role in feel.swing_roles else 0.0
    moved: list[tuple[float, Note]] = []
    for n in notes:
        shift = swing if _is_off_16th(n.start_beats - bar_start) else 0.0
        if feel.timing_beats:
            sd = feel.timing_beats * (0.5 if role == "drums" and n.pitch == KICK else 1.0)
            shift += max(-TIMING_LIMIT_BEATS, min(TIMING_LIMIT_BEATS, rng.gauss(0.0, sd)))
        velocity = n.velocity
        if feel.velocity:
            velocity = min(127, max(1, round(n.velocity + rng.gauss(0.0, feel.velocity))))
        start = round(min(max(n.start_beats + shift, bar_start), bar_end - MIN_BEATS), 9)
        moved.append((start, Note(n.pitch, start, n.duration_beats, velocity)))
    moved.sort(key=lambda m: (m[1].pitch, m[0]))
    out = []
    for i, (start, n) in enumerate(moved):
        end = min(start + n.duration_beats, bar_end)
        if i + 1 < len(moved) and moved[i + 1][1].pitch == n.pitch:
            end = min(end, moved[i + 1][0])
        length = math.floor((end - start) * 1e9) / 1e9  # Note keeps 1e-9: never past ``end``
        out.append(Note(n.pitch, start, max(length, MIN_BEATS), n.velocity))
    out.sort(key=lambda n: (n.start_beats, n.pitch))
    return out
