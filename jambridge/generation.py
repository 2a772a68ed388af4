"""Offline generation: a preset (plus an optional prompt) -> a multi-track Song.

The one place `jambridge generate` and the app's "generate" button go through. Two engines:

- ``model``: the shipped (or a given) ONNX model through :mod:`jambridge.engine`;
- ``procedural``: the rule-based generator in :mod:`jambridge.procedural`.

A prompt (:mod:`jambridge.prompt`) is a riff file: its tracks (quantized, each playing a role)
open the song in the prompt's key and tempo, and the model continues those roles and accompanies
them; the procedural engine loops the riff in its roles and plays the other roles around it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from jambridge.errors import DataError
from jambridge.music import BEATS_PER_BAR, ROLES, Song
from jambridge.preset import Preset
from jambridge.prompt import Prompt, load_prompt

if TYPE_CHECKING:
    from jambridge.riff import RiffSettings

__all__ = ["ENGINES", "MAX_BARS", "Prompt", "generate", "load_prompt", "song_seconds",
           "split_stems"]  # fmt: skip

ENGINES = ("model", "procedural")
MAX_BARS = 10_000  # about 77 minutes at 130 BPM; the procedural generator's own limit


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
    tempo_from_prompt: bool = True,
    riff: RiffSettings | None = None,
) -> Song:
    """A ``bars``-bar song for ``preset`` (tracks limited to ``roles`` when given; a prompt's
    roles always play). ``on_bar`` is told the number of bars done as generation goes.

    With a ``prompt``, the song takes the prompt's key (found in its file: the key signature
    or an estimate) unless ``key_from_prompt`` is False, and the file's tempo unless
    ``tempo_from_prompt`` is False (the user named them: they win). ``riff`` says how the
    prompt plays (:mod:`jambridge.riff`: keep, develop or continue, drumify); None: the
    prompt opens the song and each engine goes on as it always has.
    """
    if not 1 <= bars <= MAX_BARS:  # the same limit for both engines
        raise DataError(f"bars must be in range 1..{MAX_BARS}, got {bars}")
    if engine not in ENGINES:
        raise DataError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    roles = tuple(r for r in ROLES if r in (roles or preset.enabled_roles))
    if prompt is not None:
        roles = tuple(r for r in ROLES if r in (*roles, *prompt.roles))
    prompt_key = prompt.key if prompt is not None and key_from_prompt else None
    if prompt_key is not None:
        preset = replace(preset, key=prompt_key)
    prompt_tempo = prompt.tempo if prompt is not None and tempo_from_prompt else None
    if prompt_tempo is not None:
        preset = replace(preset, bpm=prompt_tempo)
    if riff is not None and prompt is not None:
        song = _riff_song(preset, bars, seed, engine, roles, prompt, riff, model_path, on_bar)
    elif engine == "procedural":
        song = _procedural(preset, bars, seed, roles, prompt)
        if on_bar is not None:
            on_bar(bars)
    else:
        from jambridge.engine.offline import generate_with_model

        song = generate_with_model(preset, bars, seed, roles, prompt, model_path, on_bar=on_bar)
    song = _apply_track_settings(song, preset)
    return replace(song, name=f"JamBridge {preset.name} ({engine}, seed {seed})")


def _riff_song(preset, bars, seed, engine, roles, prompt, riff, model_path, on_bar) -> Song:
    """The prompt played as ``riff`` says against the engine (drumify adds the drums)."""
    from jambridge.riff import ModelBars, Riff, SongBars, riff_song

    if riff.drumify:
        roles = tuple(r for r in ROLES if r in (*roles, "drums"))
        if preset.drumify_four_on_the_floor:  # four-on-the-floor only where the preset asks
            riff = replace(riff, four_on_the_floor=True)
    if engine == "procedural":
        source = SongBars(_procedural(preset, bars, seed, roles, None))
    else:
        source = ModelBars.open(preset, roles, seed, model_path)
    return riff_song(source, Riff.from_prompt(prompt), riff, bars, seed, preset.key, on_bar)


def _procedural(preset: Preset, bars: int, seed: int, roles, prompt: Prompt | None) -> Song:
    from jambridge.groove import song_with_groove
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
    song = song_with_groove(song, preset.grooves())  # each track's groove and swing, as live
    if prompt is None:
        return song
    looped = []
    for i, bar in enumerate(song.bars()):
        for track in prompt.bars[i % len(prompt.bars)].tracks:
            bar = bar.replace_track(track)
        looped.append(bar)
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
