"""The injected time source: monotonic in production, fake in tests.

Everything in the bridge takes times in seconds from one :class:`Clock`. Production uses
:class:`MonotonicClock` (``time.perf_counter``: monotonic, sub-microsecond, never steps with
wall-clock changes). Tests use :class:`FakeClock` and move time by hand; nothing sleeps.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """A monotonic time source in seconds."""

    def now(self) -> float: ...


class MonotonicClock:
    """``time.perf_counter``: the clock input arrivals are stamped on (see ``io/arrivals``)."""

    def now(self) -> float:
        return time.perf_counter()


class FakeClock:
    """A clock that moves only when told (tests)."""

    def __init__(self, start_s: float = 100.0) -> None:
        self.t = start_s

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t

    def set(self, t_s: float) -> None:
        self.t = t_s
