"""The real-time scheduler, driven step by step on a fake clock (event-driven simulation).

The simulation wakes the scheduler exactly when it asks to be woken and when a clock pulse
arrives, as the real loop does, so send times are exact and the tests assert them tightly.
"""

from __future__ import annotations

import math
import random
import time

import pytest

from jambridge.bridge import controls as ctl
from jambridge.bridge.events import (
    BarPlayed,
    BarQueued,
    CaptureTaken,
    LogLine,
    TransportChanged,
    Underrun,
)
from jambridge.bridge.playback.lookahead import BarFeed
from jambridge.bridge.playback.scheduler import Scheduler, SchedulerConfig
from jambridge.bridge.playback.sources import CLOSED_HAT, CRASH, KICK, PatternSource
from jambridge.bridge.playback.streaming import InlineGenerator
from jambridge.bridge.timing.clock import ClockFollower
from jambridge.bridge.timing.internal_clock import InternalClock
from jambridge.bridge.timing.timebase import FakeClock
from jambridge.errors import PortError

DRUMS, BASS, CHORDS, LEAD = 9, 1, 2, 3  # default 0-based channels


class FakeOut:
    name = "fake out"

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent: list[tuple[float, list[int]]] = []
        self.fail = False

    def send(self, msg):
        if self.fail:
            raise PortError("gone")
        self.sent.append((self.clock.now(), list(msg)))

    def close(self):
        pass


class Sim:
    def __init__(self, bpm=120.0, internal=False, latency_ms=0.0, jitter_s=0.0, seed=0, wander=0.0):
        self.clock = FakeClock(100.0)
        self.out = FakeOut(self.clock)
        self.gen = InlineGenerator(PatternSource())
        self.feed = BarFeed(self.gen, ctl.Controls())
        timing = InternalClock(bpm) if internal else ClockFollower()
        self.sched = Scheduler(
            self.out, self.clock, self.feed, timing, SchedulerConfig(latency_ms=latency_ms)
        )
        self.feed.start()
        if internal:
            timing.begin(self.clock.now())
        self.bpm = bpm
        self.period = 60.0 / (bpm * 24)
        self.next_pulse = self.clock.now() + 0.01
        self.clocking = not internal
        self.jitter_s = jitter_s  # each stamp late by up to this (noise around the grid)
        self.wander = wander  # each interval off by up to this fraction (the grid wanders)
        self.drop: set[int] = set()  # indices of pulses lost on the way
        self.rng = random.Random(seed)
        self.pulse_log: list[float] = []  # true pulse times sent
        self.deadline = None
        self.events: list = []
        self.event_times: list[float] = []  # when each event came off the queue
        self.queued: list[tuple[float, list[int]]] = []  # (time, msg) extra input to deliver

    def send_input(self, msg, at=None):
        """Deliver a message at time ``at`` (default: now)."""
        self.queued.append((self.clock.now() if at is None else at, list(msg)))
        self.queued.sort(key=lambda x: x[0])

    def run_for(self, seconds: float) -> None:
        end = self.clock.now() + seconds
        while True:
            now = self.clock.now()
            candidates = [end, now + 0.005]
            if self.deadline is not None:
                candidates.append(self.deadline)
            if self.clocking:
                candidates.append(self.next_pulse)
            if self.queued:
                candidates.append(self.queued[0][0])
            t = max(min(candidates), now)
            self.clock.set(t)
            while self.queued and self.queued[0][0] <= t:
                at, msg = self.queued.pop(0)
                self.sched.post_midi(at, msg)
            if self.clocking and self.next_pulse <= t:
                stamp = t + self.rng.uniform(0, self.jitter_s)
                if len(self.pulse_log) not in self.drop:
                    self.sched.post_midi(stamp, [0xF8])
                self.pulse_log.append(t)
                wander = self.rng.uniform(-1, 1) * self.wander if self.wander else 0.0
                self.next_pulse += self.period * (1 + wander)
            self.deadline = self.sched.step(t)
            self.drain()
            if t >= end:
                return

    def run_beats(self, beats: float) -> None:
        self.run_for(beats * 24 * self.period)

    def drain(self):
        while not self.sched.events.empty():
            self.events.append(self.sched.events.get())
            self.event_times.append(self.clock.now())

    def at_pulse_boundary(self, msg):
        """Send a message half way between pulses (as a DAW does)."""
        self.send_input(msg, at=self.next_pulse - self.period / 2)
        self.run_for(self.next_pulse - self.period / 2 - self.clock.now() + 1e-9)

    def note_ons(self, channel=None):
        return [
            (t, m)
            for t, m in self.out.sent
            if m[0] & 0xF0 == 0x90 and m[2] > 0 and (channel is None or m[0] & 0x0F == channel)
        ]

    def stuck(self) -> int:
        sounding = {}
        for _, m in self.out.sent:
            if len(m) < 3:
                continue
            key = (m[0] & 0x0F, m[1])
            if m[0] & 0xF0 == 0x90 and m[2] > 0:
                sounding[key] = sounding.get(key, 0) + 1
            elif m[0] & 0xF0 == 0x80 or (m[0] & 0xF0 == 0x90 and m[2] == 0):
                sounding[key] = 0
            elif m[0] & 0xF0 == 0xB0 and m[1] == 123:
                for k in list(sounding):
                    if k[0] == m[0] & 0x0F:
                        sounding[k] = 0
        return sum(1 for v in sounding.values() if v)


