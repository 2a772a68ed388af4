"""Integration: the bridge on a real JACK server (dummy driver), peer processes as the DAW.

A clock peer (``python -m jambridge.bench.peer``) sends clock, Start/Stop/Continue/SPP and
notes into "JamBridge In" and logs what it sent and when; the bridge's output port is tapped
(what it sent, when), and a recorder peer listens to "JamBridge Out" (what the DAW heard: stuck
notes are judged there). All use ``time.perf_counter``, the machine's monotonic clock, so the
song tick of every note we played comes from the clock peer's own send log -- exact even when
JACK drops a message or the dummy driver's frame clock wanders on a loaded machine (it loses
time at every xrun, so frame times are not used here).
The bar source is the test pattern (kick every beat, crash on the downbeat, a lead note
counting bars), generated in its own process as in production. Tolerances are loose (a loaded
2-core machine); ``python -m jambridge.bench.timing`` measures the exact numbers.
"""

from __future__ import annotations

import os
import queue
import time
from dataclasses import dataclass

import numpy as np
import pytest

from jambridge.bench.processes import PeerProcess
from jambridge.bench.soak import stuck_and_lost
from jambridge.bridge.events import CaptureSaved, TransportChanged
from jambridge.bridge.io.opening import new_watch, open_output
from jambridge.bridge.io.ports import IN_NAME, OUT_NAME, jack_port_name
from jambridge.bridge.playback.sources import CRASH, KICK
from jambridge.bridge.session import BridgeConfig, BridgeSession
from jambridge.midi_io import read_midi

pytestmark = pytest.mark.jack

BPM = 240.0
PULSE = 60.0 / (BPM * 24)
DRUMS, BASS, LEAD = 9, 1, 3
START, CONT, STOP = [0xFA], [0xFB], [0xFC]


def spp(sixteenths: int) -> list[int]:
    return [0xF2, sixteenths & 0x7F, sixteenths >> 7]


def rolling(*steps: list, tempo: float = BPM, count_in: int = 24) -> list[list]:
    """A clock peer's script: ``tempo``, ``count_in`` pulses while stopped, Start, ``steps``."""
    return [["tempo", tempo], ["clock", count_in], ["send", START], *steps]


class TapOut:
    """JamBridge's own JACK output port (as the session opens it: JACK-Client, each event at its
    frame), logging what the scheduler hands it and for when (perf_counter times)."""

    def __init__(self) -> None:
        self.port = open_output("jack", None, new_watch("jack"))
        self.name = self.port.name
        self.ahead_s = getattr(self.port, "ahead_s", 0.0)
        self.log: list[tuple[float, tuple[int, ...]]] = []

    def send(self, msg) -> None:
        self.port.send(msg)
        self.log.append((time.perf_counter(), tuple(msg)))

    def send_at(self, msg, t: float) -> None:
        self.port.send_at(msg, t)  # type: ignore[attr-defined]
        self.log.append((t + time.perf_counter() - time.monotonic(), tuple(msg)))

    def cancel(self) -> None:
        self.port.cancel()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.port.close()


@pytest.fixture(scope="module")
def bridge(jack_server, tmp_path_factory):
    config = BridgeConfig(
        midi_api="jack",
        engine="pattern",
        capture_dir=str(tmp_path_factory.mktemp("captures")),
    )
    tap = TapOut()
    session = BridgeSession(config, out_port=tap).start()
    session.tap = tap
    try:
        yield session
    finally:
        session.stop()


@dataclass
class Segment:
    """One rolling stretch of the clock peer: pulse ``i`` is song tick ``first_tick + i``."""

    first_tick: int
    times: np.ndarray  # when each pulse was sent (perf_counter seconds)

    @property
    def ticks(self) -> np.ndarray:
        return self.first_tick + np.arange(len(self.times))

    def covers(self, t: float, margin_ticks: float = 6) -> bool:
        return (
            self.times[0] - margin_ticks * PULSE * 2
            <= t
            <= self.times[-1] + margin_ticks * PULSE * 2
        )

    @property
    def per_tick(self) -> float:
        t = self.times[-9:]
        return float((t[-1] - t[0]) / max(len(t) - 1, 1))

    def tick_of(self, t: float) -> float:
        if t > self.times[-1]:
            return float(self.ticks[-1] + (t - self.times[-1]) / self.per_tick)
        if t < self.times[0]:
            return float(self.first_tick - (self.times[0] - t) / self.per_tick)
        return float(np.interp(t, self.times, self.ticks))

    def time_of(self, tick: float) -> float:
        if tick > self.ticks[-1]:
            return float(self.times[-1] + (tick - self.ticks[-1]) * self.per_tick)
        return float(np.interp(tick, self.ticks, self.times))


