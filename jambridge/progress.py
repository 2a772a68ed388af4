"""A dependency-free progress bar for long jobs (dataset builds, training): rate and ETA on one
line of stderr, redrawn at most a few times a second; plain lines when stderr is not a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    """``mm:ss``, or ``h:mm:ss`` from an hour up; negative counts as 0."""
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """``with Progress(total, "files") as p: ... p.update(1, loss=2.3)``

    On a terminal the line is redrawn in place at most every ``min_interval_s``; otherwise a
    plain line is written at most every 5 s (logs stay short). The last update always draws.
    ``clock`` is injectable so tests need no real time.
    """

    def __init__(
        self,
        total: int,
        unit: str = "it",
        label: str = "",
        stream: TextIO | None = None,
        min_interval_s: float = 0.25,
        clock=time.monotonic,
    ) -> None:
        self.total, self.unit, self.label = total, unit, label
        self.stream = stream or sys.stderr
        self.min_interval_s = min_interval_s
        self.clock = clock
        self.done = 0
        self.start_s = clock()
        self._last_draw_s = -1e9
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def rate(self) -> float:
        """Units done per second since the start."""
        elapsed = self.clock() - self.start_s
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self, **fields) -> str:
        """The progress text: label, bar, done/total, rate, ETA and ``fields`` as key=value."""
        rate = self.rate()
        eta = max(self.total - self.done, 0) / rate if rate > 0 else 0.0
        frac = min(self.done / self.total, 1.0) if self.total else 1.0
        bar = "#" * int(frac * 20)
        extra = " ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in fields.items()
        )
        return (
            f"{self.label} [{bar:<20}] {self.done}/{self.total} {self.unit} "
            f"{rate:.1f} {self.unit}/s ETA {format_duration(eta)} {extra}"
        ).strip()

    def update(self, n: int = 1, **fields) -> None:
        """Count ``n`` more units done; redraw if it is time (see the class docstring)."""
        self.done += n
        now = self.clock()
        interval = self.min_interval_s if self._tty else max(self.min_interval_s, 5.0)
        if now - self._last_draw_s < interval and self.done < self.total:
            return
        self._last_draw_s = now
        text = self.line(**fields)
        self.stream.write("\r" + text + "\x1b[K" if self._tty else text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the redrawn line on a terminal (a no-op otherwise)."""
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()
