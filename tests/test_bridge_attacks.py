"""Integration: the live bridge under attack, on a real JACK server (issue 15, items 6-10).

Each test is one regression from the attack on the first hour of use: retro-capture spam
against the generator pipe, input floods, an unterminated sysex, an absurd tempo, and a JACK
server that dies and comes back. The clock peer and recorder are
:class:`~jambridge.bench.processes.PeerProcess` (``python -m jambridge.bench.peer``); the bridge
runs in this process where its notes are measured, and as ``jambridge bridge`` (the CLI,
:class:`~jambridge.bench.processes.BridgeProcess`) where SIGINT is.
"""

from __future__ import annotations

import signal
import time
import uuid

import pytest
from test_bridge_jack import (
    CONT,
    DRUMS,
    START,
    STOP,
    TapOut,
    mostly,
    on_grid,
    run_peer,
)

from jambridge.bench.busy import busy_generator
from jambridge.bench.jack import JackServer, wait_until
from jambridge.bench.processes import BridgeProcess, PeerProcess, start_peer
from jambridge.bridge.events import LogLine, TransportChanged
from jambridge.bridge.io.ports import IN_NAME, OUT_NAME, SENDS_PER_CYCLE, jack_port_name
from jambridge.bridge.playback.sources import CRASH, KICK
from jambridge.bridge.session import BridgeConfig, BridgeSession
from tests.support.stalled import run_against_a_stalled_server

pytestmark = pytest.mark.jack

RETRO_PRESS = [["send", [0xB0, 21, 127]], ["send", [0xB0, 21, 0]]]  # CC 21: retro capture


def _session(config: BridgeConfig, tap: bool = True, busy_ms: float = 0.0) -> BridgeSession:
    out = TapOut() if tap else None
    generator = busy_generator(busy_ms, config) if busy_ms > 0 else None
    session = BridgeSession(config, out_port=out, generator=generator).start()
    session.tap = out
    return session


def _gaps(times: list[float]) -> float:
    return max((b - a for a, b in zip(times, times[1:])), default=float("inf"))


def _cli_bridge(server, tmp_path, engine: str = "pattern") -> BridgeProcess:
    """``jambridge bridge`` in its own process (stopped with SIGINT, as from a terminal)."""
    return BridgeProcess(server, tmp_path, engine, quiet=True, timeout_s=60)


# -- item 6: the generator pipe ----------------------------------------------------------------


def test_retro_capture_spam_never_stops_the_music(jack_server, tmp_path):
    """100 retro presses a second for 3 s against a slow generator (150 ms a bar): every press
    is a prompt and a new bar, far more than the generator can make; the bars repeat while it
    catches up, and the notes never stop."""
    config = BridgeConfig(midi_api="jack", engine="pattern", capture_dir=str(tmp_path))
    bridge = _session(config, busy_ms=150)
    try:
        riff = [["send", [0x90, 40, 100]], ["clock", 6], ["send", [0x80, 40, 0]], ["clock", 6]]
        script = [["tempo", 240], ["clock", 24], ["send", START], ["repeat", 8, riff]]
        script += [["repeat", 300, [["clock", 1], *RETRO_PRESS]], ["clock", 96 * 2], ["send", STOP]]
        take = run_peer(jack_server, bridge, script)
        ons = [t for t, _ in take.note_ons(DRUMS)]
        assert len(ons) > 100
        assert _gaps(ons) < 0.25, f"the drums stopped for {_gaps(ons):.2f} s"
        assert take.stuck_notes() == 0
        t0 = time.monotonic()
    finally:
        bridge.stop()
    assert time.monotonic() - t0 < 1.0


def test_sigint_stops_the_bridge_during_retro_spam(jack_server, tmp_path):
    """8 retro presses a second with the model engine: Ctrl-C still ends the bridge."""
    bridge = _cli_bridge(jack_server, tmp_path, engine="model")
    riff = [["send", [0x90, 40, 100]], ["clock", 6], ["send", [0x80, 40, 0]], ["clock", 6]]
    script = [["tempo", 120], ["clock", 24], ["send", START], ["repeat", 8, riff]]
    script += [["repeat", 40, [["clock", 6], *RETRO_PRESS]], ["hang"]]
    peer = start_peer(jack_server, f"spam{uuid.uuid4().hex[:6]}", script)
    try:
        time.sleep(0.5 + 8 * 12 * 60 / (120 * 24) + 40 * 6 * 60 / (120 * 24))
        took = bridge.interrupt()
    finally:
        peer.kill()
    assert took < 2.0, f"the bridge took {took:.2f} s to stop: {bridge.output()[-800:]}"


# -- item 7: floods ----------------------------------------------------------------------------


