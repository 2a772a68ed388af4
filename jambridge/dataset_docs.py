"""A song -> training documents, and the numbers the build report gives about it.

A document is a header (for its stretch of bars) and as many whole bars as fit the model's
context, each bar's roles in a random order; the document holding the song's last bar ends with
EOS. Starting every document with its own header teaches the model to continue from a header
plus recent bars, which is what the engine feeds it after sliding its window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from jambridge.music import ROLES, Key, Song
from jambridge.tokenizer import Tokenizer
from jambridge.tokenizer.codec import ControlSpec

HEADER_TOKENS = 4 + len(ROLES)  # BOS STYLE TEMPO KEY + a density token per role


def transpose(song: Song, semitones: int) -> Song | None:
    """Pitched roles shifted; None when a note would leave 0..127."""
    tracks = []
    for t in song.tracks:
        if t.role == "drums":
            tracks.append(t)
            continue
        if any(not 0 <= n.pitch + semitones <= 127 for n in t.notes):
            return None
        tracks.append(t.with_notes(replace(n, pitch=n.pitch + semitones) for n in t.notes))
    key = Key((song.key.tonic + semitones) % 12, song.key.mode) if song.key else None
    return replace(song, tracks=tuple(tracks), key=key)


def documents(
    tok: Tokenizer, song: Song, rng: np.random.Generator | None, max_tokens: int,
    stats: Counter, controls: ControlSpec = None,
) -> Iterator[np.ndarray]:  # fmt: skip
    """Cut a quantized song into documents: a header (for that stretch of bars) and as many
    whole bars as fit in ``max_tokens``; the document holding the last bar ends with EOS. A bar
    too long for any document is dropped and counted (and splits the stretch). ``rng`` shuffles
    the role order per bar (None: canonical order); ``controls`` as in ``encode_bar``."""
    bars = song.bars()
    enabled = tok.header_for(song).enabled
    budget = max_tokens - HEADER_TOKENS - 1
    chunks: list[list[int]] = [[]]
    used = 0
    for i, bar in enumerate(bars):
        # the role order does not change the length; the bar before adds repetition controls
        n = len(tok.encode_bar(bar, enabled, previous=bars[i - 1] if i else None,
                               controls=controls))  # fmt: skip
        if n > budget:
            stats["bars_too_long"] += 1
            chunks.append([])
            used = 0
            continue
        if used + n > budget:
            chunks.append([])
            used = 0
        chunks[-1].append(i)
        used += n
    for chunk in filter(None, chunks):
        part = Song.from_bars(
            [bars[i] for i in chunk],
            tracks=song.tracks,
            tempo_bpm=song.tempo_bpm,
            key=song.key,
            style=song.style,
        )
        header = tok.header_for(part)
        ids = tok.encode_header(header)
        for i in chunk:
            order = list(header.enabled)
            if rng is not None:
                rng.shuffle(order)
            previous = bars[i - 1] if i > chunk[0] else None  # only a bar the document holds
            ids.extend(tok.encode_bar(bars[i], header.enabled, order, previous, controls))
        if chunk[-1] == len(bars) - 1:
            ids.append(tok.eos_id)
        stats["docs"] += 1
        yield np.asarray(ids, dtype=np.uint16)


def fill_documents(
    tok: Tokenizer, song: Song, rng: np.random.Generator, max_tokens: int, count: int,
    stats: Counter,
) -> Iterator[np.ndarray]:  # fmt: skip
    """``count`` bar-fill documents from a quantized song: a window of 4-8 bars that fits in
    ``max_tokens``, with 1-4 of its bars of one or two roles moved behind the fill marker
    (most often with music on both sides, as infill is used)."""
    bars = song.bars()
    roles = [t.role for t in song.tracks if t.notes]
    if not tok.config.fill or len(bars) < 3 or not roles:
        return
    for _ in range(count):
        width = int(rng.integers(4, 9))
        while width >= 3:
            first = int(rng.integers(0, max(len(bars) - width, 0) + 1))
            window = bars[first : first + width]
            part = Song.from_bars(window, tracks=song.tracks, tempo_bpm=song.tempo_bpm,
                                  key=song.key, style=song.style)  # fmt: skip
            span = int(rng.integers(1, min(4, len(window) - 1) + 1))
            inner = len(window) - span - 1 >= 1 and rng.random() < 0.8
            lo = int(rng.integers(1, len(window) - span)) if inner else int(
                rng.integers(0, len(window) - span + 1))  # fmt: skip
            chosen = rng.choice(roles, size=min(len(roles), 1 + int(rng.random() < 0.3)),
                                replace=False)  # fmt: skip
            slots = {(b, str(r)) for b in range(lo, lo + span) for r in chosen}
            ids = tok.encode_fill(part, slots, shuffle_rng=rng)
            if len(ids) <= max_tokens:
                stats["fill_docs"] += 1
                yield np.asarray(ids, dtype=np.uint16)
                break
            width -= 2


def song_stats(tok: Tokenizer, song: Song, stats: Counter) -> None:
    """Round trip and size numbers for the report (on the untransposed song)."""
    q = tok.quantize_song(song, stats)
    ids = tok.encode(q)
    back = tok.decode(ids)
    for t in q.tracks:
        want = Counter(t.notes)
        got = Counter(back.track(t.role).notes) if back.track(t.role) else Counter()
        stats["rt_true"] += sum((want & got).values())
        stats["rt_expected"] += sum(want.values())
        stats["rt_decoded"] += sum(got.values())
        stats[f"notes_{t.role}"] += len(t.notes)
    stats["bars"] += q.length_bars
    stats["tokens_song"] += len(ids)
    if len(q.tracks) == len(ROLES):
        bar_starts = [i for i, t in enumerate(ids) if t == tok.bar_id] + [len(ids) - 1]
        stats["four_track_bars"] += len(bar_starts) - 1
        stats["four_track_bar_tokens"] += bar_starts[-1] - bar_starts[0]
