"""Bar-by-bar generation: a header and bars in, one :class:`~jambridge.music.Bar` out per
completed bar, from token ids through the grammar mask (every bar decodes).

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
from jambridge.engine.sampler import check_settings, sample
from jambridge.engine.session import ModelSession
from jambridge.errors import EngineError, TokenizerError
from jambridge.music import Bar, Key, Track
from jambridge.tokenizer.config import CONTROL_KINDS
from jambridge.tokenizer.grammar import BAR_OPEN, IN_TRACK

Forced = Mapping[str, Track] | Sequence[Mapping[str, Track]] | None
CACHE_SIZE = 4096  # entries per transition / mask cache; cleared when full (bounded memory)


@dataclass(frozen=True)
class SamplingSettings:
    """How tokens are drawn. Per-track temperature applies to the notes of that track."""

    temperature: float = 1.0  # every track's temperature unless role_temperature names it
    role_temperature: Mapping[str, float] = field(default_factory=dict)  # role -> temperature
    top_k: int = 0  # 0 = off
    top_p: float = 0.95  # nucleus; 1 = off
    scale: Key | None = None  # scale lock for pitched tracks; None = off
    max_bar_tokens: int = 400  # past this, the bar is wrapped up (remaining tracks empty)
    # Benchmarks with random weights: until a bar has this many tokens, BAR is held back and
    # positions advance one step at a time, so bars reach a realistic length (0 = off).
    min_bar_tokens: int = 0
    # Every enabled track plays at least one note in every bar (a producer asked for the part).
    no_empty_tracks: bool = False
    # Per-bar controls the model must obey (v2 models): role -> {kind: bin}, kinds from
    # jambridge.tokenizer.config.CONTROL_KINDS. Kinds left out are "any" (the model chooses).
    controls: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_settings(self.temperature, self.top_k, self.top_p)
        for t in self.role_temperature.values():
            check_settings(t, 0, 1.0)
        if not 16 <= self.max_bar_tokens <= 4096:
            raise EngineError(
                f"max_bar_tokens must be in range 16..4096, got {self.max_bar_tokens}"
            )
        if not 0 <= self.min_bar_tokens <= self.max_bar_tokens:
            raise EngineError(
                f"min_bar_tokens must be in range 0..max_bar_tokens ({self.max_bar_tokens}), "
                f"got {self.min_bar_tokens}"
            )

    def control_kinds(self) -> dict[str, tuple[str, ...]]:
        """role -> the control kinds set for it (what context bars are written with)."""
        return {r: tuple(c) for r, c in self.controls.items()}

    def temperature_of(self, role: str | None) -> float:
        return self.role_temperature.get(role, self.temperature) if role else self.temperature


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
        self.header = None
        self.enabled: tuple[str, ...] = ()
        self._rows: list[_Row] = []
        self.last_bar_ids: list[list[int]] = []  # token ids of each row's last bar (from BAR)
        self._track_ids = {r: self.tok.vocab.id("track", r) for r in self.tok.config.roles}
        self._masks: dict[tuple, dict[int, tuple[np.ndarray, np.ndarray]]] = {}
        self._mask_count = 0  # entries in _masks (cleared when it reaches CACHE_SIZE)
        self._scale_masks: dict[tuple[Key, str], np.ndarray] = {}
        self._pos_range = self.tok.vocab.ranges["pos"]
        v = self.tok.vocab
        self._fill_ids = list(range(v.ranges["fill"].start, v.ranges["fill"].stop))
        self._ctrl_range = v.ranges["ctrl"]
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

    def _mask(
        self, state, settings: SamplingSettings, last: frozenset, wrap: bool, hold: bool
    ) -> np.ndarray:
        """The grammar's mask, with EOS off, the scale lock, deferred roles, wrap-up (only
        structure tokens) or hold (no BAR yet); cached per grammar mask and options."""
        base = self.grammar.allowed(state)
        role = (
            state.role if settings.scale is not None and state.role not in (None, "drums") else None
        )
        need_note = (
            settings.no_empty_tracks and not wrap and state.phase == IN_TRACK and state.pos < 0
        )
        control = self._control_choice(state, settings) if not wrap else None
        key = (settings.scale, role, last, wrap, hold, need_note, control)
        if self._mask_count >= CACHE_SIZE:  # bounded memory in an endless stream
            self._masks.clear()
            self._mask_count = 0
        cache = self._masks.setdefault(key, {})
        hit = cache.get(id(base))
        if hit is not None and hit[0] is base:
            return hit[1]
        m = base.copy()
        m[self.tok.eos_id] = False
        m[self._fill_ids] = False  # streaming never opens fill slots
        m[self._ctrl_range.start : self._ctrl_range.stop] = False  # controls: only as set
        if control is not None and base[control]:
            m[:] = False
            m[control] = True
        if role is not None:
            m &= self._scale_mask(settings.scale, role)
        if last and any(r not in last for r in state.roles_left):
            for r in last:
                m[self._track_ids[r]] = False
        if need_note:  # a track just opened: its first position, not the next track
            m[self.tok.bar_id] = False
            for r in state.roles_left:
                m[self._track_ids[r]] = False
        if hold:
            m[self.tok.bar_id] = False
            if state.pos >= 0:
                m[self._pos_range.start + state.pos + 2 : self._pos_range.stop] = False
        # only the next TRACK or BAR (hold gives way: the bar must end); a note already begun
        # (after POS or PITCH) is finished first, under the same locks
        if wrap and state.phase in (IN_TRACK, BAR_OPEN):
            structural = np.zeros_like(m)
            structural[self.tok.bar_id] = True
            for r in state.roles_left:
                structural[self._track_ids[r]] = True
            m = m & structural if (m & structural).any() else base & structural
        if not m.any():  # never leave the sampler nothing: fall back to the grammar alone
            m = base.copy()
            m[self.tok.eos_id] = False
            if not m.any():
                m = base
        m.setflags(write=False)
        self._mask_count += 1
        cache[id(base)] = (base, m)  # keeps base alive, so its id stays unique
        return m

    def _control_choice(self, state, settings: SamplingSettings) -> int | None:
        """The control token the producer set that comes next in an opened track, if any."""
        if not len(self._ctrl_range) or state.phase != IN_TRACK or state.pos >= 0:
            return None
        wanted = settings.controls.get(state.role)
        if not wanted:
            return None
        for kind in CONTROL_KINDS[state.ctrl :]:
            if kind in wanted:
                return self.tok.control_id(kind, int(wanted[kind]))
        return None

    def _scale_mask(self, scale: Key, role: str) -> np.ndarray:
        m = self._scale_masks.get((scale, role))
        if m is None:
            m = np.ones(self.tok.vocab_size, dtype=bool)
            pcs = scale.pitch_classes
            for i in self.tok.pitch_ids(role):
                pitch = self.tok.pitch_of(int(i))
                if pitch is not None and pitch % 12 not in pcs:
                    m[i] = False
            self._scale_masks[(scale, role)] = m
        return m

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
        hold_until = min(settings.min_bar_tokens, limit)
        while True:
            for b in range(n):
                if not active[b]:
                    continue
                s = states[b]
                size = len(bar_ids[b])
                wrap = size >= limit or closed[b]
                closed[b] = False
                mask = self._mask(s, settings, last, wrap, size < hold_until)
                t = sample(logits[b], rng, settings.temperature_of(s.role), settings.top_k,
                           settings.top_p, mask)  # fmt: skip
                if t == bar_id:
                    active[b] = False
                    continue
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
