"""Bar infill: regenerate chosen bars of chosen tracks with the music before *and after* them
as context (v2 models; the MMM / MIDI-GPT bar-fill idea).

The prompt is the header and every bar, the chosen track-bars replaced by ``FILL``; the model
then writes each slot's notes after ``FILL_START`` until it samples ``FILL_END``. Everything
outside the slots comes back exactly as given.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

from jambridge.engine.generator import BarGenerator, SamplingSettings
from jambridge.engine.sampler import sample
from jambridge.errors import EngineError, TokenizerError
from jambridge.groove import TrackGroove, bar_with_groove
from jambridge.music import ROLES, Bar, Song
from jambridge.roles import default_track

Slot = tuple[int, str]  # (bar index, role)


def infill(
    gen: BarGenerator,
    song: Song,
    slots: Collection[Slot],
    settings: SamplingSettings | None = None,
    style: str | None = None,
) -> Song:
    """``song`` with the (bar index, role) ``slots`` written afresh by the model (row 0 of
    ``gen``; its streaming context is reset), one role at a time. Raises EngineError when the
    model has no fill tokens, a slot is not in the song, or the song does not fit the model's
    context."""
    tok, settings = gen.tok, settings or SamplingSettings()
    if not slots:
        return song
    roles = sorted({r for _, r in slots}, key=ROLES.index)
    if len(roles) > 1:  # one role per pass: the fill section names no role, and a small model
        # mixes up slots of several roles (a lead slot got a bass line); each pass hears the last
        for role in roles:
            song = infill(gen, song, {s for s in slots if s[1] == role}, settings, style)
        return song
    try:
        prompt = tok.encode_fill(song, set(slots), style=style, targets=False,
                                 controls=settings.control_kinds())  # fmt: skip
    except TokenizerError as err:
        raise EngineError(f"cannot infill: {err}") from None
    if len(prompt) + len(slots) * 64 > gen.decoder.capacity:
        raise EngineError(
            f"the song with its slots ({len(prompt)} tokens) does not fit the model's context "
            f"({gen.decoder.capacity}): infill fewer bars at a time, or a shorter excerpt"
        )
    gen.header = None  # the streaming context is gone
    gen.decoder.reset()
    state = gen._check_grammar(prompt, gen.grammar.start())
    logits = gen.decoder.prefill(prompt, 0)
    ids = list(prompt)
    start, end = tok.vocab.id("fill", "FILL_START"), tok.vocab.id("fill", "FILL_END")
    for _ in range(len(slots)):
        state = gen.grammar.advance(state, start)
        ids.append(start)
        logits = gen.decoder.step(np.array([start]))[0].copy()
        state, logits = _fill_slot(gen, state, logits, ids, settings, end)
    ids.append(tok.eos_id)
    try:
        filled = tok.decode(ids)
    except TokenizerError as err:  # the grammar mask makes this unreachable
        raise EngineError(f"infilled sequence does not decode: {err}") from None
    return _merged(song, filled, set(slots))


def _fill_slot(gen: BarGenerator, state, logits, ids: list[int], settings, end: int):
    """Sample one slot's notes until FILL_END (forced once the slot reaches its budget)."""
    budget = max(16, min(settings.max_bar_tokens // 2, gen.decoder.capacity - len(ids) - 8))
    used = 0
    while True:
        mask = gen.grammar.allowed(state).copy()
        mask[gen.tok.eos_id] = False
        role = state.role
        if settings.scale is not None and role not in (None, "drums"):
            mask &= gen.masks.scale(settings.scale, role)
        if used >= budget or int(gen.decoder.lengths[0]) >= gen.decoder.capacity - 2:
            mask[:] = False
            mask[end] = True
        t = sample(logits, gen.rng, settings.temperature_of(role), settings.top_k,
                   settings.top_p, mask)  # fmt: skip
        state = gen.grammar.advance(state, t)
        ids.append(t)
        logits = gen.decoder.step(np.array([t]))[0].copy()
        used += 1
        if t == end:
            return state, logits


def _merged(song: Song, filled: Song, slots: set[Slot]) -> Song:
    """``song``'s bars with the slots' tracks taken from ``filled`` (tokenizer-quantized)."""
    old, new = song.bars(), filled.bars()
    out: list[Bar] = []
    for i, bar in enumerate(old):
        for role in [r for b, r in slots if b == i]:
            track = new[i].track(role) if i < len(new) else None
            if track is not None:
                template = song.track(role) or default_track(role)
                bar = bar.replace_track(template.with_notes(track.notes))
        out.append(bar)
    return Song.from_bars(out, tracks=song.tracks, tempo_bpm=song.tempo_bpm,
                          tempo_changes=song.tempo_changes, key=song.key, style=song.style,
                          name=song.name)  # fmt: skip


def slots_for(bars: Sequence[int] | range, roles: Sequence[str]) -> set[Slot]:
    """Every (bar, role) pair of ``bars`` x ``roles``."""
    return {(b, r) for b in bars for r in roles}


def infill_song(
    gen: BarGenerator,
    song: Song,
    bars: range,
    roles: Sequence[str],
    settings: SamplingSettings | None = None,
    style: str | None = None,
    context_bars: int = 4,
    grooves: Mapping[str, TrackGroove] | None = None,
) -> Song:
    """``song`` with ``bars`` (0-based) of ``roles`` infilled, seeing up to ``context_bars``
    bars on each side (fewer when the window would not fit the model's context), the new bars
    played at ``grooves`` (role -> groove amount and swing; as the model plays them without);
    the rest of the song comes back exactly as given."""
    n = song.length_bars
    if not bars or bars.start < 0 or bars.stop > n:
        raise EngineError(f"bars {bars.start + 1}-{bars.stop} are not in the song (1-{n})")
    bad = [r for r in roles if song.track(r) is None]
    if bad:
        raise EngineError(f"the song has no {', '.join(bad)} track to infill")
    all_bars = song.bars()
    for reach in range(context_bars, -1, -1):
        lo, hi = max(0, bars.start - reach), min(n, bars.stop + reach)
        window = Song.from_bars(all_bars[lo:hi], tracks=song.tracks, tempo_bpm=song.tempo_bpm,
                                key=song.key, style=song.style)  # fmt: skip
        slots = slots_for(range(bars.start - lo, bars.stop - lo), roles)
        try:
            filled = infill(gen, window, slots, settings, style)
        except EngineError as err:
            if "does not fit" in str(err) and reach:
                continue
            raise
        new = [
            bar_with_groove(b, grooves) if grooves and lo + i in bars else b
            for i, b in enumerate(filled.bars())
        ]
        merged = all_bars[:lo] + new + all_bars[hi:]
        return Song.from_bars(merged, tracks=song.tracks, tempo_bpm=song.tempo_bpm,
                              tempo_changes=song.tempo_changes, key=song.key, style=song.style,
                              name=song.name)  # fmt: skip
    raise EngineError("unreachable")  # pragma: no cover
