"""Baselines the model must beat, each shaped like the real set it is compared with.

Every real song gives a :class:`SongTemplate` (its header tokens, roles, bar count, key, tempo),
and each baseline makes one song per template, so baselines and real songs have the same roles
in the same proportions:

- ``procedural``: the rule-based techno generator (:func:`jambridge.procedural.generate_song`),
  styles in turn, with the template's roles, bar count, key and tempo;
- ``ngram``: an n-gram model trained on the dataset's train split, prompted with the template's
  header (style, tempo, key, per-role density) and sampled under the grammar mask;
- ``shuffled``: the real songs' own bars, shuffled across songs per role: every bar is real, but
  a song's bars (and its roles within a bar) no longer belong together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jambridge.errors import DataError
from jambridge.music import ROLES, Bar, Key, Song

BASELINES = ("procedural", "ngram", "shuffled")


@dataclass(frozen=True)
class SongTemplate:
    """What a baseline copies from one real song."""

    header: tuple[int, ...]  # BOS STYLE TEMPO KEY + a density token per role
    roles: tuple[str, ...]  # roles the song has, in ROLES order
    bars: int
    key: Key | None
    bpm: float


def templates_from(songs: Sequence[Song], tokenizer) -> list[SongTemplate]:
    """One template per song (songs are quantized first, as the tokenizer hears them)."""
    out = []
    for song in songs:
        q = tokenizer.quantize_song(song)
        header = tokenizer.encode_header(tokenizer.header_for(q))
        roles = tuple(r for r in ROLES if q.track(r) is not None)
        out.append(SongTemplate(tuple(header), roles, q.length_bars, q.key, q.tempo_bpm))
    return out


def shuffled_songs(songs: Sequence[Song], seed: int = 0) -> list[Song]:
    """The songs' bars shuffled across songs per role (same roles and lengths per song)."""
    rng = np.random.default_rng(seed)
    cut = [s.bars() for s in songs]
    pools = {r: [b.track(r) for bars in cut for b in bars if b.track(r) is not None] for r in ROLES}
    for pool in pools.values():
        rng.shuffle(pool)
    taken = dict.fromkeys(ROLES, 0)
    out = []
    for song, bars in zip(songs, cut):
        new_bars = []
        for bar in bars:
            tracks = []
            for role in bar.roles:
                tracks.append(pools[role][taken[role]])
                taken[role] += 1
            new_bars.append(Bar(tuple(sorted(tracks, key=lambda t: ROLES.index(t.role)))))
        out.append(
            Song.from_bars(
                new_bars,
                tracks=song.tracks,
                tempo_bpm=song.tempo_bpm,
                style=song.style,
                name=f"{song.name} (shuffled)",
            )
        )
    return out


def procedural_songs(templates: Sequence[SongTemplate], seed: int = 0) -> list[Song]:
    """One procedural song per template, the generator's styles in turn."""
    try:
        from jambridge.procedural import STYLES, generate_song
    except ImportError as err:
        raise DataError(f"the procedural baseline needs jambridge.procedural ({err})") from None
    out = []
    for i, t in enumerate(templates):
        if t.bars < 1 or not t.roles:
            continue
        out.append(
            generate_song(
                style=STYLES[i % len(STYLES)],
                bars=t.bars,
                seed=seed + i,
                key=t.key,
                bpm=t.bpm,
                roles=list(t.roles),
                density=None,
                sections=t.bars >= 16,
            )
        )
    return out


def sampled_songs(
    model, tokenizer, templates: Sequence[SongTemplate], seed: int = 0, config=None
) -> list[Song]:
    """One sample per template from a :class:`~jambridge.evaluation.sampling.TokenModel` (the
    n-gram baseline, or the ONNX model), prompted with the template's header, as many bars as
    the template (fewer if the model ends the song or fills its context first)."""
    from jambridge.evaluation.sampling import sample_documents

    if model.vocab_size != tokenizer.vocab_size:
        raise DataError(
            f"model vocabulary {model.vocab_size} differs from the tokenizer's "
            f"{tokenizer.vocab_size}"
        )
    kept = [t for t in templates if t.bars >= 1 and t.roles]
    prompts, bars = [t.header for t in kept], [t.bars for t in kept]
    return sample_documents(model, tokenizer, prompts, bars, seed, config)