def started(bpm=120.0, **kw) -> Sim:
    sim = Sim(bpm, **kw)
    sim.run_beats(2)  # the DAW clocks while stopped: tempo is known before Start
    sim.at_pulse_boundary([0xFA])
    return sim


def pulse_time_of_tick(sim: Sim, start_index: int, tick: float) -> float:
    return sim.pulse_log[start_index] + tick * sim.period


def test_notes_go_out_on_the_clock_grid_from_the_first_downbeat():
    sim = started(120)
    first = len(sim.pulse_log)  # index of the pulse that will be tick 0
    sim.run_beats(8.5)
    kicks = [t for t, m in sim.note_ons(DRUMS) if m[1] == KICK]
    assert len(kicks) == 9  # beats 1..9 (two bars and the first beat of bar 3)
    for beat, t in enumerate(kicks):
        assert t == pytest.approx(pulse_time_of_tick(sim, first, 24 * beat), abs=2e-5)
    hats = [t for t, m in sim.note_ons(DRUMS) if m[1] == CLOSED_HAT]
    for i, t in enumerate(hats[:12]):
        beat, s = divmod(i, 3)
        assert t == pytest.approx(pulse_time_of_tick(sim, first, 24 * beat + 6 * (s + 1)), abs=2e-5)
    bars = [e.index for e in sim.events if isinstance(e, BarPlayed)]
    assert bars == [0, 1, 2]
    assert not any(isinstance(e, Underrun) for e in sim.events)


def test_lead_marks_successive_stream_bars():
    sim = started(140)
    sim.run_beats(4 * 4 + 1)
    assert [m[1] for _, m in sim.note_ons(LEAD)] == [60, 61, 62, 63, 64]


def test_notes_between_pulses_are_timed_from_the_tempo_model_not_the_pulses():
    sim = started(128, jitter_s=0.0013, seed=4)  # input stamps late by up to a JACK period
    first = len(sim.pulse_log)
    sim.run_beats(16)
    errors = [
        t - pulse_time_of_tick(sim, first, 24 * beat)
        for beat, t in enumerate(t for t, m in sim.note_ons(DRUMS) if m[1] == KICK)
    ][2:]
    # the model sits at the stamps' mean (half the jitter late); spread far below the jitter
    mean = sum(errors) / len(errors)
    assert mean == pytest.approx(0.00065, abs=0.0003)
    assert max(abs(e - mean) for e in errors) < 0.0004


def test_latency_offset_sends_notes_early():
    sim = started(120, latency_ms=15)
    first = len(sim.pulse_log)
    sim.run_beats(6)
    kicks = [t for t, m in sim.note_ons(DRUMS) if m[1] == KICK]
    assert kicks[2] == pytest.approx(pulse_time_of_tick(sim, first, 48) - 0.015, abs=2e-5)
    sim.sched.post(ctl.SetLatency(-10))
    sim.run_beats(2)
    kicks = [t for t, m in sim.note_ons(DRUMS) if m[1] == KICK]
    assert kicks[-1] == pytest.approx(pulse_time_of_tick(sim, first, 24 * 7) + 0.010, abs=2e-5)


