"""Prompts: a riff file read as whole bars of one or more roles, and what it says about itself.

:func:`load_prompt` reads a MIDI file or an LMMS project. Without a role it takes every track
the file's reader assigned a role (a drum loop with its bass line is a two-role prompt); with
one it takes the file's track of that role (else its only track, else its pitched tracks
merged). The :class:`Prompt` keeps which of the file's tracks became which role, the file's key
(its key signature when its notes agree, else an estimate over the whole file: on POP909 songs
that is right for 95 of 100, from the prompt's first 8 bars alone for 79) and tempo, so
that :func:`report_lines` can say what was done and :func:`prompt_warnings` what contradicts
the user's options.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from jambridge.errors import DataError
from jambridge.keyfinder import KeyFinding, find_key, scale_share
from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT, ROLES, Bar, Key, Note, Song, Track

if TYPE_CHECKING:
    from jambridge.midi_io import ReadReport

PROMPT_TEMPO_RANGE_BPM = (40.0, 300.0)  # a preset's tempo range; outside it the preset's plays
# The riff's main role when a file has several: a bass line first.
_PROMPT_ROLE_ORDER = ("bass", "lead", "chords", "drums")


@dataclass(frozen=True, slots=True)
class PromptPart:
    """One role of a prompt and what in the file it came from."""

    role: str  # the role it plays
    read_as: str  # the role the file's reader gave it ("" when tracks of several were merged)
    sources: tuple[str, ...]  # the file's tracks it came from, as the reader titles them
    why: str  # the reader's reason for ``read_as`` (e.g. "GM program 38 (bass)")
    notes: int  # its notes in the prompt's bars


@dataclass(frozen=True)
class Prompt:
    """A riff that conditions generation: whole bars of one or more roles."""

    role: str  # the riff's main role (the first of bass, lead, chords, drums it holds)
    bars: tuple[Bar, ...]  # each holding a track of every prompt role
    tempo_bpm: float | None = None  # the file's tempo (None: a riff with none of its own)
    key_finding: KeyFinding | None = None  # None: estimated from the bars when asked
    parts: tuple[PromptPart, ...] = ()  # per role, where it came from (empty: not from a file)
    named_role: str | None = None  # the role the user named for it, if any
    path: str = ""  # the file it was read from
    # The same bars as played, before quantization (empty: only the quantized bars are known).
    played: tuple[Bar, ...] = ()

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles the prompt plays, in canonical order."""
        held = {r for b in self.bars for r in b.roles} or {self.role}
        return tuple(r for r in ROLES if r in held)

    @property
    def key(self) -> Key | None:
        """The prompt's key: as found in its file, else estimated from its pitched notes
        (None for drums alone or too few notes to tell)."""
        if self.key_finding is not None:
            return self.key_finding.key
        return find_key(self.song(), min_weight_beats=1.0).key

    @property
    def tempo(self) -> float | None:
        """The file's tempo when a preset can play it (:data:`PROMPT_TEMPO_RANGE_BPM`)."""
        low, high = PROMPT_TEMPO_RANGE_BPM
        if self.tempo_bpm is None or not low <= self.tempo_bpm <= high:
            return None
        return self.tempo_bpm

    def song(self) -> Song:
        """The prompt's bars as one song."""
        return Song.from_bars(self.bars)


def _notes(bar: Bar, role: str) -> tuple[Note, ...]:
    """The notes of ``role`` in ``bar`` (none when the bar has no such track)."""
    track = bar.track(role)
    return () if track is None else track.notes


