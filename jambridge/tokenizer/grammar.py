"""The grammar: which token may follow a prefix. Written once; the encoder's output obeys it, the
decoder parses with it, and the sampler uses :meth:`Grammar.allowed` as its mask, so every
sampled sequence decodes.

Sequence shape::

    BOS STYLE TEMPO KEY DENS_drums DENS_bass DENS_chords DENS_lead
    ( BAR ( TRACK_role CTRL* ( FILL | ( POS_p SHIFT? note+ )* ) )* )*
    ( FILL_START ( POS_p SHIFT? note+ )* FILL_END )*  EOS

- After ``BAR`` every role the header enabled appears exactly once, in any order (training uses a
  random order, so the model can regenerate one track given the others), possibly with no notes.
- Inside a track, positions strictly increase; at one position, pitched notes are ``PITCH DURVEL``
  pairs in increasing pitch, drum hits are single ``DRUM`` tokens in increasing key. The encoding
  of a quantized song is therefore unique.
- ``BAR``/``EOS`` may only come once every enabled role of the bar is written.
- After ``EOS`` only ``BOS`` (next document) or ``PAD``.
- v2 vocabularies (the kinds are empty in v1, so v1 sequences are unchanged):
  ``CTRL`` tokens right after ``TRACK``, at most one per control kind, in kind order;
  ``SHIFT`` right after a ``POS`` (that position's notes are off the grid by so many steps;
  never early on position 0);
  ``FILL`` instead of a track's notes marks a slot, and once the bars are done each slot's notes
  follow, in order, between ``FILL_START`` and ``FILL_END``; ``EOS`` only when every slot is
  filled.

No state has an empty mask (a property test walks random paths to check it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import cast

import numpy as np

from jambridge.errors import TokenizerError
from jambridge.tokenizer.vocab import Vocabulary

# phases
(
    START,
    STYLE,
    TEMPO,
    KEY,
    DENS,
    BETWEEN,
    BAR_OPEN,
    IN_TRACK,
    NEED_NOTE,
    NEED_DV,
    END,
    AFTER_FILL,
) = range(12)
_HEADER_KIND = {STYLE: "style", TEMPO: "tempo", KEY: "key"}
# Masks kept per state: the common states of a stream stay cached; memory stays a few MB.
MASK_CACHE_SIZE = 2048


@dataclass(frozen=True, slots=True)
class GrammarState:
    """Where a prefix stands. Small, immutable and hashable (masks are cached per state)."""

    phase: int = START
    dens_index: int = 0  # header: which role's density token comes next
    enabled: tuple[str, ...] = ()  # roles the header switched on
    roles_left: tuple[str, ...] = ()  # enabled roles not yet written in the open bar
    role: str | None = None  # the role whose notes are being written
    pos: int = -1  # current position in the bar (-1: none yet in this track)
    last: int = -1  # last pitch / drum key at this position (-1: none yet)
    ctrl: int = 0  # the first control kind still allowed (controls come in kind order)
    shifted: bool = False  # this position has its SHIFT already
    fills: tuple[str, ...] = ()  # roles of the FILL slots not yet filled, in order
    filling: bool = False  # writing a slot's notes (between FILL_START and FILL_END)

    @property
    def in_header(self) -> bool:
        """True before the header's last density token."""
        return self.phase in (START, STYLE, TEMPO, KEY, DENS)

    @property
    def bar_open(self) -> bool:
        """True inside a bar (after BAR, before the next BAR or EOS)."""
        return self.phase in (BAR_OPEN, IN_TRACK, NEED_NOTE, NEED_DV)

    @property
    def bar_complete(self) -> bool:
        """True when the open bar has every enabled role, so BAR/EOS may come next."""
        return self.phase in (BAR_OPEN, IN_TRACK) and not self.roles_left and not self.filling