def kick_times(sim: Sim) -> list[float]:
    return [t for t, m in sim.note_ons(DRUMS) if m[1] == KICK]


def test_a_wandering_clock_has_each_note_sent_on_its_own_pulse():
    """jack_midi_clock -J: every interval off by up to 10 %, so the grid is the pulses."""
    sim = started(90, wander=0.1, seed=2)
    first = len(sim.pulse_log)
    sim.run_beats(24)
    assert sim.sched.timing.tempo.follows_pulses
    errors = [t - sim.pulse_log[first + 24 * beat] for beat, t in enumerate(kick_times(sim))]
    assert len(errors) >= 20
    # after the filters have seen two beats, each kick goes out with its pulse
    assert max(abs(e) for e in errors[4:]) < 1e-6
    assert sim.sched.timing.bpm == pytest.approx(90, rel=0.02)  # the tempo shown stays steady


def test_a_steady_clock_with_noisy_stamps_keeps_notes_on_the_line():
    sim = started(90, jitter_s=0.004, seed=2)  # each stamp late by 0..4 ms
    first = len(sim.pulse_log)
    sim.run_beats(24)
    assert not sim.sched.timing.tempo.follows_pulses
    errors = [t - sim.pulse_log[first + 24 * beat] for beat, t in enumerate(kick_times(sim))][4:]
    mean = sum(errors) / len(errors)  # the line sits at the stamps' mean, 2 ms late
    assert mean == pytest.approx(0.002, abs=0.001)
    assert max(abs(e - mean) for e in errors) < 1.2e-3  # far below the stamps' 4 ms spread


def test_a_lost_pulse_on_a_wandering_clock_delays_its_note_a_quarter_pulse_at_most():
    sim = started(90, wander=0.1, seed=2)
    first = len(sim.pulse_log)
    sim.drop = {first + 24 * 12}  # the pulse of beat 12's kick never arrives
    sim.run_beats(16)
    kick = kick_times(sim)[12]
    late = kick - sim.pulse_log[first + 24 * 12]
    assert 0 < late <= 0.25 * sim.period * 1.2 + 0.0003
    assert sim.sched.timing.recovered == 1  # counted in: later notes stay on their pulses
    assert kick_times(sim)[14] == pytest.approx(sim.pulse_log[first + 24 * 14], abs=1e-6)
    sim.at_pulse_boundary([0xFC])
    assert sim.stuck() == 0


def test_latency_offset_on_a_wandering_clock_sends_notes_ahead_of_their_pulses():
    sim = started(90, wander=0.1, seed=2, latency_ms=10)
    first = len(sim.pulse_log)
    sim.run_beats(16)
    errors = [t - sim.pulse_log[first + 24 * beat] for beat, t in enumerate(kick_times(sim))][4:]
    spread = 0.1 * sim.period + 1e-4  # one interval's wander
    assert all(abs(e + 0.010) < spread for e in errors)


def test_stop_ends_every_note_and_sends_all_notes_off():
    sim = started(120)
    sim.run_beats(5.5)  # the whole-bar chord is sounding
    assert len(sim.sched.output.notes) > 0
    sim.at_pulse_boundary([0xFC])
    assert len(sim.sched.output.notes) == 0 and sim.stuck() == 0
    ccs = [m for _, m in sim.out.sent if m[0] & 0xF0 == 0xB0 and m[1] == 123]
    assert {m[0] & 0x0F for m in ccs} >= {DRUMS, BASS, CHORDS, LEAD}
    before = len(sim.out.sent)
    sim.run_beats(4)  # clock keeps coming while stopped: nothing plays
    assert len(sim.out.sent) == before
    assert sim.sched.output.notes.on_count == sim.sched.output.notes.off_count


def test_clock_loss_ends_every_note():
    sim = started(120)
    sim.run_beats(4.5)
    sim.clocking = False  # the DAW died mid-bar
    sim.run_for(0.1)
    assert len(sim.sched.output.notes) > 0  # not yet: 8 pulse periods
    sim.run_for(0.3)
    assert len(sim.sched.output.notes) == 0 and sim.stuck() == 0
    assert any(isinstance(e, TransportChanged) and e.kind == "clock lost" for e in sim.events)


