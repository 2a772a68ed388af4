"""Capture edges: a note is in a capture by its own time, not by when it was polled; the 1/32
note before each edge bar line belongs to that bar line (an early first downbeat is beat 1, the
next bar's downbeat pushed early is not the riff's); a note held across the end ends there.

The recorder alone first, then the scheduler simulation (tests/test_scheduler.py's Sim), where
input can be posted after the time it is stamped with, as a port polled late delivers it."""

from __future__ import annotations

import pytest

from jambridge.bridge import controls as ctl
from jambridge.bridge.capture import EDGE_TICKS, CaptureRecorder, riff_bars
from jambridge.bridge.events import CaptureTaken
from jambridge.riff.settings import RiffSettings
from tests.test_capture import BAR, play, quantized_notes
from tests.test_jam_live import BASS, RIFF, onsets, run_to_bar
from tests.test_jam_live import play as play_into
from tests.test_scheduler import Sim, pulse_time_of_tick, started

MS_128 = 60_000 / (128 * 24)  # ms per tick at 128 BPM


def test_the_edge_is_a_32nd_note():
    assert EDGE_TICKS * 8 == 24 * 1  # ticks per beat / 8: half a 16th


# -- the recorder ----------------------------------------------------------------------------------


def test_a_riff_played_round_and_round_is_captured_once_per_pass():
    """Each downbeat 40 ms early (128 BPM): the one before the start is beat 1, the one before
    the end is the next pass's, so the capture holds each note of the riff once."""
    early = 40 / MS_128  # 2.05 ticks
    one_pass = [(0 - early, 45), (24, 48), (48, 52), (72 + 1.4, 50)]
    rec = CaptureRecorder()
    rec.arm(ctl.ArmCapture(1, "bass"), now_tick=BAR - 10)  # captures bar 2 (ticks 96..192)
    for k in range(3):  # bars 1, 2 and 3
        play(rec, [(k * BAR + t, k * BAR + t + 10, p, 100) for t, p in one_pass])
    result = rec.poll(2 * BAR, 128.0)
    assert [(n.pitch, n.start_beats) for n in quantized_notes(result.bars)] == [
        (45, 0.0), (48, 1.0), (52, 2.0), (50, 3.0 + 1 / 12),
    ]  # fmt: skip
    riff = riff_bars(result.played, 1.0)  # on the 16th grid: one downbeat, not two
    assert [(n.pitch, n.start_beats) for n in riff[0][0].notes] == [
        (45, 0.0), (48, 1.0), (52, 2.0), (50, 3.0),
    ]  # fmt: skip


def test_an_early_first_downbeat_is_beat_one_as_played_too():
    rec = CaptureRecorder()
    rec.arm(ctl.ArmCapture(2, "bass"), now_tick=10)  # bars 2-3 (ticks 96..288)
    play(rec, [(BAR - 0.48, BAR + 10, 45, 100), (BAR + 24.3, BAR + 30, 48, 100)])  # 10 ms early
    result = rec.poll(3 * BAR, 120.0)
    first_bar = result.played[0][0].notes
    assert [(n.pitch, n.start_beats) for n in first_bar] == [(45, 0.0), (48, 24.3 / 24)]
    assert not result.played[1][0].notes  # not wrapped round to the loop's end
    assert riff_bars(result.played, 0.0)[0][0].notes[0].start_beats == 0.0


def test_a_note_held_across_the_end_ends_there_as_played_too():
    rec = CaptureRecorder()
    rec.arm(ctl.ArmCapture(1, "bass"), now_tick=0)
    play(rec, [(0, 10, 45, 100), (BAR - 12 + 1.0, BAR + 20, 45, 100)])  # a late 8th, held over
    result = rec.poll(BAR, 120.0)
    for bars in (result.bars, riff_bars(result.played, 0.0), riff_bars(result.played, 1.0)):
        last = bars[0][0].notes[-1]
        assert last.start_beats + last.duration_beats == pytest.approx(4.0)


def test_a_closed_capture_takes_late_polled_notes_stamped_before_its_end():
    rec = CaptureRecorder()
    rec.arm(ctl.ArmCapture(1, "bass"), now_tick=0)
    play(rec, [(0, 10, 45, 100)])
    opened = rec.close(BAR, 120.0)  # the bar line it ends on is committed, a little early
    assert opened is not None and opened.note_count == 1 and rec.armed is None
    rec.note_on(BAR - 5.0, 0, 52, 90)  # stamped before the end, polled after the close
    assert rec.settle(BAR - 0.5, 120.0) is None  # input up to the end is not all in yet
    settled = rec.settle(BAR + 1.0, 120.0)
    assert settled is not None and settled.opened == opened and settled.changed
    assert quantized_notes(settled.result.bars)[-1] == (52, 4 - 4 / 24, 4 / 24, 90)  # ends at E
    assert rec.settle(BAR + 2.0, 120.0) is None  # settled once


# -- the scheduler ---------------------------------------------------------------------------------


