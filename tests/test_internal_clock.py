"""The internal clock as a master a DAW can follow: Start on a bar line after a bar of count-in,
Song Position Pointer before Continue, tempo changes that glide over a beat of pulses."""

from __future__ import annotations

import pytest

from jambridge.bridge.timing.internal_clock import InternalClock, period_of, song_position
from jambridge.bridge.timing.pulse_grid import PulseGrid
from jambridge.bridge.timing.transport import TICKS_PER_BAR, Play, TransportState


def _sent_until(clock: InternalClock, t_end: float) -> list[tuple[float, tuple[int, ...]]]:
    out = []
    while (t := clock.next_send_time()) is not None and t <= t_end:
        out.extend((t, m) for m in clock.take_send())
    return out


def test_start_falls_on_a_bar_line_after_a_bar_of_count_in():
    clock = InternalClock(120.0)
    clock.begin(0.0)
    reply = clock.play(0.0)
    (play,) = reply.events
    assert isinstance(play, Play) and play.kind == "start" and play.tick == 0
    sent = _sent_until(clock, 4.5)
    pulses_before = [t for t, m in sent if m == (0xF8,) and t < play.t_s]
    assert len(pulses_before) >= TICKS_PER_BAR  # a bar of clock for the follower to lock to
    assert len(pulses_before) % TICKS_PER_BAR == 0  # Start on a bar line of the pulse grid
    start = [i for i, (_, m) in enumerate(sent) if m == (0xFA,)]
    assert len(start) == 1 and sent[start[0] + 1] == (play.t_s, (0xF8,))  # nothing between
    assert clock.state is TransportState.PLAYING and clock.time_of_tick(0) == play.t_s


def test_a_grid_that_ran_a_while_starts_on_its_next_bar_line():
    clock = InternalClock(120.0)
    clock.begin(0.0)
    _sent_until(clock, 5.1)  # 2.55 bars of pulses out
    (play,) = clock.play(5.1).events
    assert play.t_s == pytest.approx(6.0)  # bar 4 of the grid (2 s a bar at 120 BPM)


def test_playing_from_a_later_bar_sends_the_song_position_then_continue():
    clock = InternalClock(120.0)
    clock.begin(0.0)
    reply = clock.play(0.0, from_tick=3 * TICKS_PER_BAR)  # bar 4
    assert reply.send == (song_position(3 * TICKS_PER_BAR),) == ((0xF2, 48, 0),)
    (play,) = reply.events
    assert play.kind == "continue" and play.tick == 3 * TICKS_PER_BAR
    sent = _sent_until(clock, play.t_s)
    assert [m for _, m in sent][-2:] == [(0xFB,), (0xF8,)]
    assert clock.pulse_tick == 3 * TICKS_PER_BAR and clock.time_of_tick(288) == play.t_s


def test_a_tempo_change_glides_over_a_beat_of_pulses():
    clock = InternalClock(120.0)
    clock.begin(0.0)
    _sent_until(clock, 1.0)
    clock.set_bpm(140.0)
    times = [t for t, m in _sent_until(clock, 3.0) if m == (0xF8,)]
    steps = [b - a for a, b in zip(times, times[1:])]
    old, new = period_of(120.0), period_of(140.0)
    assert steps[0] == pytest.approx(old - (old - new) / 24, rel=1e-9)  # first step of the glide
    assert all(b <= a + 1e-12 for a, b in zip(steps, steps[1:]))  # never back, never a jump
    assert max(abs(b - a) for a, b in zip(steps, steps[1:])) <= (old - new) / 24 + 1e-12
    assert steps[-1] == pytest.approx(new, rel=1e-9)
    assert clock.bpm == pytest.approx(140.0)


def test_the_grid_inverts_inside_and_after_a_glide():
    grid = PulseGrid(period_of(120.0))
    grid.anchor(0, 10.0)
    grid.ramp_to(48, period_of(90.0))
    for index in (10.0, 48.0, 50.5, 60.0, 71.9, 72.0, 200.25):
        assert grid.index_at(grid.time_of(index)) == pytest.approx(index, abs=1e-9)
