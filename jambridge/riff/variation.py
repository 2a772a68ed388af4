"""Develop: a riff bar varied by an amount, with an engine's bar of the same role as material.

:func:`vary` changes a share ``amount`` of the riff bar's notes. Kind ``rhythm`` keeps every
onset and gives changed notes new pitches; ``notes`` keeps every pitch and moves changed onset
groups (the notes struck together) to new 16ths; ``free`` does both, each note drawn apart.
New pitches are pitch classes the riff does not use, in the key (drums: kit pieces it does not
use), taken from the material note nearest in time and moved by octaves next to the old pitch;
new onsets are 16ths the riff leaves empty, the material's first. So the notes changed at one
amount are among those changed at any higher amount (one draw per note, made whatever the
amount), and rhythm similarity and pitch-class overlap with the riff fall as the amount rises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from jambridge.errors import DataError
from jambridge.music import BEATS_PER_BAR, Key, Note, Track
from jambridge.riff.settings import KINDS
from jambridge.riff.similarity import SLOTS_PER_BAR, pitch_class, slot_of

# Kit pieces a drum note may become when the material offers none the riff lacks: closed hat,
# open hat, clap, low tom, ride, kick, snare (the first whose kit piece the riff lacks).
DRUM_FALLBACK = (42, 46, 39, 45, 51, 36, 38)


def vary(
    track: Track, material: Track | None, amount: float, kind: str, key: Key | None,
    rng: np.random.Generator,
) -> Track:  # fmt: skip
    """``track`` (one riff bar of one role) with ``amount`` of its notes changed as ``kind``
    says; ``material`` (the engine's bar of the role, or None) offers the new pitches and
    onsets. ``rng`` is drawn from the same number of times whatever the amount and kind.

    Raises:
        DataError: ``amount`` outside 0..1 or an unknown ``kind``.
    """
    if not 0.0 <= amount <= 1.0:
        raise DataError(f"develop amount must be in range 0..1, got {amount}")
    if kind not in KINDS:
        raise DataError(f"develop kind must be one of {', '.join(KINDS)}, got {kind!r}")
    notes = sorted(track.notes, key=lambda n: (n.start_beats, n.pitch))
    pitch_draw, time_draw, ties = rng.random(len(notes)), rng.random(len(notes)), rng.random(2)
    offered = sorted(material.notes, key=lambda n: n.start_beats) if material else []
    if kind in ("rhythm", "free"):  # new pitches first, each near the note's own onset
        used = {pitch_class(n, track.role) for n in track.notes}
        pick = _drum_pick if track.role == "drums" else _pitch_pick
        notes = [
            replace(n, pitch=pick(n, used, offered, key, ties[1])) if d < amount else n
            for n, d in zip(notes, pitch_draw, strict=True)
        ]
    if kind in ("notes", "free"):
        notes = _moved(notes, time_draw, amount, offered, ties[0])
    return track.with_notes(notes)


def _moved(
    notes: list[Note], draws: np.ndarray, amount: float, offered: Sequence[Note], tie: float
) -> list[Note]:
    """Onset groups whose first note's draw is under ``amount`` moved to 16ths the riff (and
    the groups moved before) leave empty: the material's nearest first, else the nearest
    free one; with no 16th free a group stays (every note of the riff still plays)."""
    groups: dict[int, list[int]] = {}
    for i, n in enumerate(notes):
        groups.setdefault(slot_of(n.start_beats), []).append(i)
    taken = set(groups)
    wanted = sorted({slot_of(n.start_beats) for n in offered})
    out: list[Note] = []
    for slot, members in groups.items():
        new = _nearest_free(slot, wanted, taken, tie) if draws[members[0]] < amount else None
        if new is None:
            out.extend(notes[i] for i in members)
            continue
        taken.add(new)
        for i in members:
            n = notes[i]
            offset = n.start_beats - slot / 4  # the note's own feel around its 16th
            start = min(max(new / 4 + offset, 0.0), BEATS_PER_BAR - 1e-6)
            out.append(replace(n, start_beats=start))
    return out


def _nearest_free(slot: int, wanted: Sequence[int], taken: set[int], tie: float) -> int | None:
    free = [s for s in wanted if s not in taken]
    if not free:
        free = [s for s in range(SLOTS_PER_BAR) if s not in taken]
    if not free:
        return None
    return min(free, key=lambda s: (abs(s - slot), (s < slot) == (tie < 0.5)))


def _pitch_pick(
    note: Note, used: set[int], offered: Sequence[Note], key: Key | None, tie: float
) -> int:
    """A new pitch for ``note``: a pitch class the riff does not use (in ``key``), from the
    material note nearest in time when one has it, moved by octaves next to the old pitch."""
    scale = key.pitch_classes if key is not None else frozenset(range(12))
    allowed = (
        (scale - used) or (scale - {note.pitch % 12}) or frozenset(range(12)) - {note.pitch % 12}
    )
    near = [m for m in offered if m.pitch % 12 in allowed]
    if near:
        best = min(near, key=lambda m: abs(m.start_beats - note.start_beats))
        return _next_to(best.pitch % 12, note.pitch, tie)
    return min(
        (_next_to(pc, note.pitch, tie) for pc in sorted(allowed)),
        key=lambda p: (abs(p - note.pitch), (p < note.pitch) == (tie < 0.5)),
    )


def _next_to(pc: int, pitch: int, tie: float) -> int:
    """The pitch of class ``pc`` nearest ``pitch`` (a tritone either way: ``tie`` picks)."""
    up = (pc - pitch) % 12
    step = up if up < 6 or (up == 6 and tie < 0.5) else up - 12
    candidate = pitch + step
    return candidate if 0 <= candidate <= 127 else candidate - 12 * (1 if step > 0 else -1)


def _drum_pick(
    note: Note, used: set[int], offered: Sequence[Note], key: Key | None, tie: float
) -> int:
    """A new drum key for ``note``: a kit piece the riff does not use, from the material hit
    nearest in time, else from :data:`DRUM_FALLBACK`."""
    near = [m for m in offered if pitch_class(m, "drums") not in used]
    if near:
        return min(near, key=lambda m: abs(m.start_beats - note.start_beats)).pitch
    fresh = [k for k in DRUM_FALLBACK if pitch_class(Note(k, 0, 1, 1), "drums") not in used]
    pool = fresh or [k for k in DRUM_FALLBACK if k != note.pitch]
    return pool[int(tie * len(pool)) % len(pool)]