def test_continue_from_a_song_position_plays_on_the_right_grid():
    sim = started(120)
    sim.run_beats(3)
    sim.at_pulse_boundary([0xFC])
    sim.at_pulse_boundary([0xF2, 38, 0])  # 38 sixteenths: bar 3, beat 2, 3rd 16th
    sim.at_pulse_boundary([0xFB])
    resume = len(sim.pulse_log)  # this pulse is song tick 38 * 6 = 228
    sim.out.sent.clear()
    sim.run_beats(3)
    ons = sim.note_ons(DRUMS)
    kicks = [t for t, m in ons if m[1] == KICK]
    crashes = [t for t, m in ons if m[1] == CRASH]
    # next beats at ticks 240, 264, 288 (bar 4 downbeat: crash)
    assert kicks[0] == pytest.approx(pulse_time_of_tick(sim, resume, 240 - 228), abs=2e-5)
    assert crashes[0] == pytest.approx(pulse_time_of_tick(sim, resume, 288 - 228), abs=2e-5)
    hats = [t for t, m in ons if m[1] == CLOSED_HAT]
    assert hats[0] == pytest.approx(pulse_time_of_tick(sim, resume, 0), abs=2e-5)  # 16th 3
    played = [e for e in sim.events if isinstance(e, BarPlayed)]
    assert played[-2].index == 2 and played[-2].from_beat == pytest.approx(228 / 24 - 8)
    assert played[-1].index == 3


def test_spp_while_playing_relocates_without_stuck_notes():
    sim = started(120)
    sim.run_beats(2.5)
    sim.at_pulse_boundary([0xF2, 0, 0])
    assert sim.stuck() == 0
    sim.run_beats(1)
    assert any(e.kind == "relocate" for e in sim.events if isinstance(e, TransportChanged))
    assert sim.note_ons()  # playing again


def test_cold_start_without_prior_clock_plays_bar_one():
    sim = Sim(120)
    sim.clocking = False
    sim.send_input([0xFA])
    sim.run_for(0.01)
    sim.clocking = True
    sim.next_pulse = sim.clock.now() + 0.001
    first = len(sim.pulse_log)
    sim.run_beats(4)
    kicks = [t for t, m in sim.note_ons(DRUMS) if m[1] == KICK]
    assert kicks[0] == pytest.approx(pulse_time_of_tick(sim, first, 0), abs=1e-6)
    assert kicks[3] == pytest.approx(pulse_time_of_tick(sim, first, 72), abs=2e-5)


def test_late_bar_repeats_the_previous_one_and_counts():
    sim = started(120)
    sim.run_beats(3)
    sim.gen.hold = True  # the next reply does not come in time
    sim.run_beats(9)
    leads = [m[1] for _, m in sim.note_ons(LEAD)]
    assert leads[:2] == [60, 61] and set(leads[2:]) == {61}  # repeats, never silence
    underruns = [e for e in sim.events if isinstance(e, Underrun)]
    assert underruns and underruns[-1].total == sim.feed.underruns >= 1
    sim.gen.hold = False
    sim.run_beats(8)
    assert [m[1] for _, m in sim.note_ons(LEAD)][-1] > 61  # catches up


def test_mute_and_solo_apply_at_the_next_bar_line():
    sim = started(120)
    sim.run_beats(1)
    sim.sched.post(ctl.SetTrack("drums", mute=True))
    sim.run_beats(2)
    assert len([1 for _, m in sim.note_ons(DRUMS) if m[1] == KICK]) == 3  # bar 1 plays out
    sim.run_beats(4)
    assert len([1 for _, m in sim.note_ons(DRUMS) if m[1] == KICK]) == 4
    sim.sched.post(ctl.SetTrack("bass", solo=True))
    sim.run_beats(4)
    n = len(sim.out.sent)
    sim.run_beats(4)
    channels = {m[0] & 0x0F for _, m in sim.out.sent[n:] if m[0] & 0xF0 == 0x90}
    assert channels == {BASS}


