"""Progress bar: throttled redraws, the last update always drawn, rate and ETA, on a fake clock."""

from __future__ import annotations

import io

from jambridge.progress import Progress, format_duration


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_redraws_in_place_at_most_every_interval():
    clock, term = FakeClock(), Terminal()
    with Progress(10, "files", "build", stream=term, min_interval_s=1.0, clock=clock) as p:
        for _ in range(9):
            clock.now_s += 0.25
            p.update(1, skipped=0)
        clock.now_s += 0.25
        p.update(1, loss=2.34567)
    frames = term.getvalue().split("\r")[1:]
    assert len(frames) == 1 + 2 + 1  # first update, two more per elapsed second, the last
    last = frames[-1]
    assert last.startswith("build [####################] 10/10 files 4.0 files/s ETA 00:00")
    assert "loss=2.346" in last and last.endswith("\x1b[K\n")


def test_log_stream_gets_plain_lines_every_five_seconds_and_the_last():
    clock, log = FakeClock(), io.StringIO()
    p = Progress(100, "steps", stream=log, clock=clock)
    for _ in range(100):
        clock.now_s += 0.2
        p.update(1)
    p.close()
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    # the first update, then one when 5 s have passed since the last line, and the last
    assert [int(line.split("] ")[1].split("/")[0]) for line in lines] == [1, 26, 51, 76, 100]
    assert "ETA 00:19" in lines[0]  # 1 step at 5/s, 99 to go
    assert lines[-1].startswith("[####################] 100/100 steps 5.0 steps/s ETA 00:00")


def test_overshooting_the_total_keeps_the_bar_full_not_longer():
    clock, log = FakeClock(), io.StringIO()
    p = Progress(2, stream=log, clock=clock)
    clock.now_s += 1
    p.update(3)
    assert "[####################] 3/2" in log.getvalue() and "ETA 00:00" in log.getvalue()


def test_format_duration():
    assert format_duration(-5) == "00:00"
    assert format_duration(75) == "01:15"
    assert format_duration(3 * 3600 + 62) == "3:01:02"
