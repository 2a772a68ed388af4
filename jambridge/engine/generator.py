"""Bar-by-bar generation: a header and bars in, one :class:`~jambridge.music.Bar` out per
completed bar, from token ids through the grammar mask (every bar decodes). The controls a
producer sets are written after each sampled track's ``TRACK`` and enforced while it is
sampled (:mod:`jambridge.engine.guide`); with none set, sampling is the model's alone.

A bar starts when ``BAR`` is fed and is complete when the model samples the next ``BAR``
(``EOS`` is masked: generation is endless). That sampled ``BAR`` is not fed yet; the next call
starts by feeding it, after any *forced* tracks (tracks given as they are: a locked loop, the
producer's riff, or the other tracks when one track is regenerated). Forced tracks come first
in the bar, the sampled ones follow, and roles named in ``last`` are sampled after the rest:
training shuffles the role order inside a bar, so "the target track placed last" is a
sequence the model knows.

Context: the KV cache keeps the header and the most recent bars. Before a bar, a row that
might run out of room drops its oldest bars (the header stays pinned; see
:mod:`jambridge.engine.kv_cache`). Rows of a batch are independent variations: same header and
context, their own samples; a row that finishes its bar idles until the others finish theirs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from jambridge.engine.decoder import Decoder
from jambridge.engine.guide import ControlGuide
from jambridge.engine.masks import SamplingMasks
from jambridge.engine.sampler import sample
from jambridge.engine.session import ModelSession
from jambridge.engine.settings import SamplingSettings
from jambridge.errors import EngineError, TokenizerError
from jambridge.music import Bar, Track
from jambridge.tokenizer.codec import Header

Forced = Mapping[str, Track] | Sequence[Mapping[str, Track]] | None
CACHE_SIZE = 4096  # grammar transitions kept; cleared when full (bounded memory)

__all__ = ["BarGenerator", "Forced", "SamplingSettings"]


@dataclass
class _Row:
    """One sequence of the batch."""

    header: list[int]
    bars: list[Bar] = field(default_factory=list)  # context bars, oldest first
    starts: list[int] = field(default_factory=list)  # cache position of each context bar's BAR


class BarGenerator:
    """Generates bars with a model; ``batch_size`` rows are independent variations.

    Args:
        model: an open :class:`ModelSession`.
        tokenizer: the model's tokenizer (default: the one embedded in the model; a given one
            must have the model's vocabulary hash).
        batch_size: number of rows (variations) generated together.
        seed: seeds the sampler; the same seed, settings and inputs give the same bars.
    """

    def __init__(
        self,
        model: ModelSession,
        tokenizer=None,
        batch_size: int = 1,
        seed: int | None = 0,
        capacity: int | None = None,
    ) -> None:
        self.model = model
        self.tok = tokenizer if tokenizer is not None else model.tokenizer()
        model.check_vocab_hash(self.tok.vocab_hash)
        self.grammar = self.tok.grammar
        self.decoder = Decoder(model, batch_size, capacity)
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.header: Header | None = None
        self.enabled: tuple[str, ...] = ()
        self._rows: list[_Row] = []
        self.last_bar_ids: list[list[int]] = []  # token ids of each row's last bar (from BAR)
        self.masks = SamplingMasks(self.tok)
        self._controls: dict[str, tuple[str, ...]] = {}  # kinds the context is written with
        self._next: dict[tuple, object] = {}  # (state, token) -> state: grammar transitions seen

    # -- context -----------------------------------------------------------------------------

    def start(self, header, context: Sequence[Bar] = ()) -> None:
        """Begin a piece: the header (style, tempo, key, densities) and optional bars that
        came before (every row gets the same; roles the header disables are left out)."""
        self.header, self.enabled = header, tuple(header.enabled)
        head = self.tok.encode_header(header)
        self._rows = [_Row(list(head)) for _ in range(self.batch_size)]
        self.decoder.reset()
        self._prefill_row(0, list(context))
        for b in range(1, self.batch_size):
            self.decoder.copy_row(0, b)
            self._rows[b].bars = list(self._rows[0].bars)
            self._rows[b].starts = list(self._rows[0].starts)

    def set_header(self, header) -> None:
        """Change the conditioning (density, tempo, style, roles) from the next bar on: each
        row keeps its recent bars and re-reads them under the new header (one prefill)."""
        if self.header is None:
            return self.start(header)
        self.header, self.enabled = header, tuple(header.enabled)
        head = self.tok.encode_header(header)
        for b, row in enumerate(self._rows):
            bars = row.bars
            self._rows[b] = _Row(list(head))
            self.decoder.rewind(b, 0)
            self._prefill_row(b, bars)

    def _prefill_row(self, b: int, bars: list[Bar]) -> None:
        row = self._rows[b]
        encoded = [
            self.tok.encode_bar(
                bar, self.enabled, previous=bars[i - 1] if i else None, controls=self._controls
            )  # fmt: skip
            for i, bar in enumerate(bars)
        ]
        budget = self.decoder.capacity - len(row.header) - self._reserve(SamplingSettings())
        while encoded and sum(map(len, encoded)) > budget:  # keep the most recent bars
            encoded.pop(0)
            bars = bars[1:]
        tokens = list(row.header)
        for bar, ids in zip(bars, encoded, strict=True):
            row.starts.append(len(tokens))
            row.bars.append(bar)
            tokens += ids
        self._check_grammar(tokens, self.grammar.start())
        self.decoder.prefill(tokens, b)

    def _check_grammar(self, tokens: Sequence[int], state):
        try:
            for t in tokens:
                state = self.grammar.advance(state, t)
        except TokenizerError as err:
            raise EngineError(f"the context does not follow the token grammar: {err}") from None
        return state

    def _limit(self, settings: SamplingSettings) -> int:
        """Tokens a bar may take before it is wrapped up (at most half the context)."""
        return max(16, min(settings.max_bar_tokens, self.decoder.capacity // 2 - 16))

    def _reserve(self, settings: SamplingSettings) -> int:
        return self._limit(settings) + 16

    def _make_room(self, b: int, need: int) -> None:
        """Drop row ``b``'s oldest bars (never the header) until ``need`` positions are free."""
        room = self.decoder.cache.room(b)
        if room >= need:
            return
        row, length = self._rows[b], int(self.decoder.lengths[b])
        for k in range(len(row.starts)):
            end = row.starts[k + 1] if k + 1 < len(row.starts) else length
            if room + end - row.starts[0] >= need:
                break
        else:
            raise EngineError(
                f"the context ({self.decoder.capacity} tokens) cannot hold the header and a bar "
                f"of up to {need} tokens"
            )
        count = end - row.starts[0]
        self.decoder.drop(b, row.starts[0], count)
        del row.bars[: k + 1]
        row.starts = [s - count for s in row.starts[k + 1 :]]

    # -- generation ------------------------------------------------------------------------------

    def next_bar(
        self, settings: SamplingSettings | None = None, forced: Forced = None,
        last: Collection[str] = (),
    ) -> Bar:  # fmt: skip
        """The next bar (batch_size 1). See :meth:`next_bars`."""
        if self.batch_size != 1:
            raise EngineError(f"next_bar is for batch_size 1 (this one has {self.batch_size})")
        return self.next_bars(settings, forced, last)[0]

    def next_bars(
        self, settings: SamplingSettings | None = None, forced: Forced = None,
        last: Collection[str] = (),
    ) -> list[Bar]:  # fmt: skip
        """The next bar of every row.

        Args:
            settings: sampling settings (default: SamplingSettings()).
            forced: tracks to play as given (one mapping for all rows, or one per row); they are
                fed first and the model generates the other enabled roles around them.
            last: roles to sample after the other sampled roles (regenerate-one-track).
        """
        if self.header is None:
            raise EngineError("call start(header) before generating bars")
        settings = settings or SamplingSettings()
        self._controls = settings.control_kinds()
        per_row = self._forced_per_row(forced)
        feeds = [self._forced_tokens(f, row) for f, row in zip(per_row, self._rows)]
        states = []
        for b, ids in enumerate(feeds):
            self._make_room(b, len(ids) + self._reserve(settings))
            states.append(self._check_grammar(ids, self.grammar.body_state(self.enabled)))
        starts = [int(n) for n in self.decoder.lengths]
        logits = self._feed(feeds)
        bar_ids = [list(ids) for ids in feeds]
        closed = [len(ids) > 1 for ids in feeds]  # forced tracks get no extra notes
        self._sample_bars(logits, states, bar_ids, settings, frozenset(last), closed)
        out = []
        self.last_bar_ids = bar_ids
        for b, ids in enumerate(bar_ids):
            try:
                bar = self.tok.decode_bars(ids, self.enabled)[0]
            except (TokenizerError, IndexError) as err:  # the mask makes this unreachable
                raise EngineError(f"generated bar does not decode: {err}") from None
            for role, track in per_row[b].items():  # forced tracks play as given, unquantized
                if role in self.enabled:
                    bar = bar.replace_track(bar.track(role).with_notes(track.notes))
            row = self._rows[b]
            row.starts.append(starts[b])
            row.bars.append(bar)
            out.append(bar)
        return out

    def bars(self, n: int | None = None, settings: SamplingSettings | None = None) -> Iterator[Bar]:
        """Yield bars (batch_size 1) as each is complete; endless when ``n`` is None."""
        i = 0
        while n is None or i < n:
            yield self.next_bar(settings)
            i += 1

    @property
    def context(self) -> list[Bar]:
        """Row 0's context bars, oldest first: what the model hears before its next bar."""
        return list(self._rows[0].bars) if self._rows else []

    def retract(self) -> list[Bar]:
        """Undo the last bar of every row (it will not be played); returns those bars."""
        out = []
        for b, row in enumerate(self._rows):
            if not row.bars:
                raise EngineError("there is no generated bar to retract")
            self.decoder.rewind(b, row.starts.pop())
            out.append(row.bars.pop())
        return out

    def regenerate(
        self, roles: Collection[str], settings: SamplingSettings | None = None
    ) -> list[Bar]:
        """Draw ``roles`` of the last bar afresh, the other tracks kept as they were: the last
        bar is retracted and generated again with the others forced and ``roles`` last."""
        bad = [r for r in roles if r not in self.enabled]
        if bad:
            raise EngineError(f"cannot regenerate {bad}: enabled roles are {list(self.enabled)}")
        previous = self.retract()
        forced = [{t.role: t for t in bar.tracks if t.role not in roles} for bar in previous]
        return self.next_bars(settings, forced, last=roles)

    # -- internals -------------------------------------------------------------------------------

    def _forced_per_row(self, forced: Forced) -> list[Mapping[str, Track]]:
        if forced is None or isinstance(forced, Mapping):
            rows = [forced or {}] * self.batch_size
        else:
            rows = list(forced)
            if len(rows) != self.batch_size:
                raise EngineError(f"forced needs {self.batch_size} mappings, got {len(rows)}")
        for f in rows:
            bad = [r for r in f if r not in self.enabled]
            if bad:
                raise EngineError(
                    f"forced track(s) {bad} are not enabled by the header "
                    f"(enabled: {', '.join(self.enabled) or 'none'})"
                )
        return rows

    def _forced_tokens(self, forced: Mapping[str, Track], row: _Row) -> list[int]:
        roles = [r for r in self.enabled if r in forced]
        if not roles:
            return [self.tok.bar_id]
        previous = row.bars[-1] if row.bars else None
        return self.tok.encode_bar(Bar(tuple(forced[r] for r in roles)), roles, roles,
                                   previous, self._controls)  # fmt: skip

    def _feed(self, feeds: list[list[int]]) -> np.ndarray:
        """Feed each row its tokens; logits (batch, vocab) that follow them (a copy)."""
        if all(len(f) == 1 for f in feeds):
            return self.decoder.step(np.array([f[0] for f in feeds], dtype=np.int64)).copy()
        return np.stack([self.decoder.prefill(f, b) for b, f in enumerate(feeds)])

    def _sample_bars(
        self, logits: np.ndarray, states: list, bar_ids: list[list[int]],
        settings: SamplingSettings, last: frozenset, closed: list[bool],
    ) -> None:  # fmt: skip
        """Sample every row until it draws BAR (its bar is complete); feed the rest. A row
        whose last fed track was forced (``closed``) must begin a new track or end the bar."""
        n = self.batch_size
        active = np.ones(n, dtype=bool)
        ids = np.zeros(n, dtype=np.int64)
        bar_id, rng, grammar, nxt = self.tok.bar_id, self.rng, self.grammar, self._next
        limit = self._limit(settings)
        guides = [ControlGuide(self.tok, settings.controls) for _ in range(n)]
        guided = guides[0].active  # the controls bite while sampling (jambridge.engine.guide)
        while True:
            for b in range(n):
                if not active[b]:
                    continue
                s = states[b]
                size = len(bar_ids[b])
                wrap = size >= limit or closed[b]
                closed[b] = False
                mask = self.masks.mask(s, settings, last, wrap)
                if guided:  # under wrap-up it only holds a begun note to its bins
                    mask = guides[b].restrict(s, mask)
                t = sample(logits[b], rng, settings.temperature_of(s.role), settings.top_k,
                           settings.top_p, mask)  # fmt: skip
                if t == bar_id:
                    active[b] = False
                    continue
                if guided:
                    guides[b].advance(s, t)
                key = (s, t)
                s2 = nxt.get(key)
                if s2 is None:
                    s2 = grammar.advance(s, t)  # the mask allowed t, so this cannot fail
                    if len(nxt) >= CACHE_SIZE:  # bounded memory in an endless stream
                        nxt.clear()
                    nxt[key] = s2
                states[b] = s2
                bar_ids[b].append(t)
                ids[b] = t
            if not active.any():
                return
            logits = self.decoder.step(ids, active.astype(np.int64))