def test_a_knob_turn_regenerates_the_waiting_bar_once_before_the_bar_line():
    sim = started(120)
    sim.run_beats(1)
    base = len(sim.gen.requests)
    for v in (0.2, 0.4, 0.6, 0.8):
        sim.sched.post(ctl.SetTrack("lead", temperature=v))
        sim.run_beats(0.25)
    sim.run_beats(3)
    new = sim.gen.requests[base:]
    replaced = [r for r in new if r.replace]
    assert len(replaced) == 1 and replaced[0].request.controls.track("lead").temperature == 0.8
    leads = [m[1] for _, m in sim.note_ons(LEAD)]
    assert leads == [60, 61]  # the regenerated bar replaced the waiting one: no gap, no skip


def test_regenerate_one_track_reaches_the_source():
    sim = started(120)
    sim.run_beats(1)
    sim.sched.post(ctl.Regenerate("bass"))
    sim.run_beats(4)
    assert any("bass" in r.request.regenerate for r in sim.gen.requests)


def test_lock_loops_the_bar_playing_when_it_took_effect():
    sim = started(120)
    sim.run_beats(5)  # bar 2 (lead 61) playing
    sim.sched.post(ctl.SetTrack("lead", lock=True))
    sim.run_beats(12)
    assert [m[1] for _, m in sim.note_ons(LEAD)] == [60, 61, 61, 61, 61]
    assert any(r.request.fixed and r.request.fixed[0].role == "lead" for r in sim.gen.requests)


def test_panic_ends_everything_on_all_channels():
    sim = started(120)
    sim.run_beats(4.5)
    sim.sched.post(ctl.Panic())
    sim.run_for(0.001)
    assert sim.stuck() == 0
    assert len({m[0] & 0x0F for _, m in sim.out.sent if m[:2] == [m[0], 123]}) == 16


def test_armed_capture_from_the_input_becomes_the_prompt():
    sim = started(120)
    first = len(sim.pulse_log)
    sim.run_beats(0.5)
    sim.sched.post(ctl.ArmCapture(1, "bass", channel=0))  # from the next bar line: bar 2
    sim.run_beats(0.5)
    t1 = pulse_time_of_tick(sim, first, 96)  # bar 2 downbeat
    for tick, pitch in ((0, 40), (12, 43), (48, 45)):
        sim.send_input([0x90, pitch, 100], at=t1 + (tick + 0.3) * sim.period)
        sim.send_input([0x80, pitch, 0], at=t1 + (tick + 10.6) * sim.period)
    sim.send_input([0x91, 90, 100], at=t1 + 20 * sim.period)  # other channel: not captured
    sim.run_beats(20)
    taken = [e for e in sim.events if isinstance(e, CaptureTaken)]
    assert len(taken) == 1
    (bar,) = taken[0].result.bars
    assert taken[0].result.start_bar == 1
    assert [(p, s, d) for p, s, d, _ in bar[0].notes] == [
        (40, 0.0, 10 / 24),
        (43, 0.5, 10 / 24),
        (45, 2.0, 10 / 24),
    ]
    assert sim.gen.prompts and sim.gen.prompts[0].cue.role == "bass"
    # the capture ends on bar 3's line: from there the riff loops in the bass, on the grid
    t3 = pulse_time_of_tick(sim, first, 2 * 96)
    bass = [(round((t - t3) / sim.period, 3), m[1]) for t, m in sim.note_ons(BASS) if t > t3 - 1e-3]
    assert bass[:6] == [(0, 40), (12, 43), (48, 45), (96, 40), (108, 43), (144, 45)]


def test_cc_button_mutes_from_the_next_bar():
    sim = started(120)
    sim.run_beats(1)
    sim.send_input([0xB0, 26, 127])  # default map: CC 26 = mute drums
    sim.run_beats(7)
    kicks = [m for _, m in sim.note_ons(DRUMS) if m[1] == KICK]
    assert len(kicks) == 4


def test_junk_on_the_input_changes_nothing_sent():
    def run(junk: bool) -> list:
        sim = started(120)
        first = sim.pulse_log[-1]
        if junk:
            rng = random.Random(1)
            for i in range(300):
                msg = rng.choice(
                    [[0xF0, 1, 2, 0xF7], [0x3C, 0x40], [0xF4], [0xFD], [0xF2, 0x7F], [0xF2, 200, 1]]
                )
                sim.send_input(msg, at=sim.clock.now() + 0.0123 * i + 0.0005)
        sim.run_beats(8)
        return [(round(t - first, 9), m) for t, m in sim.out.sent]

    assert run(True) == run(False)


