"""Offline generation: a preset (plus an optional prompt) -> a multi-track Song.

The one place `jambridge generate` and the app's "generate" button go through. Two engines:

- ``model``: the shipped (or a given) ONNX model through :mod:`jambridge.engine`;
- ``procedural``: the rule-based generator in :mod:`jambridge.procedural`.

A prompt is a MIDI riff: its notes (quantized, assigned one role) open the song, and the model
continues that role and accompanies it; the procedural engine loops the riff in its role and plays
the other roles around it in the riff's key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from jambridge.errors import DataError
from jambridge.keyfinder import estimate_key
from jambridge.music import BEATS_PER_BAR, ROLES, Bar, Key, Song, Track
from jambridge.preset import Preset

ENGINES = ("model", "procedural")
MAX_BARS = 10_000  # about 77 minutes at 130 BPM; the procedural generator's own limit


@dataclass(frozen=True)
class Prompt:
    """A riff that conditions generation: whole bars of one role."""

    role: str
    bars: tuple[Bar, ...]  # each holding just the prompt role's track

    @property
    def key(self) -> Key | None:
        """The riff's estimated key (None for drums or too few notes to tell)."""
        if self.role == "drums":
            return None
        return estimate_key(Song.from_bars(self.bars), min_weight_beats=1.0)


# Which track of a multi-track file is the riff when no role is given: a bass line first.
_PROMPT_ROLE_ORDER = ("bass", "lead", "chords", "drums")


def _prompt_source(tracks: list[Track], role: str | None) -> Track:
    """The track a prompt is read from: with no ``role``, the file's first of bass, lead,
    chords, drums; with ``role``, the file's track of that role, else its only track, else
    its pitched tracks merged (drum keys are not pitches, so drums join only a drums riff)."""
    if role is None:
        return min(tracks, key=lambda t: _PROMPT_ROLE_ORDER.index(t.role))
    same = [t for t in tracks if t.role == role]
    if same:
        return same[0]
    if len(tracks) == 1:
        return replace(tracks[0], role=role)
    pitched = [t for t in tracks if t.role != "drums"] if role != "drums" else []
    notes = sorted((n for t in pitched or tracks for n in t.notes), key=lambda n: n.start_beats)
    return Track(role, tuple(notes))


def load_prompt(path: str | Path, role: str | None = None, max_bars: int = 8) -> Prompt:
    """Read a riff from a MIDI file: quantized, leading empty bars trimmed (a clip exported
    from bar 5 starts at its first note's bar), at most ``max_bars`` bars.

    Args:
        path: a MIDI file or an LMMS project (.mmp, .mmpz).
        role: the riff's role; None takes the file's bass, else lead, chords, drums. Given,
            the file's track of that role is taken, else its only track (a riff that role
            assignment read differently), else its pitched tracks merged.
        max_bars: bars kept from the first bar with notes.

    Raises:
        DataError: unreadable file, a role not in ROLES, or no notes in the chosen track.
    """
    from jambridge.song_files import read_song
    from jambridge.tokenizer import Tokenizer, default_track

    if role is not None and role not in ROLES:
        raise DataError(f"prompt role must be one of {', '.join(ROLES)}, got {role!r}")
    song, _ = read_song(path)
    tracks = [t for t in song.tracks if t.notes]
    if not tracks:
        raise DataError(f"{path}: the prompt has no notes")
    source = _prompt_source(tracks, role)
    quantized = Tokenizer().quantize_song(Song((source,)))
    bars = quantized.bars()
    first = next((i for i, b in enumerate(bars) if b.note_count()), None)
    if first is None:
        raise DataError(f"{path}: the prompt's {source.role} notes are all outside its range")
    template = default_track(source.role)
    return Prompt(
        source.role,
        tuple(Bar((template.with_notes(b.tracks[0].notes),)) for b in bars[first:][:max_bars]),
    )


