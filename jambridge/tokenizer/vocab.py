"""The vocabulary: a table of token kinds, each a contiguous id range, built from the config.

Kinds in id order (sizes for the default config):

=========  ======================================  =====
kind       value                                   count
=========  ======================================  =====
special    PAD, BOS, EOS, BAR                      4
track      role (starts a role's notes in a bar)   4
style      style name                              10
tempo      bucket index                            19
key        None or (tonic, mode)                   25
density    (role, level or None = role off)        36
pos        tick in the bar, 0..47                  48
pitch      MIDI pitch 0..127 (pitched roles)       128
durvel     (duration index, velocity index)        88
drum       (GM key, velocity index)                244
=========  ======================================  =====

Pitched notes cost two tokens (pitch, durvel), a drum hit one; a position token is shared by all
notes that start on it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from jambridge.music import BEATS_PER_BAR, Key
from jambridge.tokenizer.config import TokenizerConfig

SPECIALS = ("PAD", "BOS", "EOS", "BAR")
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
        table: list[tuple[str, list]] = [
            ("special", list(SPECIALS)),
            ("track", list(c.roles)),
            ("style", list(c.styles)),
            ("tempo", list(range(len(c.tempos_bpm)))),
            ("key", keys),
            ("density", [(r, lv) for r in c.roles for lv in [None, *range(c.density_levels)]]),
            ("pos", list(range(self.positions_per_bar))),
            ("pitch", list(range(128))),
            (
                "durvel",
                [(d, v) for d in range(len(c.durations_ticks)) for v in range(len(c.velocities))],
            ),
            (
                "drum",
                [
                    (k, v)
                    for k in range(c.drum_low, c.drum_high + 1)
                    for v in range(len(c.velocities))
                ],
            ),
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
        if kind == "special":
            return value
        if kind == "key":
            return "KEY_NONE" if value is None else f"KEY_{value.name.replace(' ', '_')}"
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
