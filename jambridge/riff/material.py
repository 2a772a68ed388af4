"""The riff as material: whole bars of one or more roles, note times as played, and the same
bars pulled toward the 16th grid by an amount.

A riff is cyclic: it loops, so a note that quantizing moves past the riff's end lands at its
start (a downbeat played a little early belongs to the downbeat).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jambridge.errors import DataError
from jambridge.music import BEATS_PER_BAR, ROLES, Bar, Key, Note, Song, Track

if TYPE_CHECKING:
    from jambridge.prompt import Prompt

SIXTEENTH_BEATS = 0.25  # the grid a riff is quantized to
# The riff's main role when it holds several: a bass line first (as a prompt's).
MAIN_ROLE_ORDER = ("bass", "lead", "chords", "drums")


@dataclass(frozen=True)
class Riff:
    """Whole bars of one or more roles that loop; note times relative to each bar, as played.

    Every bar holds a track for every riff role (an empty one where the role rests).
    """

    bars: tuple[Bar, ...]
    key: Key | None = None  # the riff's key (None: drums alone, or unknown)
    tempo_bpm: float | None = None  # the tempo it was played at, if known

    def __post_init__(self) -> None:
        if not self.bars:
            raise DataError("a riff needs at least one bar")
        roles = self.bars[0].roles
        if not roles or any(b.roles != roles for b in self.bars):
            raise DataError("every bar of a riff must hold a track of each riff role")
        if not any(b.note_count() for b in self.bars):
            raise DataError("the riff has no notes")

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles the riff plays, in canonical order."""
        return self.bars[0].roles

    @property
    def role(self) -> str:
        """The main role: the first of bass, lead, chords, drums the riff holds."""
        return min(self.roles, key=MAIN_ROLE_ORDER.index)

    @property
    def pitched_roles(self) -> tuple[str, ...]:
        """The riff's roles other than drums."""
        return tuple(r for r in self.roles if r != "drums")

    @property
    def length_bars(self) -> int:
        return len(self.bars)

    def bar(self, index: int) -> Bar:
        """Riff bar ``index`` counted cyclically (bar ``length_bars`` is bar 0 again)."""
        return self.bars[index % len(self.bars)]

    def quantized(self, amount: float) -> Riff:
        """The riff with every onset moved ``amount`` of the way to its nearest 16th: 0 as
        played, 1 on the grid (durations and everything else kept).

        Raises:
            DataError: ``amount`` is outside 0..1.
        """
        if not 0.0 <= amount <= 1.0:
            raise DataError(f"quantize amount must be in range 0..1, got {amount}")
        if amount == 0.0:
            return self
        length = len(self.bars) * BEATS_PER_BAR
        notes: dict[str, list[Note]] = {r: [] for r in self.roles}
        for i, bar in enumerate(self.bars):
            for t in bar.tracks:
                for n in t.notes:
                    start = i * BEATS_PER_BAR + n.start_beats
                    target = round(start / SIXTEENTH_BEATS) * SIXTEENTH_BEATS
                    moved = (start + amount * (target - start)) % length
                    notes[t.role].append(Note(n.pitch, moved, n.duration_beats, n.velocity))
        return Riff(_cut(notes, self.bars, len(self.bars)), self.key, self.tempo_bpm)

    @classmethod
    def from_prompt(cls, prompt: Prompt) -> Riff:
        """A prompt's bars as played (its quantized bars when it kept no others), up to its
        last bar with an onset (a note ringing on adds no silent bar to the loop); its key
        and the file's tempo."""
        bars = prompt.played or prompt.bars
        last = max((i for i, b in enumerate(bars) if b.note_count()), default=len(bars) - 1)
        return cls(tuple(bars[: last + 1]), prompt.key, prompt.tempo_bpm)

    @classmethod
    def from_song(
        cls, song: Song, roles: Sequence[str] | None = None, start_bar: int = 0,
        bars: int | None = None,
    ) -> Riff:  # fmt: skip
        """The riff in ``song`` (a capture, or a file read whole): ``bars`` bars from
        ``start_bar`` (None: to the last bar with an onset) of ``roles`` (None: every track
        with notes). The key is the song's; the tempo its starting tempo.

        Raises:
            DataError: a role the song lacks, bars outside the song, or no notes there.
        """
        held = [t.role for t in song.tracks if t.notes] if roles is None else list(roles)
        missing = [r for r in held if song.track(r) is None]
        if missing or not held:
            raise DataError(f"the song has no {', '.join(missing) or 'track with notes'} to take")
        all_bars = song.bars()
        if bars is None:
            onsets = [
                i for i, b in enumerate(all_bars)
                if i >= start_bar and any((b.track(r) or Track(r)).notes for r in held)
            ]  # fmt: skip
            bars = onsets[-1] + 1 - start_bar if onsets else 0
        if not 0 <= start_bar < start_bar + bars <= len(all_bars):
            raise DataError(
                f"riff bars {start_bar + 1}-{start_bar + bars} are not in the song "
                f"(1-{len(all_bars)})"
            )
        notes = {
            r: [n.shifted(i * BEATS_PER_BAR) for i, b in enumerate(all_bars[start_bar:][:bars])
                for n in (b.track(r) or Track(r)).notes]
            for r in held
        }  # fmt: skip
        templates = [song.track(r) for r in held]
        return cls(_cut(notes, templates, bars), song.key, song.tempo_bpm)


def _cut(notes: dict[str, list[Note]], templates, bars: int) -> tuple[Bar, ...]:
    """Per-role whole-riff note lists -> ``bars`` bars, each with a track per role (program,
    channel and name from ``templates``: tracks, or bars whose tracks are copied)."""
    tracks = _templates(templates)
    per_bar: list[dict[str, list[Note]]] = [{r: [] for r in notes} for _ in range(bars)]
    for role, role_notes in notes.items():
        for n in role_notes:
            i = int(n.start_beats // BEATS_PER_BAR)
            per_bar[i][role].append(n.shifted(-i * BEATS_PER_BAR))
    order = [r for r in ROLES if r in notes]
    return tuple(Bar(tuple(tracks[r].with_notes(d[r]) for r in order)) for d in per_bar)


def _templates(templates) -> dict[str, Track]:
    out: dict[str, Track] = {}
    for item in templates:
        for t in item.tracks if isinstance(item, Bar) else (item,):
            out.setdefault(t.role, t)
    return out