@dataclass
class Take:
    """A run: what we played against the clock peer's song ticks, and what the DAW heard."""

    ours: list[tuple[float, tuple[int, ...]]]  # (time sent, msg) on JamBridge Out
    heard: list[tuple[float, tuple[int, ...]]]  # (time heard, msg) from JamBridge Out
    segments: list[Segment]
    events: list  # the bridge's events during the run
    written: int = 0  # events our port wrote into JACK cycles during the run

    @property
    def lost(self) -> int:
        """Events we wrote that the DAW never heard: JACK drops a cycle's MIDI when a client
        misses it (an xrun; a killed client's last cycles do that to everyone's)."""
        return self.written - len(self.heard)

    def segment_at(self, t: float) -> Segment | None:
        """The rolling stretch ``t`` falls in; else the one that ended just before it (notes
        sent on the last pulses before a Stop), else one that starts just after it."""
        for s in self.segments:
            if s.times[0] <= t <= s.times[-1]:
                return s
        before = [s for s in self.segments if s.times[-1] < t <= s.times[-1] + 6 * PULSE * 2]
        if before:
            return before[-1]
        after = [s for s in self.segments if s.times[0] - 2 * PULSE * 2 <= t < s.times[0]]
        return after[0] if after else None

    def tick_of(self, t: float) -> float | None:
        seg = self.segment_at(t)
        return None if seg is None else seg.tick_of(t)

    def note_ons(self, channel: int, pitch: int | None = None) -> list[tuple[float, float]]:
        return [
            (t, self.tick_of(t))
            for t, m in self.ours
            if m[0] == 0x90 | channel and m[2] > 0 and (pitch is None or m[1] == pitch)
        ]

    def errors_ms(self, channel: int, pitch: int | None, grid: int, after_tick: float = 0):
        """Onset error (sent - the clock peer's send time of the note's tick), for notes that
        belong on multiples of ``grid`` ticks. Includes the input hop (up to a JACK period);
        the output hop adds up to one more (the benchmark measures the whole path)."""
        out = []
        for t, tick in self.note_ons(channel, pitch):
            if tick is None or tick < after_tick:
                continue
            ideal = round(tick / grid) * grid
            out.append((t - self.segment_at(t).time_of(ideal)) * 1000)
        return out

    def stuck_notes(self) -> int:
        """Notes left sounding in what the DAW heard."""
        return stuck_and_lost(m for _, m in self.heard)[0]

    def stuck_notes_sent(self) -> int:
        """Notes left sounding in what we wrote (whatever JACK then lost)."""
        return stuck_and_lost(m for _, m in self.ours)[0]


def segments_of(log: list) -> list[Segment]:
    """Rolling stretches of a clock log [(time, msg)], following Start/Stop/Continue/SPP."""
    segments: list[Segment] = []
    points: list[tuple[int, float]] = []
    pos, armed, rolling = 0, False, False

    def close():
        if len(points) >= 2:
            segments.append(Segment(points[0][0], np.array([t for _, t in points])))
        points.clear()

    for t, m in log:
        m = tuple(m)
        if m == (0xFA,):
            close()
            pos, armed, rolling = 0, True, False
        elif m == (0xFB,):
            close()
            armed, rolling = True, False
        elif m == (0xFC,):
            close()
            armed = rolling = False
        elif m[:1] == (0xF2,) and len(m) == 3:
            pos = (m[1] | m[2] << 7) * 6
        elif m == (0xF8,) and (armed or rolling):
            armed, rolling = False, True
            points.append((pos, t))
            pos += 1
    close()
    return segments