def test_sigint_stops_the_bridge_within_a_second_under_a_flood(jack_server, tmp_path):
    """Random bytes, a sysex storm and a 1,000 BPM clock at once: Ctrl-C ends it within 1 s."""
    bridge = _cli_bridge(jack_server, tmp_path)
    flood = [["clock", 4], ["junk", 40], ["sysex", 4, 512]]
    script = [["tempo", 1000], ["send", START], ["repeat", 100_000, flood]]
    peer = start_peer(jack_server, f"flood{uuid.uuid4().hex[:6]}", script)
    try:
        time.sleep(4.0)
        took = bridge.interrupt()
    finally:
        peer.kill()
    assert took < 1.0, f"the bridge took {took:.2f} s to stop: {bridge.output()[-800:]}"


_STALLED_SENDER = """
import os, signal, sys, time
from jambridge.bridge.io.ports import RtMidiOut
out = RtMidiOut("jack")
os.kill(int(sys.argv[1]), signal.SIGSTOP)  # jackd stopped: no cycles, nobody empties the ring
time.sleep(0.1)
try:
    for _ in range(5000):
        out.send([0x90, 60, 100])
finally:
    os.kill(int(sys.argv[1]), signal.SIGCONT)
print(out.dropped, flush=True)
"""


def test_a_stalled_jack_server_freezes_no_sender():
    """jackd stopped (SIGSTOP: no cycles, so nobody empties python-rtmidi's output ring): 5,000
    sends return at once, the ones past what a cycle takes are dropped and counted (rtmidi
    spun forever holding the GIL). In its own process: libjack's state is one per process, and
    this process has talked to another server."""
    dropped = run_against_a_stalled_server(_STALLED_SENDER)[-1]
    assert int(dropped) >= 5000 - 2 * SENDS_PER_CYCLE


# -- item 8: an unterminated sysex -------------------------------------------------------------


@pytest.fixture(scope="module")
def bridge(jack_server, tmp_path_factory):
    config = BridgeConfig(
        midi_api="jack", engine="pattern", capture_dir=str(tmp_path_factory.mktemp("cap"))
    )
    session = _session(config)
    try:
        yield session
    finally:
        session.stop()


def test_an_unterminated_sysex_swallows_nothing_after_it(jack_server, bridge):
    """``F0 7E 01`` and no ``F7``: the clock, Start and the bars after it are all followed."""
    take = run_peer(
        jack_server,
        bridge,
        [
            ["tempo", 240],
            ["clock", 24],
            ["send", [0xF0, 0x7E, 0x01]],
            ["clock", 24],
            ["send", START],
            ["clock", 96 * 2 + 12],
            ["send", STOP],
            ["clock", 24],
            ["send", CONT],
            ["clock", 48],
            ["send", STOP],
        ],  # fmt: skip
    )
    mostly(on_grid(take.note_ons(DRUMS, CRASH), 96), [0, 96, 192])
    mostly(on_grid(take.note_ons(DRUMS, KICK), 24), list(range(0, 11 * 24, 24)))
    kinds = [e.kind for e in take.events if isinstance(e, TransportChanged)]
    assert kinds[:2] == ["start", "stop"] and "continue" in kinds
    assert take.stuck_notes() == 0


# -- item 9: an absurd tempo -------------------------------------------------------------------


def test_a_normal_clock_after_1000_bpm_is_followed_within_a_bar(jack_server, bridge):
    """5 s of a 1,000 BPM clock (refused, with a message), then 128 BPM and Start: the bars
    sit on the 128 BPM grid from the first bar on."""
    take = run_peer(
        jack_server,
        bridge,
        [
            ["tempo", 1000],
            ["send", START],
            ["clock", 2000],
            ["tempo", 128],
            ["clock", 12],
            ["send", STOP],
            ["send", START],
            ["clock", 96 * 3 + 12],
            ["send", STOP],
        ],  # fmt: skip
    )
    texts = [e.text for e in take.events if isinstance(e, LogLine)]
    assert any("BPM" in t and "400" in t for t in texts), texts
    assert bridge.scheduler.timing.tempo.bpm == pytest.approx(128, abs=1.0)
    # (the first pulses after the fast Start may play a note or two before the tempo is known)
    start = take.segments[-1].times[0] - 0.005

    def after(notes):
        return [(t, tick) for t, tick in notes if t >= start]

    mostly(on_grid(after(take.note_ons(DRUMS, CRASH)), 96), [0, 96, 192, 288])
    mostly(on_grid(after(take.note_ons(DRUMS, KICK)), 24), list(range(0, 13 * 24, 24)))
    assert take.stuck_notes() == 0