def test_output_port_loss_does_not_crash_the_loop():
    sim = started(120)
    sim.run_beats(2)
    sim.out.fail = True
    sim.run_beats(2)
    assert not sim.sched.output.port_ok


def test_a_lost_output_port_is_a_command_after_which_nothing_is_sent():
    sim = started(120)
    sim.run_beats(2)
    sim.sched.post(ctl.PortLost("output"))
    sim.run_for(0.001)
    n = len(sim.out.sent)
    sim.run_beats(4)
    assert len(sim.out.sent) == n and not sim.sched.snapshot.port_ok
    assert sim.sched.snapshot.notes_on > 0 and sim.sched.snapshot.playing  # booked, not sent


def test_a_lost_input_port_ends_every_note_on_every_channel():
    sim = started(120)
    sim.run_beats(4.5)
    sim.sched.post(ctl.PortLost("input"))
    sim.run_for(0.001)
    assert sim.stuck() == 0
    assert len({m[0] & 0x0F for _, m in sim.out.sent if m[:2] == [m[0], 123]}) == 16


def test_the_snapshot_published_each_step_tells_what_the_thread_did():
    sim = started(120)
    sim.run_beats(5.5)
    snap = sim.sched.snapshot
    ons = len([m for _, m in sim.out.sent if m[0] & 0xF0 == 0x90 and m[2] > 0])
    assert snap.t_s == sim.clock.now() and snap.playing and snap.clock.sync == "locked"
    assert (snap.notes_on, snap.open_notes) == (ons, len(sim.sched.output.notes))
    assert 5 * 24 <= snap.tick < 5.5 * 24 + 1  # song position (ticks) at the last step
    assert snap.bar_ready and snap.gen_ms_last == 0.0 and snap.controls == sim.feed.controls
    sim.at_pulse_boundary([0xFC])
    assert not sim.sched.snapshot.playing and sim.sched.snapshot.open_notes == 0


def test_internal_clock_sends_start_and_pulses_and_notes_on_them():
    sim = Sim(125, internal=True)
    sim.run_for(0.2)
    pulses_before = [t for t, m in sim.out.sent if m == [0xF8]]
    assert len(pulses_before) >= 9  # clock runs while stopped, for slaves to lock
    sim.sched.post(ctl.PlayInternal())
    sim.run_for(60 / 125 * 8)
    sent = sim.out.sent
    start_i = next(i for i, (_, m) in enumerate(sent) if m == [0xFA])
    pulses = [t for t, m in sent[start_i:] if m == [0xF8]]
    period = 60 / (125 * 24)
    assert all(b - a == pytest.approx(period, abs=1e-9) for a, b in zip(pulses, pulses[1:]))
    kicks = [t for t, m in sent[start_i:] if m[0] == 0x99 and m[1] == KICK]
    for beat, t in enumerate(kicks):
        assert t == pytest.approx(pulses[24 * beat], abs=1e-9)
    sim.sched.post(ctl.SetBpm(150))
    sim.run_for(1.0)
    sim.sched.post(ctl.StopInternal())
    sim.run_for(0.01)
    assert [0xFC] in [m for _, m in sim.out.sent] and sim.stuck() == 0
    pulses = [t for t, m in sim.out.sent if m == [0xF8]]
    assert pulses[-1] - pulses[-2] == pytest.approx(60 / (150 * 24), abs=1e-9)


def test_transport_commands_to_a_followed_clock_are_refused_with_a_warning():
    sim = started(120)
    sim.run_beats(2)
    n = len(sim.out.sent)
    for command in (ctl.PlayInternal(), ctl.StopInternal(), ctl.SetBpm(90)):
        sim.sched.post(command)
    sim.run_beats(2)
    warnings = [e.text for e in sim.events if isinstance(e, LogLine) and e.level == "warning"]
    assert warnings.count("play/stop/tempo commands need --clock internal") == 3
    sent = [m for _, m in sim.out.sent[n:]]
    assert [0xFC] not in sent and [0xF8] not in sent  # a follower sends no clock of its own
    assert len([m for m in sent if m[0] == 0x99 and m[1] == KICK]) == 2  # still playing