def load_prompt(path: str | Path, role: str | None = None, max_bars: int = 8) -> Prompt:
    """Read a riff from a MIDI file or LMMS project: quantized, leading empty bars trimmed (a
    clip exported from bar 5 starts at its first note's bar), at most ``max_bars`` bars.

    Args:
        path: a MIDI file or an LMMS project (.mmp, .mmpz).
        role: the riff's role; None takes every track the file's reader gave a role. Given,
            the file's track of that role is taken, else its only track (played as ``role``),
            else its pitched tracks merged (drum keys are not pitches, so drums join only a
            drums riff).
        max_bars: bars kept from the first bar with notes.

    Raises:
        DataError: unreadable file, a role not in ROLES, or no notes in the chosen tracks.
    """
    from jambridge.song_files import read_song
    from jambridge.tokenizer import Tokenizer, default_track

    if role is not None and role not in ROLES:
        raise DataError(f"prompt role must be one of {', '.join(ROLES)}, got {role!r}")
    song, report = read_song(path)
    tracks = [t for t in song.tracks if t.notes]
    if not tracks:
        raise DataError(f"{path}: the prompt has no notes")
    chosen = _chosen_tracks(tracks, role)
    quantized = Tokenizer().quantize_song(Song(tuple(c.track for c in chosen)))
    bars = quantized.bars()
    first = next((i for i, b in enumerate(bars) if b.note_count()), None)
    if first is None:
        raise DataError(f"{path}: the prompt's notes are all outside the roles' ranges")
    bars = bars[first:][:max_bars]
    held = [t.role for t in quantized.tracks if any(_notes(b, t.role) for b in bars)]
    templates = {r: default_track(r) for r in held}
    kept = tuple(Bar(tuple(templates[r].with_notes(_notes(b, r)) for r in held)) for b in bars)
    played = _played_bars([c.track for c in chosen if c.track.role in held], first, len(kept))
    parts = tuple(_part(c, kept, report) for c in chosen if c.track.role in held)
    main = min(held, key=_PROMPT_ROLE_ORDER.index)
    finding = find_key(song, min_weight_beats=1.0)  # the whole file: more to go on than 8 bars
    return Prompt(main, kept, song.tempo_bpm, finding, parts, role, str(path), played)


def _played_bars(tracks: list[Track], first: int, count: int) -> tuple[Bar, ...]:
    """Bars ``first`` .. ``first + count - 1`` of ``tracks`` as played: each note in the bar
    its onset quantizes into (a note played just before the first bar line starts on it)."""
    from jambridge.tokenizer import default_track

    per_bar: list[dict[str, list[Note]]] = [{t.role: [] for t in tracks} for _ in range(count)]
    for t in tracks:
        for n in t.notes:
            i = round(n.start_beats * GRID_PER_BEAT) // (BEATS_PER_BAR * GRID_PER_BEAT) - first
            if 0 <= i < count:
                start = max(n.start_beats - (first + i) * BEATS_PER_BAR, 0.0)
                per_bar[i][t.role].append(replace(n, start_beats=start))
    order = [r for r in ROLES if any(t.role == r for t in tracks)]
    return tuple(
        Bar(tuple(default_track(r).with_notes(d[r]) for r in order)) for d in per_bar
    )  # fmt: skip


class _Choice(NamedTuple):
    track: Track  # the notes, with the role they play in the prompt
    read_as: str  # the role the reader gave them; "" when tracks of several roles were merged
    from_roles: tuple[str, ...]  # the reader's roles whose tracks these are


def _chosen_tracks(tracks: list[Track], role: str | None) -> list[_Choice]:
    """The file's tracks that make the prompt (see :func:`load_prompt`)."""
    if role is None:
        return [_Choice(t, t.role, (t.role,)) for t in tracks]
    same = [t for t in tracks if t.role == role]
    if same:
        return [_Choice(same[0], role, (role,))]
    if len(tracks) == 1:
        return [_Choice(replace(tracks[0], role=role), tracks[0].role, (tracks[0].role,))]
    pitched = [t for t in tracks if t.role != "drums"] if role != "drums" else []
    merged = pitched or tracks
    notes = sorted((n for t in merged for n in t.notes), key=lambda n: n.start_beats)
    return [_Choice(Track(role, tuple(notes)), "", tuple(t.role for t in merged))]