class Grammar:
    """Masks and transitions over a :class:`Vocabulary`."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        v = vocab
        self._special = {name: v.id("special", name) for name in ("PAD", "BOS", "EOS", "BAR")}
        self._track_id = {r: v.id("track", r) for r in v.config.roles}
        self._cache: dict[GrammarState, np.ndarray] = {}
        self._n_vel = v.config.velocity_levels
        fills, ctrl = v.ranges["fill"], v.ranges["ctrl"]
        self._fill = {v.values[i]: i for i in range(fills.start, fills.stop)}  # empty in v1
        self._ctrl_start: dict[int, int] = {}  # control kind index -> its first id
        for i in range(ctrl.start, ctrl.stop):
            self._ctrl_start.setdefault(v.values[i][0], i)

    # -- masks ---------------------------------------------------------------------------------

    def allowed(self, state: GrammarState) -> np.ndarray:
        """Boolean mask (vocab_size,) of the ids that may follow. Read-only; never all False."""
        mask = self._cache.get(state)
        if mask is None:
            mask = self._build_mask(state)
            mask.setflags(write=False)
            if len(self._cache) >= MASK_CACHE_SIZE:  # bounded: endless streams meet new states
                self._cache.clear()
            self._cache[state] = mask
        return mask

    def _build_mask(self, s: GrammarState) -> np.ndarray:
        v, r = self.vocab, self.vocab.ranges
        m = np.zeros(v.size, dtype=bool)
        sp = self._special
        if s.phase == START:
            m[sp["BOS"]] = True
        elif s.phase in _HEADER_KIND:
            kr = r[_HEADER_KIND[s.phase]]
            m[kr.start : kr.stop] = True
        elif s.phase == DENS:
            block = v.config.density_levels + 1
            start = r["density"].start + s.dens_index * block
            m[start : start + block] = True
        elif s.phase == BETWEEN:
            self._bar_end(m, s)
        elif s.phase in (BAR_OPEN, IN_TRACK):
            if s.filling:
                m[self._fill["FILL_END"]] = True
            else:
                for role in s.roles_left:
                    m[self._track_id[role]] = True
                if not s.roles_left:
                    self._bar_end(m, s)
            if s.phase == IN_TRACK:
                m[r["pos"].start + s.pos + 1 : r["pos"].stop] = True
                if s.last >= 0:
                    m[self._note_start(s.role, s.last + 1) : self._note_stop(s.role)] = True
                if s.pos < 0 and not s.filling:
                    if s.ctrl in self._ctrl_start:
                        m[self._ctrl_start[s.ctrl] : r["ctrl"].stop] = True
                    if self._fill:
                        m[self._fill["FILL"]] = True
        elif s.phase == NEED_NOTE:
            m[self._note_start(s.role, 0) : self._note_stop(s.role)] = True
            if not s.shifted:  # on a bar line only late: a note never starts before its bar
                early = v.config.max_shift if s.pos == 0 else 0
                m[r["shift"].start + early : r["shift"].stop] = True
        elif s.phase == AFTER_FILL:
            m[self._fill["FILL_START"] if s.fills else sp["EOS"]] = True
        elif s.phase == NEED_DV:
            m[r["durvel"].start : r["durvel"].stop] = True
        elif s.phase == END:
            m[sp["BOS"]] = m[sp["PAD"]] = True
        return m

    def _bar_end(self, m: np.ndarray, s: GrammarState) -> None:
        """What may close a complete bar: the next BAR, and EOS (or, with slots to fill,
        FILL_START instead)."""
        m[self._special["BAR"]] = True
        m[self._fill["FILL_START"] if s.fills else self._special["EOS"]] = True

    def _note_start(self, role: str | None, value: int) -> int:
        """First note id of ``role`` whose pitch (or drum key) is >= value."""
        r, c = self.vocab.ranges, self.vocab.config
        if role == "drums":
            value = min(max(value, c.drum_low), c.drum_high + 1)
            return r["drum"].start + (value - c.drum_low) * self._n_vel
        return r["pitch"].start + min(value, 128)

    def _note_stop(self, role: str | None) -> int:
        return self.vocab.ranges["drum" if role == "drums" else "pitch"].stop

    # -- transitions ---------------------------------------------------------------------------

    def start(self) -> GrammarState:
        """The state before any token (only BOS may come)."""
        return GrammarState()

    def body_state(self, enabled: tuple[str, ...]) -> GrammarState:
        """The state right after a header that enabled ``enabled`` (no bar open yet)."""
        order = self.vocab.config.roles
        return GrammarState(phase=BETWEEN, enabled=tuple(r for r in order if r in enabled))

    def advance(self, state: GrammarState, token_id: int) -> GrammarState:
        """The state after ``token_id``. Raises TokenizerError if the grammar forbids it."""
        if not (0 <= token_id < self.vocab.size) or not self.allowed(state)[token_id]:
            raise TokenizerError(
                f"token {self.vocab.name(token_id)} ({token_id}) is not allowed here "
                f"(phase {_PHASE_NAMES[state.phase]}, role {state.role})"
            )
        v, sp = self.vocab, self._special
        kind, value = v.kinds[token_id], v.values[token_id]
        s = state
        if s.phase == START:
            return GrammarState(phase=STYLE)
        if s.phase in (STYLE, TEMPO):
            return replace(s, phase=s.phase + 1)
        if s.phase == KEY:
            return replace(s, phase=DENS, dens_index=0)
        if s.phase == DENS:
            role, level = value
            enabled = s.enabled + ((role,) if level is not None else ())
            if s.dens_index + 1 < len(v.config.roles):
                return replace(s, dens_index=s.dens_index + 1, enabled=enabled)
            return self.body_state(enabled)
        if s.phase == END:
            return GrammarState(phase=STYLE) if token_id == sp["BOS"] else s
        if token_id == sp["EOS"]:
            return GrammarState(phase=END)
        if token_id == sp["BAR"]:
            return GrammarState(BAR_OPEN, enabled=s.enabled, roles_left=s.enabled, fills=s.fills)
        if kind == "track":
            left = tuple(r for r in s.roles_left if r != value)
            return GrammarState(IN_TRACK, enabled=s.enabled, roles_left=left, role=value,
                                fills=s.fills)  # fmt: skip
        if kind == "ctrl":
            return replace(s, ctrl=value[0] + 1)
        if kind == "fill":
            return self._advance_fill(s, value)
        if kind == "pos":
            return replace(s, phase=NEED_NOTE, pos=value, last=-1, ctrl=0, shifted=False)
        if kind == "shift":
            return replace(s, shifted=True)
        if kind == "pitch":
            return replace(s, phase=NEED_DV, last=value)
        if kind == "durvel":
            return replace(s, phase=IN_TRACK)
        if kind == "drum":
            return replace(s, phase=IN_TRACK, last=value[0])
        raise TokenizerError(f"unexpected token {v.name(token_id)}")  # pragma: no cover

    def _advance_fill(self, s: GrammarState, name: str) -> GrammarState:
        if name == "FILL":  # the slot's track is done: no positions, no notes
            role = cast(str, s.role)  # FILL comes only inside a track
            return replace(s, pos=self.vocab.positions_per_bar, ctrl=0, fills=(*s.fills, role))
        if name == "FILL_START":
            return GrammarState(IN_TRACK, enabled=s.enabled, role=s.fills[0], fills=s.fills,
                                filling=True)  # fmt: skip
        return GrammarState(AFTER_FILL, enabled=s.enabled, fills=s.fills[1:])  # FILL_END

    def accepts(self, ids) -> bool:
        """True if the whole sequence follows the grammar from the start state."""
        s = self.start()
        try:
            for t in ids:
                s = self.advance(s, int(t))
        except TokenizerError:
            return False
        return True


_PHASE_NAMES = (
    "start", "style", "tempo", "key", "density", "between bars", "bar open", "in track",
    "need note", "need duration/velocity", "end", "after fill",
)  # fmt: skip