def test_shutdown_ends_notes_and_stops_as_master():
    sim = Sim(120, internal=True)
    sim.sched.post(ctl.PlayInternal())
    sim.run_for(1.1)
    sim.sched.shutdown()
    assert sim.stuck() == 0 and sim.out.sent[-1][1] == [0xFC]  # notes end, then Stop


# -- the next bar announced before it plays (BarQueued) ------------------------------------------


def queued_and_played(sim: Sim) -> dict[int, tuple[list[tuple[float, BarQueued]], BarPlayed]]:
    """Bar index -> (every BarQueued for it with its time, the BarPlayed that followed)."""
    out: dict[int, tuple[list, BarPlayed]] = {}
    queued: dict[int, list] = {}
    for t, e in zip(sim.event_times, sim.events, strict=True):
        if isinstance(e, BarQueued):
            queued.setdefault(e.index, []).append((t, e))
        elif isinstance(e, BarPlayed):
            out[e.index] = (queued.pop(e.index, []), e)
    return out


def sent_in_bar(sim: Sim, first: int, index: int) -> list[tuple[int, int, int]]:
    """(channel, pitch, tick in the bar) of every note-on sent during bar ``index``."""
    t0 = pulse_time_of_tick(sim, first, 96 * index)
    ons = sim.note_ons()
    return sorted(
        (m[0] & 0x0F, m[1], round((t - t0) / sim.period))
        for t, m in ons
        if -1e-4 <= t - t0 < 96 * sim.period - 1e-4
    )


def expected_notes(event: BarQueued) -> list[tuple[int, int, int]]:
    """What ``event`` says will be sent: (channel, pitch, tick in the bar) of its audible notes."""
    channels = {"drums": DRUMS, "bass": BASS, "chords": CHORDS, "lead": LEAD}
    return sorted(
        (channels[role], pitch, round(start * 24))
        for role, _, notes in event.plain
        if role in event.audible
        for pitch, start, _, _ in notes
    )


def test_the_next_bar_is_announced_a_bar_ahead_with_the_notes_then_sent():
    sim = started(120)
    first = len(sim.pulse_log)
    sim.run_beats(4 * 6 + 1)  # bars 1..6 played, into bar 7
    bars = queued_and_played(sim)
    assert sorted(bars) == [0, 1, 2, 3, 4, 5, 6]
    assert bars[0][0] == []  # bar 1 is chosen at Start itself: nothing to announce ahead
    for index in range(1, 6):
        queued, played = bars[index]
        assert len(queued) == 1  # nothing changed: told once
        t, event = queued[0]
        first_note = min(
            t for t, _ in sim.note_ons() if t >= pulse_time_of_tick(sim, first, 96 * index) - 1e-4
        )
        bar_s = 96 * sim.period
        assert t < first_note - 0.9 * bar_s  # as soon as the look-ahead has it, a bar early
        assert (event.plain, event.audible) == (played.plain, played.audible)
        assert expected_notes(event) == sent_in_bar(sim, first, index)
        assert event.bar().track("lead").notes[0].pitch == 60 + index


def test_mute_and_lock_before_the_bar_line_announce_the_bar_again():
    sim = started(120)
    first = len(sim.pulse_log)
    sim.run_beats(5)  # bar 2 (lead 61) plays; bar 3 is announced
    sim.sched.post(ctl.SetTrack("drums", mute=True))
    sim.run_beats(0.5)
    sim.sched.post(ctl.SetTrack("lead", lock=True))
    sim.run_beats(7)  # through bar 3
    queued, played = queued_and_played(sim)[2]
    # as first announced; muted; locked (and the lock's regenerated bar: locks are context)
    assert len(queued) >= 3 and queued[0][1].audible == ("drums", "bass", "chords", "lead")
    assert {e.audible for _, e in queued[1:]} == {("bass", "chords", "lead")}
    assert queued[1][1].bar().track("lead").notes[0].pitch == 62  # before the lock
    last = queued[-1][1]
    assert last.bar().track("lead").notes[0].pitch == 61  # the lock loops bar 2
    assert (last.plain, last.audible) == (played.plain, played.audible)
    assert expected_notes(last) == sent_in_bar(sim, first, 2)
    assert not [n for n in sent_in_bar(sim, first, 2) if n[0] == DRUMS]


