"""TokenizerConfig: every choice that shapes the vocabulary, saved with the model as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from jambridge.errors import TokenizerError
from jambridge.music import CORPUS_STYLES, GRID_PER_BEAT, ROLES, STYLES


@dataclass(frozen=True)
class TokenizerConfig:
    """What the vocabulary is made of. Changing any field changes the vocabulary hash."""

    # Style conditioning: presets map onto these; real corpora get "groove" / "pop" / "other".
    styles: tuple[str, ...] = STYLES + CORPUS_STYLES
    # Tempo buckets (BPM); a song takes the nearest. Dense where techno lives (120-140).
    tempos_bpm: tuple[int, ...] = (
        60, 70, 80, 90, 100, 108, 114, 118, 122, 125, 128, 131, 134, 138, 142, 150, 160, 174, 190,
    )  # fmt: skip
    # Velocity buckets: the value a bucket decodes to. Four levels: ghost, soft, normal, accent.
    velocities: tuple[int, ...] = (40, 70, 96, 120)
    # Note durations in grid ticks (12 per beat); a note takes the nearest. 1 tick = a 48th note,
    # 3 = a 16th, 12 = a beat, 48 = a bar, 192 = four bars (pads in a break).
    durations_ticks: tuple[int, ...] = (
        1, 2, 3, 4, 6, 8, 9, 12, 15, 16, 18, 24, 30, 36, 42, 48, 60, 72, 96, 120, 144, 192,
    )  # fmt: skip
    # GM percussion keys kept for drums (inclusive range); hits outside are dropped and counted.
    drum_low: int = 27
    drum_high: int = 87
    # Density levels per role: mean notes per bar, bucket upper edges (len = levels - 1).
    density_edges: tuple[float, ...] = (1.0, 3.0, 6.0, 10.0, 14.0, 20.0, 28.0)
    # Ticks a drum hit lasts when decoded (GM drums ignore note length).
    drum_duration_ticks: int = 3
    grid_per_beat: int = GRID_PER_BEAT  # fixed by the music model; saved so a mismatch is caught
    roles: tuple[str, ...] = ROLES  # canonical role order in the header
    # --- v2 (each field's v1 value is in LEGACY; a config at those values hashes as v1) ---
    # Fine velocity levels inside each bucket: the bucket is the content, the level the
    # expressive detail (3 x 4 buckets = 12 levels, about 10 velocity steps apart).
    velocity_steps: int = 3
    # Micro-timing: SHIFT steps per grid tick. A position's notes may move off the grid by
    # -h..+h steps, h = (shift_steps - 1) // 2: less than half a tick, so a shifted note still
    # rounds to its tick. 10 steps: 1/120 beat (4.2 ms at 120 BPM), up to 4 steps either way;
    # 120 steps per beat divide the written files' 480 PPQ, so a saved clip keeps them exactly.
    shift_steps: int = 10
    # Per-bar, per-track control tokens after TRACK (density, polyphony, duration, repetition),
    # each optional; training drops them at random so the unconditioned model stays good.
    controls: bool = True
    # Bar infill: TRACK FILL marks a track-bar to fill; after the bars, FILL_START notes FILL_END
    # per marked slot, in order (the MMM / MIDI-GPT bar-fill idea).
    fill: bool = True
    # Control bins, as inclusive upper edges (the last bin is open): notes in the bar,
    # most notes sounding at once, median duration in ticks, share of (tick, pitch) repeated
    # from the previous bar (the last edge < 1 leaves "exactly the same" its own bin).
    ctrl_density_edges: tuple[float, ...] = (0, 2, 4, 8, 12, 16, 24)
    ctrl_poly_edges: tuple[float, ...] = (1, 2, 3, 5)
    ctrl_dur_edges: tuple[float, ...] = (3, 6, 12, 24)
    ctrl_rep_edges: tuple[float, ...] = (0.25, 0.5, 0.75, 0.999)

    def __post_init__(self) -> None:
        def ascending(values) -> bool:
            return bool(values) and list(values) == sorted(set(values))

        checks = [  # (field, ok, what it must be)
            ("velocities", ascending(self.velocities), "non-empty, ascending, distinct"),
            ("velocities", all(1 <= v <= 127 for v in self.velocities), "in range 1..127"),
            ("durations_ticks", ascending(self.durations_ticks), "non-empty, ascending, distinct"),
            ("durations_ticks", all(d >= 1 for d in self.durations_ticks), "all >= 1 tick"),
            ("tempos_bpm", ascending(self.tempos_bpm), "non-empty, ascending, distinct"),
            ("density_edges", list(self.density_edges) == sorted(set(self.density_edges)),
             "ascending, distinct"),
            ("drum_low/drum_high", 0 <= self.drum_low <= self.drum_high <= 127,
             "0 <= drum_low <= drum_high <= 127"),
            ("drum_duration_ticks", self.drum_duration_ticks in self.durations_ticks,
             "one of durations_ticks"),
            ("styles", "other" in self.styles and len(set(self.styles)) == len(self.styles),
             "distinct, including 'other' (unknown styles map to it)"),
            ("roles", sorted(self.roles) == sorted(ROLES), f"an order of {', '.join(ROLES)}"),
            ("grid_per_beat", self.grid_per_beat == GRID_PER_BEAT, f"{GRID_PER_BEAT}"),
            ("velocity_steps", _int_in(self.velocity_steps, 1, 16), "an integer in range 1..16"),
            ("shift_steps", _int_in(self.shift_steps, 0, 48) and self.shift_steps % 2 == 0,
             "an even integer in range 0..48"),
            ("controls", isinstance(self.controls, bool), "true or false"),
            ("fill", isinstance(self.fill, bool), "true or false"),
            *[(name, ascending(getattr(self, name)), "non-empty, ascending, distinct")
              for name in CONTROL_EDGE_FIELDS.values()],
        ]  # fmt: skip
        for name, ok, rule in checks:
            if not ok:
                raise TokenizerError(f"tokenizer config field {name} must be {rule}")

    @classmethod
    def legacy(cls) -> TokenizerConfig:
        """The v1 vocabulary (the first shipped model's): no controls, fill, shift or fine
        velocity."""
        return cls(**LEGACY)

    @property
    def velocity_levels(self) -> int:
        """Velocity values a note token carries (buckets x fine steps)."""
        return len(self.velocities) * self.velocity_steps

    @property
    def max_shift(self) -> int:
        """The largest SHIFT, in steps (0 without micro-timing)."""
        return max((self.shift_steps - 1) // 2, 0)

    def control_bins(self, kind: str) -> int:
        """How many bins control ``kind`` has (one more than its edges)."""
        return len(getattr(self, CONTROL_EDGE_FIELDS[kind])) + 1

    @property
    def density_levels(self) -> int:
        """How many density levels a role has (one more than the edges)."""
        return len(self.density_edges) + 1

    def to_dict(self) -> dict:
        """The fields as JSON-able values (tuples as lists). v2 fields at their v1 value are
        left out (and control edges without controls), so a v1 config keeps its v1 hash."""
        out = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        for name, old in LEGACY.items():
            if out[name] == old:
                del out[name]
        if not self.controls:
            for name in CONTROL_EDGE_FIELDS.values():
                del out[name]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> TokenizerConfig:
        """The config :meth:`to_dict` wrote. Raises TokenizerError for unknown fields, fields
        of the wrong type, or values the rules refuse."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise TokenizerError(f"unknown tokenizer config fields: {sorted(unknown)}")
        given = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        values: dict[str, Any] = {**LEGACY, **given}
        try:
            return cls(**values)
        except TypeError as err:  # a field of the wrong type (a number where a list belongs)
            raise TokenizerError(f"tokenizer config has a field of the wrong type: {err}") from None

    def to_json(self) -> str:
        """Canonical JSON (sorted keys): the vocabulary hash is taken over it."""
        return json.dumps(self.to_dict(), sort_keys=True)


CONTROL_KINDS = ("density", "poly", "dur", "rep")  # the order control tokens come in
CONTROL_EDGE_FIELDS = {k: f"ctrl_{k}_edges" for k in CONTROL_KINDS}
# Each v2 field's value in the v1 vocabulary; a saved config without the field means this.
LEGACY: dict[str, Any] = {"velocity_steps": 1, "shift_steps": 0, "controls": False, "fill": False}


def _int_in(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