def _part(choice: _Choice, bars: tuple[Bar, ...], report: ReadReport) -> PromptPart:
    role = choice.track.role
    sources = tuple(
        dict.fromkeys(s for r in choice.from_roles for s in report.role_sources.get(r, ()))
    )
    why = next((w for title, _, w in report.assigned if title in sources), "")
    notes = sum(len(_notes(b, role)) for b in bars)
    return PromptPart(role, choice.read_as, sources, why, notes)


def _sources_text(sources: tuple[str, ...]) -> str:
    """``track 2 'Bass' ch 2 program 38``; an LMMS title's details in brackets left out."""
    short = [re.sub(r" \([^()]*\)$", "", s) for s in sources]
    if len(short) <= 2:
        return " and ".join(short) or "the file"
    return f"{short[0]}, {short[1]} and {len(short) - 2} more"


def report_lines(prompt: Prompt, bpm: float | None = None) -> list[str]:
    """What the prompt became: its bars and, per role, the file's tracks; its key and where
    it was found; the tempo that plays (``bpm``: the one the user named, if any)."""
    bars = f"{len(prompt.bars)} bar{'s' if len(prompt.bars) != 1 else ''}"
    parts = "; ".join(
        f"{p.role} <- {_sources_text(p.sources)} ({p.notes} notes)" for p in prompt.parts
    ) or ", ".join(prompt.roles)
    name = Path(prompt.path).name if prompt.path else "prompt"
    finding = prompt.key_finding or find_key(prompt.song(), min_weight_beats=1.0)
    lines = [f"prompt {name}: {bars}; {parts}", f"prompt key: {finding.text}"]
    if bpm is not None:
        lines.append(f"prompt tempo: {bpm:g} BPM as --bpm says (the file's: {_tempo(prompt)})")
    elif prompt.tempo is not None:
        lines.append(f"prompt tempo: {prompt.tempo:g} BPM, the file's (--bpm sets another)")
    return lines


def _tempo(prompt: Prompt) -> str:
    return f"{prompt.tempo_bpm:g} BPM" if prompt.tempo_bpm is not None else "none"


def prompt_warnings(prompt: Prompt, key: Key | None = None) -> list[str]:
    """One line per contradiction: ``key`` (the user's) against the prompt's key, the role the
    user named against the role the file's track reads as, a tempo no preset plays."""
    out = []
    found = prompt.key
    if key is not None and found is not None and key != found:
        source = prompt.key_finding.source if prompt.key_finding else "estimate"
        where = "its key signature" if source == "key signature" else "estimated from its notes"
        song = prompt.song()
        if key.pitch_classes == found.pitch_classes:
            why = ": the same notes with another tonic"
        elif any(t.notes for t in song.tracks if t.role != "drums"):
            why = f": {1.0 - scale_share(song, key):.0%} of its note time is outside {key.name}"
        else:
            why = ""
        out.append(
            f"--key {key.name} contradicts the prompt's key {found.name} ({where}){why}; "
            f"generating in {key.name}"
        )
    for p in prompt.parts:
        if prompt.named_role is None or p.read_as == p.role:
            continue
        if p.read_as:
            why = f" ({p.why})" if p.why else ""
            out.append(
                f"--prompt-role {p.role}: the prompt's {_sources_text(p.sources)} reads as "
                f"{p.read_as}{why}; playing it as {p.role}"
            )
        else:
            out.append(
                f"--prompt-role {p.role}: the prompt has no {p.role} track; its "
                f"{_sources_text(p.sources)} are merged and played as {p.role}"
            )
    if prompt.tempo_bpm is not None and prompt.tempo is None:
        low, high = PROMPT_TEMPO_RANGE_BPM
        out.append(
            f"the prompt's tempo {prompt.tempo_bpm:g} BPM is outside {low:g}..{high:g}; "
            "the preset's tempo plays (--bpm sets another)"
        )
    return out