def test_a_knob_turn_replaces_the_announced_bar_and_the_last_one_plays():
    sim = started(120)
    first = len(sim.pulse_log)
    sim.run_beats(1)
    sim.sched.post(ctl.SetTrack("lead", temperature=0.5))  # the waiting bar is generated again
    sim.run_beats(8)  # through bar 2
    queued, played = queued_and_played(sim)[1]
    assert len(queued) == 2 and queued[1][0] < pulse_time_of_tick(sim, first, 96)
    last = queued[-1][1]
    assert (last.plain, last.audible) == (played.plain, played.audible)
    assert expected_notes(last) == sent_in_bar(sim, first, 1)


def test_no_announcement_while_the_bar_is_late_and_the_late_bar_is_announced_for_the_next():
    sim = started(120)
    first = len(sim.pulse_log)
    sim.run_beats(3)
    sim.gen.hold = True  # bar 3's reply does not come in time: bar 3 repeats bar 2
    sim.run_beats(6)
    sim.gen.hold = False
    sim.run_beats(8)
    bars = queued_and_played(sim)
    assert bars[2][0] == [] and bars[2][1].repeated  # the repeat was never announced
    queued, played = bars[3]  # the late bar plays at the next bar line, as announced
    assert len(queued) == 1 and (queued[0][1].plain, queued[0][1].audible) == (
        played.plain,
        played.audible,
    )
    assert queued[0][1].bar().track("lead").notes[0].pitch == 62
    assert expected_notes(queued[0][1]) == sent_in_bar(sim, first, 3)


def test_stopped_announces_nothing():
    sim = Sim(120)
    sim.run_beats(8)  # clock runs, no Start
    assert not [e for e in sim.events if isinstance(e, BarQueued)]
    sim = started(120)
    sim.run_beats(3)
    sim.at_pulse_boundary([0xFC])
    n = len(sim.events)
    sim.run_beats(8)
    assert not [e for e in sim.events[n:] if isinstance(e, BarQueued)]


def test_thread_runs_and_stops_cleanly_on_the_real_clock():
    from jambridge.bridge.timing.timebase import MonotonicClock

    out = FakeOut(FakeClock())
    gen = InlineGenerator(PatternSource())
    sched = Scheduler(out, MonotonicClock(), BarFeed(gen, ctl.Controls()), InternalClock(240))
    sched.start()
    sched.post(ctl.PlayInternal())
    deadline = MonotonicClock().now() + 5
    while not any(m[0] == 0x99 for _, m in out.sent) and MonotonicClock().now() < deadline:
        time.sleep(0.01)  # the real thread runs; wait for its first drum note (bounded)
    sched.stop()
    assert not sched.alive and sched.error is None
    sounding = sum(1 for _, m in out.sent if m[0] & 0xF0 == 0x90) - sum(
        1 for _, m in out.sent if m[0] & 0xF0 == 0x80
    )
    assert sounding <= 0 and any(m == [0xFC] for _, m in out.sent)
    assert math.isfinite(sched.output.late_max_s)


def test_a_flood_is_taken_in_bounded_steps_that_rest_blocked():
    """10,000 junk messages at once: a step takes in at most max_input_per_step of them, and
    the wait after it blocks (a real-time thread that never blocks starves JACK's threads and
    the one that handles Ctrl-C); the clock keeps the notes going meanwhile."""
    sim = started(120)
    cap = sim.sched.config.max_input_per_step
    now = sim.clock.now()
    for i in range(10_000):
        sim.sched.post_midi(now, [0xF4] if i % 2 else [0x3C, 0x40])
    sim.sched.step(now)
    assert sim.sched.inbox.qsize() >= 10_000 - cap
    assert sim.sched._flooded
    waited = time.perf_counter()
    sim.sched._wait(None)  # the real wait: blocks (the inbox has input, so it returns at once)
    assert time.perf_counter() - waited < 0.05
    before = len(sim.note_ons())
    sim.run_beats(4)
    assert sim.sched.inbox.qsize() == 0 and sim.sched.floods >= 10_000 // cap - 1
    assert len(sim.note_ons()) > before