def arm_and_play(sim: Sim, command: ctl.ArmCapture, notes) -> int:
    """Arm ``command`` in bar 1 (the capture takes bars 2..), play ``notes`` from bar 2's line;
    returns the index of the pulse that is tick 0."""
    first = len(sim.pulse_log)
    sim.run_beats(4.5)
    sim.sched.post(command)
    sim.run_beats(0.1)
    play_into(sim, first, 2, notes)
    return first


def post_late(sim: Sim, first: int, stamp_tick: float, arrive_tick: float, msg) -> None:
    """Run to song tick ``arrive_tick``, then hand the scheduler ``msg`` stamped with the time
    of ``stamp_tick`` (a port polled late)."""
    run_to_bar(sim, first, arrive_tick / 96 - 1e-3 / (96 * sim.period))
    sim.sched.post_midi(pulse_time_of_tick(sim, first, stamp_tick), msg)


def taken(sim: Sim):
    results = [e.result for e in sim.events if isinstance(e, CaptureTaken)]
    assert len(results) == 1
    return results[0]


@pytest.mark.parametrize("bars", [1, 2])
def test_a_note_stamped_before_the_end_and_polled_after_it_is_in_the_riff(bars):
    """The riff's last 16th played a tick late reaches the scheduler 10 ms after the end bar
    line: it is in the capture and in the riff's first pass (a 1-bar riff's first bar was
    already on its way) and every pass after."""
    sim = started(128)
    riff = [n for n in RIFF if n[0] < bars * 96]
    first = arm_and_play(sim, ctl.ArmCapture(bars, "bass", channel=0), riff)
    end = (2 + bars) * 96
    arrive = end + 10 / MS_128
    post_late(sim, first, end - 5.0, arrive, [0x90, 55, 100])
    post_late(sim, first, end - 1.0, arrive, [0x80, 55, 0])
    run_to_bar(sim, first, 2 + 3 * bars)
    assert 55 in [n.pitch for n in quantized_notes(taken(sim).bars)]
    want = sorted([(t, p) for t, p, _ in riff] + [(bars * 96 - 6, 55)])
    bar = 2 + bars
    assert onsets(sim, first, BASS, bar, bar + bars) == want  # the first pass
    assert onsets(sim, first, BASS, bar + bars, bar + 2 * bars) == want


def test_with_an_output_latency_notes_up_to_the_last_32nd_are_in_the_riff():
    """40 ms of output latency: the end bar line is committed 70 ms early (174 BPM); a last 16th
    played 30 ms late (56 ms before the end, on time from the input) is kept."""
    sim = started(174, latency_ms=40)
    first = arm_and_play(sim, ctl.ArmCapture(2, "bass", channel=0), RIFF)
    late = 0.030 / sim.period
    play_into(sim, first, 3, [(90 + late, 55, 3)])
    run_to_bar(sim, first, 5)
    assert 55 in [n.pitch for n in quantized_notes(taken(sim).bars)]
    riff = sim.sched.snapshot.riff
    assert riff is not None and (55, 3.75) in [
        (n.pitch, n.start_beats) for n in riff.bars[1][0].notes
    ]


def test_a_note_held_across_the_end_and_polled_late_ends_on_the_end_bar_line():
    sim = started(128)
    first = arm_and_play(sim, ctl.ArmCapture(2, "bass", channel=0), RIFF)
    end = 4 * 96
    post_late(sim, first, end - 12 + 0.5, end + 10 / MS_128, [0x90, 57, 100])
    sim.send_input([0x80, 57, 0], at=pulse_time_of_tick(sim, first, end + 40))
    run_to_bar(sim, first, 8)
    riff = sim.sched.snapshot.riff
    assert riff is not None
    for bars in (taken(sim).bars, riff.bars):  # saved, and as it plays
        (held,) = [n for n in quantized_notes(bars) if n.pitch == 57]
        assert held.start_beats + held.duration_beats == pytest.approx(8.0)
    t_on = pulse_time_of_tick(sim, first, (4 + 2) * 96 - 12)  # the riff's second pass
    t_off = pulse_time_of_tick(sim, first, (4 + 2) * 96)
    sent = [(t, m[0] & 0xF0) for t, m in sim.out.sent if len(m) == 3 and m[1] == 57]
    assert (pytest.approx(t_on, abs=1e-4), 0x90) in sent
    assert (pytest.approx(t_off, abs=1e-4), 0x80) in sent


def test_an_early_first_downbeat_plays_on_the_riffs_first_bar_line():
    """Played as is (quantize 0): the downbeat 10 ms early is the riff's beat 1 from its first
    bar on, not a note at the end of its last bar."""
    sim = started(128)
    riff = RiffSettings(quantize=0.0)
    first = arm_and_play(sim, ctl.ArmCapture(2, "bass", channel=0, riff=riff), RIFF[1:])
    play_into(sim, first, 2, [(-10 / MS_128, 45, 10)])
    run_to_bar(sim, first, 6)
    got = onsets(sim, first, BASS, 4, 6)
    assert got[0] == (0.0, 45)
    assert [p for _, p in got] == [p for _, p, _ in RIFF]