# -- item 10: the JACK server dies and comes back ----------------------------------------------


def test_a_dead_jack_server_is_a_port_error_and_the_bridge_reconnects(tmp_path):
    """jackd killed under ``jambridge bridge``: a port error is reported (not only a lost
    clock). jackd started again under the same name: the ports come back with the same names
    and the clock is followed again. (The bridge runs in its own process: one process's
    libjack serves one JACK server.)"""
    # one fixed name: a jackd killed leaves its name registered until one runs under it again
    server = JackServer(name="jambridge-reconnect-test", period=128).start()
    bridge = recorder = clock = None
    script = [["tempo", 240], ["clock", 24], ["send", START], ["clock", 96 * 8]]
    try:
        bridge = _cli_bridge(server, tmp_path)
        clock = start_peer(server, "clk1", script)
        assert wait_until(lambda: bridge.said("transport: start"), 5), bridge.output()
        server._proc.kill()  # jackd dies (SIGKILL: no goodbye)
        server._proc.wait()
        server._proc = None
        clock.kill()
        assert wait_until(lambda: bridge.said("port error: the JACK server went away"), 3), (
            bridge.output()
        )
        # (a restart within the ~3 s the bridge takes to close the dead ports can meet libjack
        # cleaning up after the dead server: see reconnect.py)
        time.sleep(3.0)
        server.start()  # the same name again
        ours = {jack_port_name(IN_NAME), jack_port_name(OUT_NAME)}
        assert wait_until(lambda: ours <= set(server.ports()), 10), server.ports()
        assert wait_until(lambda: bridge.said("the JACK server is back"), 5), bridge.output()
        recorder = PeerProcess(server, "rec", [["wait"]], record=True)
        server.connect(jack_port_name(OUT_NAME), recorder.in_port)
        recorder.go()
        clock = start_peer(server, "clk2", script[:4] + [["clock", 96 * 2]])
        clock.result()
        time.sleep(0.3)
        recorder.go()
        heard = recorder.result().heard
        kicks = [m for _, m in heard if m[0] == 0x90 | DRUMS and m[1] == KICK and m[2] > 0]
        print(bridge.output())
        assert len(kicks) >= 6, heard[:20]
        assert bridge.interrupt() < 2.0
    finally:
        for peer in (clock, recorder):
            if peer is not None:
                peer.kill()
        if bridge is not None:
            bridge.kill()
        server.stop()


def test_our_own_clock_plays_on_after_the_jack_server_comes_back(tmp_path):
    """``--clock internal``, jackd killed while playing and started again: the bridge, the
    master, plays on by itself (a bar of count-in, Continue, notes); before, it sent pulses
    and never played again."""
    server = JackServer(name="jambridge-reconnect-master", period=128).start()
    bridge = recorder = None
    try:
        bridge = BridgeProcess(server, tmp_path, "pattern", quiet=True, timeout_s=60,
                               options=("--clock", "internal", "--bpm", "240"))  # fmt: skip
        assert wait_until(lambda: bridge.said("transport: start"), 10), bridge.output()
        time.sleep(1.5)  # a bar and a half into the song
        server._proc.kill()
        server._proc.wait()
        server._proc = None
        assert wait_until(lambda: bridge.said("port error: the JACK server went away"), 3), (
            bridge.output()
        )
        time.sleep(3.0)
        server.start()
        assert wait_until(lambda: bridge.said("the JACK server is back"), 10), bridge.output()
        recorder = PeerProcess(server, "rec", [["wait"]], record=True)
        server.connect(jack_port_name(OUT_NAME), recorder.in_port)
        recorder.go()
        time.sleep(4.0)  # 16 beats at 240 BPM: a bar of count-in, then three bars
        recorder.go()
        heard = [m for _, m in recorder.result().heard]
        ons = sum(1 for m in heard if m[0] & 0xF0 == 0x90 and m[2] > 0)
        assert ons >= 8, (ons, heard[:40], bridge.output())
        assert bridge.interrupt() < 2.0
    finally:
        if recorder is not None:
            recorder.kill()
        if bridge is not None:
            bridge.kill()
        server.stop()


def test_ctrl_c_stops_a_bridge_started_with_sigint_ignored(jack_server, tmp_path):
    """A launcher that leaves SIGINT ignored (a shell script's background job, nohup): the
    bridge still stops on SIGINT, as it says it does (Python installs no handler of its own
    for an ignored SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited by the child
    try:
        bridge = _cli_bridge(jack_server, tmp_path)
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        time.sleep(2.0)  # playing, as in the other Ctrl-C tests (not in the middle of starting)
        assert bridge.interrupt() < 2.0, bridge.output()[-800:]
    finally:
        bridge.kill()
