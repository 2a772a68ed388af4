"""Progress bar (tqdm): throttled redraws, plain log lines, the shown fields, on a fake clock."""

from __future__ import annotations

import io

import pytest

from jambridge.progress import Progress


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr("tqdm.std.time", fake)  # tqdm reads its clock from here
    return fake


def test_terminal_redraws_in_place_at_most_every_interval(clock):
    term = Terminal()
    with Progress(10, "files", "build", stream=term, min_interval_s=1.0) as p:
        for _ in range(10):
            clock.now_s += 0.25
            p.update(1, skipped=0)
    frames = term.getvalue().split("\r")[1:]
    # the start, one per elapsed second (at 4 and 8 files), and the final state on close
    assert [f.split("] ")[1].split(" ")[0] for f in frames] == ["0/10", "4/10", "8/10", "10/10"]
    assert term.getvalue().endswith("\n") and "\n" not in term.getvalue()[:-1]


def test_the_line_shows_label_bar_count_rate_eta_and_fields(clock):
    term = Terminal()
    with Progress(10, "files", "build", stream=term, min_interval_s=0) as p:
        clock.now_s += 1.0
        p.update(4, loss=2.34567)
    line = term.getvalue().split("\r")[2].rstrip()
    assert line == "build [########            ] 4/10 files  4.00 files/s ETA 00:01, loss=2.35"


def test_log_stream_gets_plain_lines_every_five_seconds_and_the_last(clock):
    log = io.StringIO()
    with Progress(100, "steps", stream=log) as p:
        for _ in range(100):
            clock.now_s += 0.2
            p.update(1)
    assert "\r" not in log.getvalue()
    lines = log.getvalue().splitlines()
    assert [line.split("] ")[1].split(" ")[0] for line in lines] == [
        "0/100", "25/100", "50/100", "75/100", "100/100"
    ]  # fmt: skip
    assert lines[-1] == "[####################] 100/100 steps  5.00 steps/s ETA 00:00"


def test_disabled_shows_nothing_but_counts(clock):
    log = Terminal()
    with Progress(3, "bars", stream=log, enabled=False) as p:
        p.update(2)
    assert log.getvalue() == "" and p.done == 2
