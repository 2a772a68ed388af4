"""Tokenizer: songs and bars <-> token ids, and the saved vocabulary file.

Notes are quantized first (:mod:`jambridge.tokenizer.quantize`): ``decode(encode(x))`` equals
``quantize_song(x)`` note for note; the tests check it on generated and real songs.

Controls (v2) are measured from a track's quantized notes in a bar (:meth:`Tokenizer.controls`);
the model reads them after ``TRACK`` and the engine forces the ones a producer sets.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np

from jambridge.errors import TokenizerError
from jambridge.music import Bar, Key, Note, Song
from jambridge.roles import default_track
from jambridge.tokenizer.config import CONTROL_KINDS, TokenizerConfig
from jambridge.tokenizer.controls import control_values
from jambridge.tokenizer.grammar import BETWEEN, Grammar, GrammarState
from jambridge.tokenizer.quantize import QNote, Quantizer
from jambridge.tokenizer.vocab import Vocabulary

FORMAT = "jambridge-tokenizer/1"

# role -> control kinds to write for it (None: every kind, for every role)
ControlSpec = Mapping[str, Iterable[str]] | None


@dataclass(frozen=True)
class Header:
    """The conditioning at the start of a sequence."""

    style: str = "techno"
    tempo_bpm: float = 130.0
    key: Key | None = None
    density: Mapping[str, int | None] = field(default_factory=dict)  # role -> level; None = off

    @property
    def enabled(self) -> tuple[str, ...]:
        """The roles with a density level (None means the role is off)."""
        return tuple(r for r, lv in self.density.items() if lv is not None)


class Tokenizer:
    """Bar-major multi-track tokenizer. See the package docstring for the design record."""

    def __init__(self, config: TokenizerConfig | None = None) -> None:
        self.config = config or TokenizerConfig()
        self.vocab = Vocabulary(self.config)
        self.grammar = Grammar(self.vocab)
        v = self.vocab
        self.pad_id, self.bos_id = v.id("special", "PAD"), v.id("special", "BOS")
        self.eos_id, self.bar_id = v.id("special", "EOS"), v.id("special", "BAR")
        self.vocab_size = v.size
        self.vocab_hash = v.digest()
        self.quant = Quantizer(self.config)

    # -- quantization -------------------------------------------------------------------------

    def quantize_song(self, song: Song, stats: Counter | None = None) -> Song:
        """The song as the tokenizer sees it (:mod:`jambridge.tokenizer.quantize`); dropped and
        merged notes are counted in ``stats``."""
        return self.quant.song(song, stats)

    # -- encoding -----------------------------------------------------------------------------

    def density_level(self, notes_per_bar: float) -> int:
        """The header density level (0..density_levels-1) of a mean notes-per-bar count."""
        return bisect.bisect_right(self.config.density_edges, notes_per_bar - 1e-9)

    def header_for(self, song: Song, style: str | None = None) -> Header:
        """The header that describes ``song``: its style, tempo, key and per-role density."""
        bars = max(song.length_bars, 1)
        density: dict[str, int | None] = {r: None for r in self.config.roles}
        for t in song.tracks:
            density[t.role] = self.density_level(len(t.notes) / bars)
        return Header(style or song.style, song.tempo_bpm, song.key, density)

    def encode_header(self, header: Header) -> list[int]:
        """BOS, style (unknown styles -> ``other``), nearest tempo bucket, key and a density
        token per role. Raises TokenizerError for a density level out of range."""
        v, c = self.vocab, self.config
        style = header.style if header.style in c.styles else "other"
        tempo = int(np.argmin([abs(b - header.tempo_bpm) for b in c.tempos_bpm]))
        ids = [self.bos_id, v.id("style", style), v.id("tempo", tempo), v.id("key", header.key)]
        for role in c.roles:
            level = header.density.get(role)
            if level is not None and not 0 <= level < c.density_levels:
                raise TokenizerError(
                    f"density level for {role} must be in range 0..{c.density_levels - 1}"
                )
            ids.append(v.id("density", (role, level)))
        return ids

    def encode_bar(
        self, bar: Bar, enabled: Iterable[str], order: Iterable[str] | None = None,
        previous: Bar | None = None, controls: ControlSpec = None,
        fill: Collection[str] = (),
    ) -> list[int]:  # fmt: skip
        """BAR, then each enabled role's TRACK token, controls and notes (roles missing from the
        bar are written empty). ``order`` sets the role order inside the bar (default:
        canonical); ``previous`` is the bar before (for the repetition control); ``controls``
        names the control kinds to write per role (default: all, when the vocabulary has them);
        roles in ``fill`` get FILL instead of their notes."""
        enabled = tuple(enabled)
        order = tuple(order) if order is not None else enabled
        if sorted(order) != sorted(enabled):
            raise TokenizerError(f"bar order {order} must list the enabled roles {enabled}")
        ids = [self.bar_id]
        for role in order:
            ids.append(self.vocab.id("track", role))
            qnotes = self._bar_notes(bar, role)
            if self.config.controls:
                kinds = CONTROL_KINDS if controls is None else tuple(controls.get(role, ()))
                prev = self._bar_notes(previous, role) if previous is not None else None
                ids.extend(self._control_ids(qnotes, role, prev, kinds))
            if role in fill:
                ids.append(self.vocab.id("fill", "FILL"))
            else:
                ids.extend(self._track_ids(qnotes, role))
        return ids

    def _bar_notes(self, bar: Bar, role: str) -> list[QNote]:
        track = bar.track(role)
        return self.quant.bar_track(track.notes, role) if track is not None else []

    def _track_ids(self, qnotes: list[QNote], role: str) -> list[int]:
        r, n_vel = self.vocab.ranges, self.config.velocity_levels
        ids, pos = [], -1
        for tick, pitch, dur, vel, shift in qnotes:
            if tick != pos:
                ids.append(r["pos"].start + tick)
                if shift:
                    ids.append(self.vocab.id("shift", shift))
                pos = tick
            if role == "drums":
                ids.append(r["drum"].start + (pitch - self.config.drum_low) * n_vel + vel)
            else:
                ids.extend((r["pitch"].start + pitch, r["durvel"].start + dur * n_vel + vel))
        return ids

    # -- controls -----------------------------------------------------------------------------

    def controls(
        self, notes: Iterable[Note], role: str, previous: Iterable[Note] | None = None
    ) -> dict[str, int]:
        """The control bins of one track's notes in a bar (bar-relative starts): ``density``
        (notes), ``poly`` (most sounding at once), ``dur`` (median length; pitched, non-empty
        tracks), ``rep`` (share of (tick, pitch) also in ``previous``, when given)."""
        q = self.quant.bar_track(notes, role)
        prev = None if previous is None else self.quant.bar_track(previous, role)
        return control_values(self.config, q, role, prev)

    def _control_ids(
        self, q: list[QNote], role: str, prev: list[QNote] | None, kinds: Iterable[str]
    ) -> list[int]:
        values = control_values(self.config, q, role, prev)
        wanted = set(kinds)
        return [
            self.vocab.id("ctrl", (k, values[kind]))
            for k, kind in enumerate(CONTROL_KINDS)
            if kind in wanted and kind in values
        ]

    def control_id(self, kind: str, value: int) -> int:
        """The id of control ``kind`` at bin ``value``; TokenizerError when there is none."""
        if not self.config.controls or kind not in CONTROL_KINDS:
            raise TokenizerError(f"this vocabulary has no {kind!r} control")
        if not 0 <= value < self.config.control_bins(kind):
            raise TokenizerError(
                f"{kind} control must be in range 0..{self.config.control_bins(kind) - 1}"
            )
        return self.vocab.id("ctrl", (CONTROL_KINDS.index(kind), value))

    # -- whole songs --------------------------------------------------------------------------

    def encode(
        self,
        song: Song,
        style: str | None = None,
        shuffle_rng: np.random.Generator | None = None,
        eos: bool = True,
        controls: ControlSpec = None,
    ) -> list[int]:
        """BOS + header + every bar (+ EOS). ``shuffle_rng`` shuffles the role order per bar;
        ``controls`` as in :meth:`encode_bar`."""
        song = self.quant.song(song)
        header = self.header_for(song, style)
        ids = self.encode_header(header)
        previous = None
        for bar in song.bars():
            ids.extend(self.encode_bar(bar, header.enabled, self._order(header, shuffle_rng),
                                       previous, controls))  # fmt: skip
            previous = bar
        if eos:
            ids.append(self.eos_id)
        return ids

    def encode_fill(
        self,
        song: Song,
        slots: Collection[tuple[int, str]],
        style: str | None = None,
        shuffle_rng: np.random.Generator | None = None,
        controls: ControlSpec = None,
        targets: bool = True,
    ) -> list[int]:
        """A bar-fill sequence: the song with FILL in the (bar index, role) ``slots``, then each
        slot's notes between FILL_START and FILL_END, in the order the FILLs came, and EOS
        (``targets=False``: only the header and the bars, the prompt an infill starts from).
        Raises TokenizerError when the vocabulary has no fill tokens or a slot is not a bar
        and enabled role of the song."""
        if not self.config.fill:
            raise TokenizerError("this vocabulary has no fill tokens (a v1 model cannot infill)")
        song = self.quant.song(song)
        header = self.header_for(song, style)
        bars = song.bars()
        bad = [s for s in slots if not (0 <= s[0] < len(bars) and s[1] in header.enabled)]
        if bad:
            raise TokenizerError(f"fill slots {bad} are not bars and enabled roles of the song")
        ids = self.encode_header(header)
        tail: list[int] = []
        start, end = self.vocab.id("fill", "FILL_START"), self.vocab.id("fill", "FILL_END")
        previous = None
        for i, bar in enumerate(bars):
            order = self._order(header, shuffle_rng)
            fill = [r for r in order if (i, r) in slots]
            ids.extend(self.encode_bar(bar, header.enabled, order, previous, controls, fill))
            for role in fill:
                tail += [start, *self._track_ids(self._bar_notes(bar, role), role), end]
            previous = bar
        return ids + tail + [self.eos_id] if targets else ids

    @staticmethod
    def _order(header: Header, rng: np.random.Generator | None) -> list[str]:
        order = list(header.enabled)
        if rng is not None:
            rng.shuffle(order)
        return order

    # -- decoding -----------------------------------------------------------------------------

    def decode(self, ids: Iterable[int], strict: bool = True) -> Song:
        """Token ids -> Song. Strict: TokenizerError at the first token the grammar forbids
        (naming it and its index). Not strict: such tokens are skipped (see decode_report)."""
        song, skipped = self.decode_report(ids, strict=strict)
        return song

    def decode_report(
        self, ids: Iterable[int], strict: bool = False, state: GrammarState | None = None
    ) -> tuple[Song, list[str]]:
        """Decode, returning the song and a line per skipped token (empty when all were valid)."""
        g, v, c = self.grammar, self.vocab, self.config
        s = state or g.start()
        header = {"style": "other", "tempo": c.tempos_bpm[0], "key": None}
        bars: list[dict[str, list[Note]]] = []
        skipped: list[str] = []
        enabled = s.enabled
        shift = 0
        slots: list[tuple[int, str]] = []  # (bar index, role) of each FILL, in order
        filled = 0  # slots started so far
        dest: dict[str, list[Note]] | None = None  # the bar notes go to
        for i, raw in enumerate(ids):
            t = int(raw)
            try:
                s_next = g.advance(s, t)
            except TokenizerError as err:
                if strict:
                    raise TokenizerError(f"at token index {i}: {err}") from None
                skipped.append(f"index {i}: {err}")
                continue
            kind, value = v.kinds[t], v.values[t]
            if kind == "style":
                header["style"] = value
            elif kind == "tempo":
                header["tempo"] = c.tempos_bpm[value]
            elif kind == "key":
                header["key"] = value
            elif t == self.bar_id:
                bars.append({r: [] for r in s_next.enabled})
                dest = bars[-1]
            elif kind == "pos":
                shift = 0
            elif kind == "shift":
                shift = value
            elif kind == "fill" and value == "FILL" and bars:  # notes and FILL: inside a track
                slots.append((len(bars) - 1, cast(str, s.role)))
            elif kind == "fill" and value == "FILL_START":
                dest = bars[slots[filled][0]] if filled < len(slots) else None
                filled += 1
            elif kind == "durvel" and dest is not None:
                note = self.quant.to_note(s.pos, s.last, value[0], value[1], shift)
                dest[cast(str, s.role)].append(note)
            elif kind == "drum" and dest is not None:
                dur, vel = self._drum_dv(value)
                dest["drums"].append(self.quant.to_note(s.pos, value[0], dur, vel, shift))
            s = s_next
            if s.phase == BETWEEN:
                enabled = s.enabled
        # Several documents (EOS BOS ...) may enable different roles: keep every role a bar
        # held, so no document loses its notes to the last header.
        roles = tuple(r for r in c.roles if r in enabled or any(r in b for b in bars))
        song_bars = [
            Bar(tuple(default_track(r).with_notes(b.get(r, ())) for r in roles)) for b in bars
        ]
        song = Song.from_bars(song_bars, tracks=tuple(default_track(r) for r in roles),
                              tempo_bpm=header["tempo"], key=header["key"],
                              style=header["style"])  # fmt: skip
        return song, skipped

    def _drum_dv(self, value: tuple[int, int]) -> tuple[int, int]:
        return self.config.durations_ticks.index(self.config.drum_duration_ticks), value[1]

    def decode_bars(self, ids: Iterable[int], enabled: Iterable[str]) -> list[Bar]:
        """Decode a window of whole bars (starting with BAR) under a header enabling
        ``enabled``; strict. Used by the engine, which streams bars without the header."""
        state = self.grammar.body_state(tuple(enabled))
        song, _ = self.decode_report(ids, strict=True, state=state)
        return song.bars()

    # -- helpers for samplers -----------------------------------------------------------------

    def pitch_ids(self, role: str) -> np.ndarray:
        """Ids of the note tokens that carry a pitch for ``role`` (drums: none)."""
        r = self.vocab.ranges["pitch"]
        return np.arange(0 if role == "drums" else r.start, 0 if role == "drums" else r.stop)

    def pitch_of(self, token_id: int) -> int | None:
        """The MIDI pitch a PITCH token carries, or None for any other token."""
        return self.vocab.values[token_id] if token_id in self.vocab.ranges["pitch"] else None

    # -- persistence --------------------------------------------------------------------------

    def to_json(self) -> str:
        """The tokenizer file: format, config, vocabulary hash and token names."""
        return json.dumps(
            {
                "format": FORMAT,
                "config": self.config.to_dict(),
                "vocab_hash": self.vocab_hash,
                "tokens": self.vocab.to_list(),
            },  # fmt: skip
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Tokenizer:
        """Rebuild from :meth:`to_json` text. Raises TokenizerError when the text is not a
        tokenizer file, is corrupt, or its hash does not match its config."""
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                fmt = data.get("format")
                raise TokenizerError(f"not a JamBridge tokenizer file (format {fmt!r})")
            tok = cls(TokenizerConfig.from_dict(data["config"]))
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise TokenizerError(f"tokenizer file is corrupt: {err}") from None
        if data.get("vocab_hash") != tok.vocab_hash:
            raise TokenizerError(
                f"tokenizer file hash {data.get('vocab_hash')} does not match its config "
                f"({tok.vocab_hash}): the file was edited or written by another version"
            )
        return tok

    def save(self, path: str | Path) -> None:
        """Write the tokenizer file. Raises TokenizerError when it cannot be written."""
        try:
            Path(path).write_text(self.to_json())
        except OSError as err:
            raise TokenizerError(f"cannot write tokenizer file {path}: {err.strerror}") from None

    @classmethod
    def load(cls, path: str | Path) -> Tokenizer:
        """Read a tokenizer file written by :meth:`save` (see :meth:`from_json`)."""
        try:
            text = Path(path).read_text()
        except OSError as err:
            raise TokenizerError(f"cannot read tokenizer file {path}: {err.strerror}") from None
        return cls.from_json(text)
