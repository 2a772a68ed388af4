"""Offline generation: a preset (plus an optional prompt) -> a multi-track Song.

The one place `jambridge generate` and the app's "generate" button go through. Two engines:

- ``model``: the shipped (or a given) ONNX model through :mod:`jambridge.engine`;
- ``procedural``: the rule-based generator in :mod:`jambridge.procedural`.

A prompt is a MIDI riff: its notes (quantized, assigned one role) open the song, and the model
continues that role and accompanies it; the procedural engine loops the riff in its role and plays
the other roles around it in the riff's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from jambridge.errors import DataError
from jambridge.keyfinder import estimate_key
from jambridge.music import BEATS_PER_BAR, ROLES, Bar, Song, Track
from jambridge.preset import Preset

ENGINES = ("model", "procedural")


@dataclass(frozen=True)
class Prompt:
    """A riff that conditions generation: whole bars of one role."""

    role: str
    bars: tuple[Bar, ...]  # each holding just the prompt role's track

    @property
    def key(self):
        song = Song.from_bars(self.bars)
        return estimate_key(song, min_weight_beats=1.0)


def load_prompt(path: str | Path, role: str | None = None, max_bars: int = 8) -> Prompt:
    """Read a riff from a MIDI file. ``role`` overrides role assignment; when the file has
    several roles, the first pitched one (bass, then lead, chords) is taken."""
    from jambridge.midi_io import read_midi

    song, _ = read_midi(path)
    tracks = [t for t in song.tracks if t.notes]
    if not tracks:
        raise DataError(f"{path}: the prompt has no notes")
    if role is not None:
        if role not in ROLES:
            raise DataError(f"prompt role must be one of {', '.join(ROLES)}, got {role!r}")
        notes = sorted((n for t in tracks for n in t.notes), key=lambda n: n.start_beats)
        source = Track(role, tuple(notes))
    else:
        order = ("bass", "lead", "chords", "drums")
        source = min(tracks, key=lambda t: order.index(t.role))
        role = source.role
    from jambridge.tokenizer import Tokenizer, default_track

    quantized = Tokenizer().quantize_song(Song((replace(source, role=role),)))
    bars = quantized.bars()[:max_bars]
    if not bars:
        raise DataError(f"{path}: the prompt has no notes")
    template = default_track(role)
    return Prompt(role, tuple(Bar((template.with_notes(b.tracks[0].notes),)) for b in bars))


def generate(
    preset: Preset,
    bars: int,
    seed: int,
    engine: str = "model",
    prompt: Prompt | None = None,
    model_path: str | Path | None = None,
    roles: Sequence[str] | None = None,
) -> Song:
    """A ``bars``-bar song for ``preset`` (tracks limited to ``roles`` when given)."""
    if bars < 1:
        raise DataError(f"bars must be >= 1, got {bars}")
    if engine not in ENGINES:
        raise DataError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    roles = tuple(r for r in ROLES if r in (roles or preset.enabled_roles))
    if prompt is not None and prompt.role not in roles:
        roles = tuple(r for r in ROLES if r in (*roles, prompt.role))
    if prompt is not None and prompt.role != "drums":
        key = prompt.key
        if key is not None:
            preset = replace(preset, key=key)
    if engine == "procedural":
        song = _procedural(preset, bars, seed, roles, prompt)
    else:
        from jambridge.engine.offline import generate_with_model

        song = generate_with_model(preset, bars, seed, roles, prompt, model_path)
    song = _apply_track_settings(song, preset)
    return replace(song, name=f"JamBridge {preset.name} ({engine}, seed {seed})")


def _procedural(preset: Preset, bars: int, seed: int, roles, prompt: Prompt | None) -> Song:
    from jambridge.procedural import generate_song

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
    """Programs, channels and names from the preset; tempo from the preset."""
    from jambridge.roles import ROLE_SPECS

    tracks = tuple(
        replace(
            t,
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
    return song.length_bars * BEATS_PER_BAR * 60.0 / song.tempo_bpm
