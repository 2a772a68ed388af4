"""What a lane's polyphony and duration knobs offer: the tokenizer's control bins, named as a
producer reads them (``poly 4-5``, ``dur ≤1/8``), and ``auto`` (no control: the model chooses).

No Qt here. The bins are the ones the engine measures and enforces
(:func:`jambridge.engine.guide.bin_bounds` over the tokenizer config's edges), so a knob's label
says what the generated bars will hold.
"""

from __future__ import annotations

from fractions import Fraction

from jambridge.engine.guide import OPEN, bin_bounds
from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT
from jambridge.tokenizer import TokenizerConfig

KNOB_KINDS = ("poly", "dur")  # per-track controls with a knob in the lane (rep: presets only)
AUTO = "auto"  # the knob's first item: no control
KNOB_TIPS: dict[str, str] = {
    "poly": "Polyphony: most notes sounding at once in a bar (auto: the model chooses)",
    "dur": "Duration: the bar's median note length (auto: the model chooses)",
}
PITCHED_ONLY = frozenset({"dur"})  # drum hits have no length: no duration knob on drums


def knob_kinds(role: str) -> tuple[str, ...]:
    """The knobs ``role``'s lane has."""
    return tuple(k for k in KNOB_KINDS if role != "drums" or k not in PITCHED_ONLY)


def _note_value(ticks: int) -> str:
    """``3`` grid ticks -> ``1/16`` (of a 4/4 bar's whole note)."""
    share = Fraction(ticks, GRID_PER_BEAT * BEATS_PER_BAR)
    return str(share.numerator) if share.denominator == 1 else str(share)


def _label(kind: str, lo: int, hi: int, edges: tuple[float, ...]) -> str:
    if kind == "dur":
        return f">{_note_value(int(edges[-1]))}" if hi == OPEN else f"≤{_note_value(hi)}"
    lo = max(lo, 1)  # a bar with notes has one sounding at least
    if hi == OPEN:
        return f"{lo}+"
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


def bin_labels(kind: str, config: TokenizerConfig | None = None) -> tuple[str, ...]:
    """Each bin of ``kind`` (``poly`` or ``dur``) as the knob shows it, bin 0 first."""
    config = config or TokenizerConfig()
    edges = getattr(config, f"ctrl_{kind}_edges")
    return tuple(
        _label(kind, *bin_bounds(edges, b), edges) for b in range(config.control_bins(kind))
    )


def knob_items(kind: str) -> list[tuple[str, int | None]]:
    """``(text, bin)`` for the knob's list: ``auto`` (None) first, then every bin."""
    return [(f"{kind} {AUTO}", None)] + [
        (f"{kind} {text}", b) for b, text in enumerate(bin_labels(kind))
    ]