def generate(
    preset: Preset,
    bars: int,
    seed: int,
    engine: str = "model",
    prompt: Prompt | None = None,
    model_path: str | Path | None = None,
    roles: Sequence[str] | None = None,
    key_from_prompt: bool = True,
    on_bar: Callable[[int], None] | None = None,
) -> Song:
    """A ``bars``-bar song for ``preset`` (tracks limited to ``roles`` when given).
    ``on_bar`` is told the number of bars done as generation goes (a progress bar).

    With a pitched ``prompt``, the song takes the riff's estimated key unless
    ``key_from_prompt`` is False (the user named the key: an estimate from a few notes can
    mistake A minor for C major, and the user must be able to say so).
    """
    if not 1 <= bars <= MAX_BARS:  # the same limit for both engines
        raise DataError(f"bars must be in range 1..{MAX_BARS}, got {bars}")
    if engine not in ENGINES:
        raise DataError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    roles = tuple(r for r in ROLES if r in (roles or preset.enabled_roles))
    if prompt is not None and prompt.role not in roles:
        roles = tuple(r for r in ROLES if r in (*roles, prompt.role))
    prompt_key = prompt.key if prompt is not None and key_from_prompt else None
    if prompt_key is not None:
        preset = replace(preset, key=prompt_key)
    if engine == "procedural":
        song = _procedural(preset, bars, seed, roles, prompt)
        if on_bar is not None:
            on_bar(bars)
    else:
        from jambridge.engine.offline import generate_with_model

        song = generate_with_model(preset, bars, seed, roles, prompt, model_path, on_bar=on_bar)
    song = _apply_track_settings(song, preset)
    return replace(song, name=f"JamBridge {preset.name} ({engine}, seed {seed})")


def _procedural(preset: Preset, bars: int, seed: int, roles, prompt: Prompt | None) -> Song:
    from jambridge.procedural import generate_song, style_feel
    from jambridge.procedural.styles import style_params

    density = {r: preset.tracks[r].density for r in roles}
    song = generate_song(
        style=preset.style,
        bars=bars,
        seed=seed,
        key=preset.key,
        bpm=preset.bpm,
        roles=roles,
        density=density,
        sections=bars >= 16,
        feel=style_feel(style_params(preset.style), seed, human=0.0),  # the style's swing
    )
    if prompt is None:
        return song
    song_bars = song.bars()
    looped = [
        bar.replace_track(prompt.bars[i % len(prompt.bars)].tracks[0])
        for i, bar in enumerate(song_bars)
    ]
    return Song.from_bars(looped, tempo_bpm=song.tempo_bpm, key=song.key, style=song.style)


def _apply_track_settings(song: Song, preset: Preset) -> Song:
    """Programs, channels and names from the preset; tempo from the preset; notes end by the
    last bar line, so an N-bar clip is N bars long and loops without a note ringing over."""
    from jambridge.roles import ROLE_SPECS

    end = max(song.length_bars, 1) * BEATS_PER_BAR
    tracks = tuple(
        replace(
            t,
            notes=tuple(
                replace(n, duration_beats=min(n.duration_beats, end - n.start_beats))
                for n in t.notes
            ),
            program=preset.tracks[t.role].program,
            channel=preset.tracks[t.role].channel - 1,
            name=ROLE_SPECS[t.role].track_name,
        )
        for t in song.tracks
    )
    return replace(
        song,
        tracks=tracks,
        tempo_bpm=preset.bpm,
        key=preset.key,
        style=preset.style,
        length_bars=max(song.length_bars, 1),
    )


def split_stems(song: Song) -> list[Song]:
    """One single-track song per track (same tempo, key and length)."""
    return [replace(song, tracks=(t,)) for t in song.tracks]


def song_seconds(song: Song) -> float:
    """How long the song plays at its starting tempo, in seconds."""
    return song.length_bars * BEATS_PER_BAR * 60.0 / song.tempo_bpm