def _ours(msg) -> bool:
    return 0x80 <= msg[0] < 0xF0 and msg[0] & 0x0F != 0  # the clock peer plays on channel 1


_RUN = [0]


def run_peer(jack_server, bridge, script, kill_after_s: float | None = None) -> Take:
    """Run a clock peer with ``script`` while a recorder peer listens; returns the take."""
    while True:
        try:
            bridge.events.get_nowait()
        except queue.Empty:
            break
    _RUN[0] += 1
    tag = f"{os.getpid()}x{_RUN[0]}"
    start, written = len(bridge.tap.log), bridge.tap.port.written
    recorder = PeerProcess(jack_server, f"rec{tag}", [["wait"]], record=True)
    clock = PeerProcess(jack_server, f"clk{tag}", script)
    try:
        jack_server.connect(clock.out_port, jack_port_name(IN_NAME))
        jack_server.connect(clock.out_port, recorder.in_port)
        jack_server.connect(jack_port_name(OUT_NAME), recorder.in_port)
        recorder.go()
        clock.go()
        if kill_after_s is None:
            sent = clock.result().sent
        else:
            time.sleep(kill_after_s)
            clock.kill()
            sent = None
        time.sleep(0.5)  # the bridge notices a dead clock after 8 pulses (>= 0.25 s)
        recorder.go()
        heard = recorder.result().heard
    finally:
        clock.kill()
        recorder.kill()
    events = []
    while True:
        try:
            events.append(bridge.events.get_nowait())
        except queue.Empty:
            break
    ours = list(bridge.tap.log[start:])
    written = bridge.tap.port.written - written
    heard_ours = [(t, tuple(m)) for t, m in heard if _ours(m)]
    clock_log = sent if sent is not None else [(t, m) for t, m in heard if not _ours(m)]
    return Take(ours, heard_ours, segments_of(clock_log), events, written)


