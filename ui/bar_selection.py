"""A bar range picked in a lane: what "Regenerate bars A-B" (bar infill) works on.

No Qt here. :class:`BarPicker` turns the piano roll's mouse into a :class:`BarSpan`: a press
picks one bar, dragging (or a shift-press) stretches the span from where the press began.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BarSpan:
    """Bars ``first`` .. ``last`` (0-based, inclusive)."""

    first: int
    last: int

    @classmethod
    def between(cls, a: int, b: int) -> BarSpan:
        """The bars from ``a`` to ``b``, in either order."""
        return cls(min(a, b), max(a, b))

    @property
    def bars(self) -> range:
        """The 0-based bar indices."""
        return range(self.first, self.last + 1)

    @property
    def label(self) -> str:
        """As a musician counts them: ``bar 3`` or ``bars 3-4``."""
        if self.first == self.last:
            return f"bar {self.first + 1}"
        return f"bars {self.first + 1}-{self.last + 1}"

    def fits(self, length_bars: int) -> bool:
        """Whether every bar of the span is in a song of ``length_bars`` bars."""
        return self.first >= 0 and self.last < length_bars


class BarPicker:
    """Press / drag / shift-press -> a :class:`BarSpan` (single-threaded: the Qt thread)."""

    def __init__(self) -> None:
        self.anchor: int | None = None  # the bar the span grows from
        self.span: BarSpan | None = None
        self.dragging = False  # the button is held since a press

    def press(self, bar: int, extend: bool = False) -> BarSpan:
        """A press on ``bar``; ``extend`` (shift held): from the anchor to ``bar``."""
        if not extend or self.anchor is None:
            self.anchor = bar
        self.span = BarSpan.between(self.anchor, bar)
        self.dragging = True
        return self.span

    def move(self, bar: int) -> BarSpan | None:
        """The mouse moved over ``bar``: a drag stretches the span; otherwise nothing changes."""
        if self.dragging and self.anchor is not None:
            self.span = BarSpan.between(self.anchor, bar)
        return self.span

    def release(self) -> None:
        self.dragging = False

    def clear(self) -> None:
        self.anchor, self.span, self.dragging = None, None, False
