"""Progress bars for long jobs (dataset builds, training, generation), drawn by tqdm on stderr.

One line: label, bar, done/total, rate, ETA and the job's fields. On a terminal tqdm redraws it
in place at most every ``min_interval_s``; elsewhere (a log file) a plain line is written at
most every 5 s, so logs stay short and have no carriage returns.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from tqdm import tqdm

# The unit goes after the count and before "/s": "10/10 files 4.00 files/s".
BAR_FORMAT = "{desc}[{bar:20}] {n_fmt}/{total_fmt}{unit} {rate_noinv_fmt} ETA {remaining}{postfix}"
LOG_INTERVAL_S = 5.0  # at most one line this often when the stream is not a terminal


class _Bar(tqdm):
    monitor_interval = 0  # no monitor thread: data builds fork worker processes


class _LogLines:
    """A stream for tqdm that turns its in-place redraws into plain lines, repeating none."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.last = stream, ""

    def write(self, text: str) -> None:
        line = text.replace("\r", "").rstrip()
        if line and line != self.last:
            self.stream.write(line + "\n")
            self.last = line

    def flush(self) -> None:
        self.stream.flush()


class Progress:
    """``with Progress(total, "files", "build") as p: ... p.update(1, loss=2.3)``

    ``enabled=False`` shows nothing (``--no-progress``); :attr:`done` counts either way.
    """

    def __init__(
        self,
        total: int,
        unit: str = "it",
        label: str = "",
        stream: TextIO | None = None,
        min_interval_s: float = 0.25,
        enabled: bool = True,
    ) -> None:
        self._done = 0
        stream = stream or sys.stderr
        tty = hasattr(stream, "isatty") and stream.isatty()
        self._bar = _Bar(
            total=total,
            desc=f"{label} " if label else "",
            unit=f" {unit}",
            file=stream if tty else _LogLines(stream),
            mininterval=min_interval_s if tty else max(min_interval_s, LOG_INTERVAL_S),
            miniters=1,  # the time decides when to draw, not a count
            smoothing=0,  # rate and ETA from the average since the start
            bar_format=BAR_FORMAT,
            ascii=" #",
            disable=not enabled,
        )

    @property
    def done(self) -> int:
        """Units done so far."""
        return self._done

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1, **fields: Any) -> None:
        """Count ``n`` more units done; ``fields`` show as ``key=value`` at the next draw."""
        if fields:
            self._bar.set_postfix(fields, refresh=False)
        self._done += n
        self._bar.update(n)

    def close(self) -> None:
        """Draw the final state and end the line."""
        self._bar.close()
