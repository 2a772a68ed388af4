"""The vocabulary: a table of token kinds, each a contiguous id range, built from the config.

Kinds in id order (sizes for the default config; v1 = :meth:`TokenizerConfig.legacy`):

=========  ===========================================  =====  =====
kind       value                                        v2     v1
=========  ===========================================  =====  =====
special    PAD, BOS, EOS, BAR                           4      4
track      role (starts a role's notes in a bar)        4      4
style      style name                                   10     10
tempo      bucket index                                 19     19
key        None or (tonic, mode)                        25     25
density    (role, level or None = role off)             36     36
ctrl       (control kind index, bin)                    23     0
fill       FILL, FILL_START, FILL_END                   3      0
pos        tick in the bar, 0..47                       48     48
shift      micro-timing steps, -h..-1, 1..h             8      0
pitch      MIDI pitch 0..127 (pitched roles)            128    128
durvel     (duration index, velocity level)             264    88
drum       (GM key, velocity level)                     732    244
=========  ===========================================  =====  =====

Pitched notes cost two tokens (pitch, durvel), a drum hit one; a position token is shared by all
notes that start on it, and so is its SHIFT (when the position is off the grid).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from jambridge.music import BEATS_PER_BAR, Key
from jambridge.tokenizer.config import CONTROL_KINDS, TokenizerConfig

SPECIALS = ("PAD", "BOS", "EOS", "BAR")
FILLS = ("FILL", "FILL_START", "FILL_END")
MODES = ("minor", "major")


@dataclass(frozen=True)
class KindRange:
    """The contiguous ids ``start..stop-1`` of one token kind."""

    start: int
    stop: int

    def __contains__(self, token_id: int) -> bool:
        return self.start <= token_id < self.stop

    def __len__(self) -> int:
        return self.stop - self.start


class Vocabulary:
    """Token ids <-> (kind, value). Immutable after construction."""

    def __init__(self, config: TokenizerConfig) -> None:
        self.config = config
        c = config
        self.positions_per_bar = BEATS_PER_BAR * c.grid_per_beat
        keys: list[Key | None] = [None] + [Key(t, m) for m in MODES for t in range(12)]
        controls = [
            (k, b) for k, kind in enumerate(CONTROL_KINDS) for b in range(c.control_bins(kind))
        ] if c.controls else []  # fmt: skip
        half = c.max_shift
        shifts = [s for s in range(-half, half + 1) if s]
        n_vel = c.velocity_levels
        table: list[tuple[str, list]] = [
            ("special", list(SPECIALS)),
            ("track", list(c.roles)),
            ("style", list(c.styles)),
            ("tempo", list(range(len(c.tempos_bpm)))),
            ("key", keys),
            ("density", [(r, lv) for r in c.roles for lv in [None, *range(c.density_levels)]]),
            ("ctrl", controls),
            ("fill", list(FILLS) if c.fill else []),
            ("pos", list(range(self.positions_per_bar))),
            ("shift", shifts),
            ("pitch", list(range(128))),
            ("durvel", [(d, v) for d in range(len(c.durations_ticks)) for v in range(n_vel)]),
            ("drum", [(k, v) for k in range(c.drum_low, c.drum_high + 1) for v in range(n_vel)]),
        ]
        self.values: list = []
        self.kinds: list[str] = []
        self.ranges: dict[str, KindRange] = {}
        for kind, values in table:
            start = len(self.values)
            self.values.extend(values)
            self.kinds.extend([kind] * len(values))
            self.ranges[kind] = KindRange(start, len(self.values))
        pairs = enumerate(zip(self.kinds, self.values))
        self._index = {(k, _hashable(v)): i for i, (k, v) in pairs}
        self.size = len(self.values)
        # kind of every id as a small int array, for vectorised checks
        kind_names = list(self.ranges)
        self.kind_codes = np.array([kind_names.index(k) for k in self.kinds], dtype=np.int8)

    def id(self, kind: str, value) -> int:
        """The id of a token; KeyError if there is none."""
        return self._index[(kind, _hashable(value))]

    def name(self, token_id: int) -> str:
        """Human-readable token name, e.g. ``POS_12``, ``PITCH_45``, ``DRUM_36_v2``."""
        if not 0 <= token_id < self.size:
            return f"<out of range {token_id}>"
        kind, value = self.kinds[token_id], self.values[token_id]
        if kind in ("special", "fill"):
            return value
        if kind == "ctrl":
            return f"CTRL_{CONTROL_KINDS[value[0]]}_{value[1]}"
        if kind == "key":
            return "KEY_NONE" if value is None else f"KEY_{value.token_name.replace(' ', '_')}"
        if kind == "density":
            role, level = value
            return f"DENS_{role}_{'OFF' if level is None else level}"
        if kind == "durvel":
            return f"DV_{self.config.durations_ticks[value[0]]}t_v{value[1]}"
        if kind == "drum":
            return f"DRUM_{value[0]}_v{value[1]}"
        return f"{kind.upper()}_{value}"

    def to_list(self) -> list[str]:
        """Every token's name, in id order (saved in the tokenizer file)."""
        return [self.name(i) for i in range(self.size)]

    def digest(self) -> str:
        """A stable hash of the vocabulary and its config: model and tokenizer must agree."""
        text = self.config.to_json() + "\n" + "\n".join(self.to_list())
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _hashable(value):
    if isinstance(value, list):
        return tuple(value)
    return value
