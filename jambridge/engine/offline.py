"""Offline generation with the model: a preset (and an optional riff) -> a Song.

:func:`generate_with_model` is what :func:`jambridge.generation.generate` calls for
``engine="model"``. The preset sets the header (style, tempo, key, per-track density, which
tracks play) and the sampling (per-track temperature, top-p / top-k, scale lock). A prompt's
bars are played as given in their role while the model writes the other tracks around them;
the bars after the prompt continue freely.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jambridge.engine.generator import BarGenerator, SamplingSettings
from jambridge.engine.session import ModelSession, SessionConfig, resolve_model_path
from jambridge.groove import bar_with_groove
from jambridge.music import ROLES, Bar, Song


def header_for(preset, roles: Sequence[str], bpm: float | None = None, densities=None):
    """The tokenizer header for a preset: style, tempo, key and a density level per enabled
    role (``densities`` role -> 0..1 overrides the preset's)."""
    from dataclasses import replace

    from jambridge.tokenizer import Header

    density = {}
    for r in ROLES:
        if r in roles:
            settings = preset.tracks[r]
            if densities and r in densities:
                settings = replace(settings, density=densities[r])
            density[r] = settings.density_level(r)
        else:
            density[r] = None
    return Header(preset.style, bpm or preset.bpm, preset.key, density)


# Notes per bar in the middle of each header density level (the tokenizer's density_edges:
# <=1, 1-3, 3-6, 6-10, 10-14, 14-20, 20-28, >28): what a per-bar density control aims at.
LEVEL_NOTES = (0.5, 2, 4.5, 8, 12, 17, 24, 32)


def density_controls(preset, densities=None, tokenizer=None) -> dict[str, dict[str, int]]:
    """role -> {"density": bin}: the per-bar density control (v2 models) of each enabled
    track's 0..1 density (``densities`` overrides the preset's), through the same density level
    the header uses, so one slider moves both."""
    import bisect
    from dataclasses import replace

    from jambridge.tokenizer import TokenizerConfig

    edges = (tokenizer.config if tokenizer is not None else TokenizerConfig()).ctrl_density_edges
    out = {}
    for r in preset.enabled_roles:
        settings = preset.tracks[r]
        if densities and r in densities:
            settings = replace(settings, density=densities[r])
        notes = LEVEL_NOTES[min(settings.density_level(r), len(LEVEL_NOTES) - 1)]
        out[r] = {"density": bisect.bisect_left(edges, notes)}
    return out


def settings_for(preset, temperatures=None, densities=None) -> SamplingSettings:
    """Sampling settings for a preset (``temperatures`` role -> 0..2 overrides the tracks';
    ``densities`` role -> 0..1 sets the per-bar density controls, default the preset's)."""
    role_t = {}
    for r in ROLES:
        t = preset.tracks[r].temperature
        if temperatures and r in temperatures:
            t = temperatures[r]
        role_t[r] = preset.temperature * t
    controls = density_controls(preset, densities)
    for r, c in controls.items():
        c.update(preset.tracks[r].controls)  # poly / dur / rep as the preset sets them
    return SamplingSettings(
        controls=controls,
        temperature=preset.temperature,
        role_temperature=role_t,
        top_k=preset.top_k,
        top_p=preset.top_p,
        scale=preset.key if preset.scale_lock else None,
        no_empty_tracks=True,
    )


def open_model(model_path: str | Path | None = None, threads: int = 1) -> ModelSession:
    """The model at ``model_path`` (a file or a folder with model.onnx; None: the shipped one)."""
    return ModelSession(resolve_model_path(model_path), SessionConfig(threads=threads))


def generate_bars(
    gen: BarGenerator, settings: SamplingSettings, bars: int, prompt=None, on_bar=None
) -> list[list[Bar]]:
    """``bars`` bars for every row of ``gen`` (already started): the prompt's bars first, every
    prompt role forced as given, bar by bar (a bar where a role rests is forced silent).
    ``on_bar(n)`` (optional) is called after each bar with the bars done so far."""
    out: list[list[Bar]] = [[] for _ in range(gen.batch_size)]
    prompt_bars = list(prompt.bars)[:bars] if prompt is not None else []
    for i in range(bars):
        forced = {t.role: t for t in prompt_bars[i].tracks} if i < len(prompt_bars) else None
        for row, bar in zip(out, gen.next_bars(settings, forced or None), strict=True):
            row.append(bar)
        if on_bar is not None:
            on_bar(i + 1)
    return out


def generate_with_model(
    preset, bars: int, seed: int, roles: Sequence[str], prompt=None,
    model_path: str | Path | None = None, variations: int = 1, on_bar=None,
) -> Song | list[Song]:  # fmt: skip
    """A ``bars``-bar song (or ``variations`` songs, generated together as a batch);
    ``on_bar`` as in :func:`generate_bars`."""
    session = open_model(model_path)
    gen = BarGenerator(session, batch_size=variations, seed=seed)
    roles = tuple(r for r in ROLES if r in roles)
    gen.start(header_for(preset, roles))
    rows = generate_bars(gen, settings_for(preset), bars, prompt, on_bar)
    groove = preset.grooves()
    songs = [
        Song.from_bars(
            [bar_with_groove(b, groove) for b in row],
            tempo_bpm=preset.bpm,
            key=preset.key,
            style=preset.style,
        )  # fmt: skip
        for row in rows
    ]
    return songs[0] if variations == 1 else songs
