"""SamplingMasks: the ids the bar generator may draw next, i.e. the grammar's mask narrowed by the
sampling settings (EOS and fill slots off, controls only as set, scale lock, deferred roles,
no empty tracks, wrap-up). Masks are cached per grammar mask and options, so a step
costs a dictionary lookup once the stream's states have been seen."""

from __future__ import annotations

import numpy as np

from jambridge.engine.settings import SamplingSettings
from jambridge.music import Key
from jambridge.tokenizer.config import CONTROL_KINDS
from jambridge.tokenizer.grammar import BAR_OPEN, IN_TRACK, GrammarState

CACHE_SIZE = 4096  # cached masks; cleared when full (bounded memory in an endless stream)


class SamplingMasks:
    """Builds and caches the sampling masks of one tokenizer."""

    def __init__(self, tok) -> None:
        self.tok, self.grammar = tok, tok.grammar
        v = tok.vocab
        self._track_ids = {r: v.id("track", r) for r in tok.config.roles}
        self._fill_ids = list(range(v.ranges["fill"].start, v.ranges["fill"].stop))
        self._ctrl_range = v.ranges["ctrl"]
        self._masks: dict[tuple, dict[int, tuple[np.ndarray, np.ndarray]]] = {}
        self._count = 0  # entries in _masks
        self._scale_masks: dict[tuple[Key, str], np.ndarray] = {}

    def mask(
        self, state: GrammarState, settings: SamplingSettings, last: frozenset, wrap: bool
    ) -> np.ndarray:
        """The grammar's mask, with EOS off, the scale lock, deferred roles (``last``) and
        wrap-up (only structure tokens). Read-only; never all False."""
        base = self.grammar.allowed(state)
        scale = settings.scale
        role = state.role if scale is not None and state.role not in (None, "drums") else None
        need_note = (
            settings.no_empty_tracks and not wrap and state.phase == IN_TRACK and state.pos < 0
        )
        control = self.control_choice(state, settings) if not wrap else None
        key = (scale, role, last, wrap, need_note, control)
        if self._count >= CACHE_SIZE:
            self._masks.clear()
            self._count = 0
        cache = self._masks.setdefault(key, {})
        hit = cache.get(id(base))
        if hit is not None and hit[0] is base:
            return hit[1]
        m = self._narrowed(base, state, control, last, need_note)
        if scale is not None and role is not None:
            m &= self.scale(scale, role)
        if wrap and state.phase in (IN_TRACK, BAR_OPEN):
            m = self._wrapped(base, state, m)
        if not m.any():  # never leave the sampler nothing: fall back to the grammar alone
            m = base.copy()
            m[self.tok.eos_id] = False
            if not m.any():
                m = base
        m.setflags(write=False)
        self._count += 1
        cache[id(base)] = (base, m)  # keeps base alive, so its id stays unique
        return m

    def _narrowed(
        self, base: np.ndarray, state: GrammarState, control: int | None, last: frozenset,
        need_note: bool,
    ) -> np.ndarray:  # fmt: skip
        m = base.copy()
        m[self.tok.eos_id] = False
        m[self._fill_ids] = False  # streaming never opens fill slots
        m[self._ctrl_range.start : self._ctrl_range.stop] = False  # controls: only as set
        if control is not None and base[control]:
            m[:] = False
            m[control] = True
        if last and any(r not in last for r in state.roles_left):
            for r in last:
                m[self._track_ids[r]] = False
        if need_note:  # a track just opened: its first position, not the next track
            m[self.tok.bar_id] = False
            for r in state.roles_left:
                m[self._track_ids[r]] = False
        return m

    def _wrapped(self, base: np.ndarray, state: GrammarState, m: np.ndarray) -> np.ndarray:
        """Only the next TRACK or BAR (the bar must end); a note already begun
        (after POS or PITCH) is finished first, under the same locks."""
        structural = np.zeros_like(m)
        structural[self.tok.bar_id] = True
        for r in state.roles_left:
            structural[self._track_ids[r]] = True
        return m & structural if (m & structural).any() else base & structural

    def control_choice(self, state: GrammarState, settings: SamplingSettings) -> int | None:
        """The control token the producer set that comes next in an opened track, if any."""
        if not len(self._ctrl_range) or state.phase != IN_TRACK or state.pos >= 0:
            return None
        wanted = settings.controls.get(state.role) if state.role else None
        if not wanted:
            return None
        for kind in CONTROL_KINDS[state.ctrl :]:
            if kind in wanted:
                return self.tok.control_id(kind, int(wanted[kind]))
        return None

    def scale(self, scale: Key, role: str) -> np.ndarray:
        """Mask of the ids a scale lock leaves ``role``: its out-of-scale pitches off."""
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