def on_grid(notes: list[tuple[float, float]], grid: int, slack_ticks: float = 2.5) -> list[int]:
    """The grid ticks of notes (nearest multiple of ``grid``). At most one note in ten may be
    off the grid by more than ``slack_ticks``: JACK delays or drops a message now and then when
    the dummy driver runs late (xruns) on a loaded machine."""
    out, off = [], []
    for _, tick in notes:
        nearest = round(tick / grid) * grid
        out.append(nearest)
        if abs(tick - nearest) > slack_ticks:
            off.append(round(tick, 2))
    assert len(off) <= max(1, len(notes) // 10), f"notes off the grid at ticks {off}"
    return out


def mostly(got: list[int], expected: list[int]) -> None:
    """``got`` is ``expected`` in order, with at most one message lost on the way."""
    it = iter(expected)
    assert all(any(g == e for e in it) for g in got), f"{got} is not in {expected}"
    assert len(got) >= len(expected) - 1, f"{got}: more than one of {expected} missing"


def within(errors: list[float], typical_ms: float, p90_ms: float, period_ms: float) -> None:
    """Median and 90th percentile of |error| beyond one JACK period (input stamps are quantized
    to it): loose, for a loaded machine (see the module docstring)."""
    assert errors, "no notes to measure"
    errors = [max(0.0, abs(e) - period_ms) for e in errors]
    # (12 ms at p90 is about a tick at 240 BPM: a pulse JACK drops under load, and the
    # follower fails to count in, moves every later note by a tick)
    ordered = sorted(abs(e) for e in errors)
    median = ordered[len(ordered) // 2]
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    assert median <= typical_ms, f"median onset error {median:.2f} ms: {ordered}"
    assert p90 <= p90_ms, f"90th percentile onset error {p90:.2f} ms: {ordered}"


# -- the tests ---------------------------------------------------------------------------------


def test_bars_start_on_the_clock_and_notes_are_in_time(jack_server, bridge):
    script = rolling(["clock", 96 * 3 + 12], ["send", STOP], ["clock", 4])
    take = run_peer(jack_server, bridge, script)
    kicks = take.note_ons(DRUMS, KICK)
    crashes = take.note_ons(DRUMS, CRASH)
    mostly(on_grid(crashes, 96), [0, 96, 192, 288])  # 3 bars and the next downbeat
    mostly(on_grid(kicks, 24), list(range(0, 13 * 24, 24)))
    within(
        take.errors_ms(DRUMS, None, 6, after_tick=12),
        typical_ms=2.0,
        p90_ms=8.0,
        period_ms=jack_server.period_ms,
    )
    # the lead counts stream bars (mod 12) from wherever the stream is: one bar after another
    leads = [m[1] for _, m in take.ours if m[0] == 0x90 | LEAD][:4]
    mostly([(p - leads[0]) % 12 for p in leads], [0, 1, 2, 3])
    assert take.stuck_notes() == 0


def test_tempo_change_is_followed_within_a_beat(jack_server, bridge):
    script = rolling(["clock", 96 * 2], ["tempo", 180], ["clock", 96 * 2 + 12], ["send", STOP])
    take = run_peer(jack_server, bridge, script)
    mostly(on_grid(take.note_ons(DRUMS, KICK), 24), list(range(0, 96 * 4 + 1, 24)))
    # After the change at tick 192, one beat to lock: later notes sit on the new tempo.
    within(
        take.errors_ms(DRUMS, None, 6, after_tick=192 + 24),
        typical_ms=2.0,
        p90_ms=8.0,
        period_ms=jack_server.period_ms,
    )
    assert take.stuck_notes() == 0


def test_a_wandering_clock_has_its_notes_on_its_pulses(jack_server, bridge):
    """Every interval off by up to 15 % and the errors adding up (jack_midi_clock -J): the
    pulses are the grid, so each note goes out with the pulse of its tick."""
    script = rolling(["clock", 96 * 4 + 12], ["send", STOP], ["clock", 4], tempo=120)
    take = run_peer(jack_server, bridge, [["wander", 0.15, 7], *script])
    assert bridge.status().follows_pulses
    mostly(on_grid(take.note_ons(DRUMS, KICK), 24), list(range(0, 96 * 4 + 1, 24)))
    # against the pulse each note belongs to (the peer's own send times), after two beats
    within(
        take.errors_ms(DRUMS, None, 6, after_tick=48),
        typical_ms=1.0,
        p90_ms=5.0,
        period_ms=jack_server.period_ms,
    )
    assert take.stuck_notes() == 0


def test_continue_from_a_song_position_plays_the_right_bar(jack_server, bridge):
    take = run_peer(
        jack_server,
        bridge,
        rolling(
            ["clock", 96 + 30],
            ["send", STOP],
            ["clock", 6],
            ["send", spp(38)],
            ["clock", 6],
            ["send", CONT],
            ["clock", 96 + 40],
            ["send", STOP],
            ["clock", 6],
            ["send", CONT],
            ["clock", 60],
            ["send", STOP],
            count_in=12,
        ),  # fmt: skip
    )
    assert len(take.segments) == 3
    assert [s.first_tick for s in take.segments] == [0, 228, 228 + 96 + 40]
    crash_ticks = on_grid(take.note_ons(DRUMS, CRASH), 96)
    kick_ticks = on_grid(take.note_ons(DRUMS, KICK), 24)
    mostly(crash_ticks, [0, 96, 288, 384, 480])  # bars 4 and 5 after SPP 3:2:3, then bar 6
    mostly([t for t in kick_ticks if 228 <= t < 300], [240, 264, 288])
    resumed = [t for _, t in take.note_ons(DRUMS) if t >= 200]
    assert min(resumed) >= 228 - 2.5  # nothing from before the song position
    assert take.stuck_notes() == 0
    kinds = [e.kind for e in take.events if isinstance(e, TransportChanged)]
    assert kinds.count("continue") == 2 and "locate" in kinds


def test_stop_leaves_no_note_hanging(jack_server, bridge):
    take = run_peer(jack_server, bridge, rolling(["clock", 96 + 50], ["send", STOP], ["clock", 48]))
    assert take.stuck_notes() == 0
    status = bridge.status()
    assert status.open_notes == 0 and status.notes_on == status.notes_off
    cc = [m for _, m in take.heard if m[0] & 0xF0 == 0xB0 and m[1] == 123]
    assert {m[0] & 0x0F for m in cc} >= {DRUMS, BASS, LEAD}
    assert bridge.status().open_notes == 0


def test_peer_killed_mid_note_leaves_no_note_hanging(jack_server, bridge):
    bridge.arm_capture(bars=2, role="bass", channel=0)
    script = rolling(["clock", 30], ["send", [0x90, 40, 100]], ["clock", 10], ["hang"])
    take = run_peer(jack_server, bridge, script, kill_after_s=0.2 + (24 + 40) * PULSE)
    assert take.note_ons(DRUMS, KICK)  # it was playing (the chord holds through the bar)
    assert take.stuck_notes_sent() == 0  # every note we wrote was ended
    # ... and the DAW heard the ends, unless JACK lost them: a killed client holds up a few of
    # the server's cycles (not real-time here), and the release can fall in one (seen: 4 notes
    # left in about 1 run of this module in 4, every note-off written by our port)
    assert take.stuck_notes() == 0 or take.lost > 0
    assert any(isinstance(e, TransportChanged) and e.kind == "clock lost" for e in take.events)
    status = bridge.status()
    assert status.open_notes == 0 and status.sync in ("no clock", "stopped")
    # the held input note was closed and captured up to where the clock was lost
    saved = [e for e in take.events if isinstance(e, CaptureSaved)]
    assert saved and saved[0].result.bars[0][0].notes[0].pitch == 40  # bar 1, its one track


def test_captured_riff_is_saved_and_becomes_the_prompt(jack_server, bridge):
    bridge.arm_capture(bars=1, role="bass", channel=0)
    time.sleep(0.05)
    riff = [(0, 40), (12, 43), (36, 45), (72, 47)]  # (tick in bar 1, pitch)
    script = rolling()
    at = 0
    for tick, pitch in riff:
        script += [["clock", tick - at + 1], ["send", [0x90, pitch, 100]], ["clock", 6],
                   ["send", [0x80, pitch, 0]]]  # fmt: skip
        at = tick + 7
    script += [["clock", 96 * 4 - at], ["send", STOP]]
    take = run_peer(jack_server, bridge, script)
    saved = [e for e in take.events if isinstance(e, CaptureSaved)]
    assert len(saved) == 1
    song, _ = read_midi(saved[0].path)
    notes = [(n.pitch, round(n.start_beats * 24)) for n in song.track("bass").notes]
    assert [p for p, _ in notes] == [p for _, p in riff]
    # quantized back onto the grid (one grid step of slack: a pulse JACK drops under load
    # moves the follower by a tick until the next Start or song position)
    assert all(abs(t - want) <= 2 for (_, t), (want, _) in zip(notes, riff, strict=True)), notes
    # the capture ends on bar 2's line: from there the bass loops the riff, bar 3 too
    for line in (96, 192):
        bar = [(t, take.tick_of(t) - line) for t, m in take.ours if m[0] == 0x90 | BASS]
        bar = [(p, t) for (_, t), p in zip(bar, bass_pitches(take)) if -3 <= t < 93]
        mostly([p for p, _ in bar], [p for _, p in riff])
        mostly(on_grid([(0, t) for _, t in bar], 6), [t for t, _ in riff])
    assert take.stuck_notes() == 0


def bass_pitches(take: Take) -> list[int]:
    return [m[1] for _, m in take.ours if m[0] == 0x90 | BASS]


def test_bad_input_changes_nothing_but_the_log(jack_server, bridge):
    before = bridge.status()
    junk = [
        [0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7],  # sysex
        [0x3C, 0x40],  # running status fragment
        [0xF4],
        [0xF5],
        [0xF9],
        [0xFD],
        [0xF2, 0x7F],  # truncated SPP
        [0xFB],  # Continue... is valid: it must come after the junk test below
    ][:-1]
    script = [["tempo", BPM]]
    for msg in junk:
        script += [["send", msg], ["clock", 4]]
    script += [["clock", 48]]  # clock without Start
    take = run_peer(jack_server, bridge, script)
    assert take.ours == [] and take.heard == []  # not a single message from us
    after = bridge.status()
    assert after.playing is False and after.bar == before.bar and after.beat == before.beat
    assert after.ignored_input - before.ignored_input == len(junk)
    assert after.notes_on == before.notes_on
