"""The window driving the real bridge on a JACK dummy server (pytest-qt, offscreen).

The bridge runs as in production (virtual JACK ports, the generator in its own process, the
test-pattern bar source so every note is known), as the master clock at 240 BPM (a bar a
second). A peer process plays notes into "JamBridge In" for the capture test. While it
streams, a 10 ms QTimer heartbeat measures how long the Qt thread is ever held up.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest
from jambridge.ui.session_adapter import LiveSettings
from PyQt6.QtCore import Qt, QTimer

from jambridge.bridge.ports import IN_NAME, OUT_NAME, jack_port_name

pytest_plugins = ["tests.ui_fixtures"]  # the window fixtures
WAIT_MS = 15_000  # longest wait for a bar or a capture

pytestmark = pytest.mark.jack

BPM = 240.0  # a bar a second
START_MS = 60_000  # opening the bridge spawns the generator process (slow on a busy machine)
HEARTBEAT_MS = 10
MAX_STALL_MS = 50.0  # the Qt thread must never be held up longer than this while streaming


@pytest.fixture
def live_window(jack_server, make_window, ui_home):
    w = make_window(
        LiveSettings(midi_api="jack", engine="pattern", capture_dir=str(ui_home / "captures"))
    )
    w.transport.set_clock("internal")
    w.transport.bpm_box.setValue(BPM)
    return w


def start(qtbot, w) -> None:
    qtbot.mouseClick(w.transport.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.live.running or bool(w.messages.errors()), timeout=START_MS)
    assert w.live.running, w.messages.errors()


class Heartbeat:
    """Largest gap between ticks of a QTimer on the Qt thread."""

    def __init__(self, interval_ms: int = HEARTBEAT_MS) -> None:
        self.gaps_ms: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._beat)
        self.timer.start()

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps_ms.append((now - self._last) * 1000)
        self._last = now

    def stop(self) -> float:
        self.timer.stop()
        return max(self.gaps_ms)


def test_start_stream_steer_and_stop(qtbot, jack_server, live_window):
    w = live_window
    start(qtbot, w)
    assert jack_port_name(OUT_NAME) in jack_server.ports()
    assert not w.transport.start_button.isEnabled() and w.transport.stop_button.isEnabled()
    qtbot.waitUntil(lambda: w.live.bars_played >= 2, timeout=WAIT_MS)
    heart = Heartbeat()
    qtbot.wait(3000)  # three bars of streaming with the lanes moving
    stall_ms = heart.stop()
    print(f"\nQt thread: max gap {stall_ms:.1f} ms over {len(heart.gaps_ms)} beats of 10 ms")
    assert stall_ms < MAX_STALL_MS
    assert "internal" in w.transport.sync_label.text()
    assert w.transport.tempo_label.text().strip() == "240.0 BPM"
    assert w.transport.position_label.text() not in ("", "-:-")
    for role, lane in w.lanes.items():
        assert lane.roll.window.playhead_beats is not None
        assert lane.roll.notes_in_view(), f"no notes in the {role} lane while streaming"
    qtbot.mouseClick(w.lanes["lead"].toggles["mute"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.live.adapter.status().controls.track("lead").mute, timeout=WAIT_MS)
    qtbot.mouseClick(w.transport.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.live.running and not w.live.adapter.busy, timeout=WAIT_MS)
    assert w.transport.start_button.isEnabled() and not w.transport.stop_button.isEnabled()
    assert jack_port_name(OUT_NAME) not in jack_server.ports()
    assert "off" in w.transport.sync_label.text()
    assert w.messages.errors() == []


def play_into_bridge(jack_server, notes: list[int], seconds: float) -> threading.Thread:
    """A peer process that plays ``notes`` round and round as 8ths at BPM into JamBridge In."""
    eighth = 30.0 / BPM
    script = []
    for i in range(int(seconds / eighth)):
        pitch = notes[i % len(notes)]
        script += [["send", [0x90, pitch, 100]], ["idle", eighth * 0.8], ["send", [0x80, pitch, 0]],
                   ["idle", eighth * 0.2]]  # fmt: skip
    name = f"ui-peer-{time.monotonic_ns() % 10**8}"

    def run() -> None:
        peer = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jambridge.bridge.peer",
                "--name",
                name,
                "--script",
                json.dumps(script),
            ],  # fmt: skip
            env=jack_server.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert peer.stdout.readline().strip() == "ready"
            jack_server.connect(f"{name}:out", jack_port_name(IN_NAME))
            peer.stdin.write("go\n")
            peer.stdin.flush()
            peer.wait(timeout=seconds + 30)
        finally:
            if peer.poll() is None:
                peer.kill()
                peer.wait()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_an_armed_capture_shows_in_its_lane_and_becomes_a_take(qtbot, jack_server, live_window):
    w = live_window
    start(qtbot, w)
    qtbot.waitUntil(lambda: w.live.bars_played >= 1, timeout=WAIT_MS)
    w.capture.bars_box.setValue(1)
    w.capture.role_box.setCurrentText("bass")
    with qtbot.waitSignal(w.live.adapter.captured, timeout=WAIT_MS) as captured:
        qtbot.mouseClick(w.capture.arm_button, Qt.MouseButton.LeftButton)
        peer = play_into_bridge(jack_server, [40, 43, 47, 52], seconds=3.0)
    result, bars, path = captured.args
    assert result.role == "bass" and len(bars) == 1 and path.endswith(".mid")
    lane_notes = w.studio.timeline.track("bass", result.start_bar).notes
    assert {n.pitch for n in lane_notes} == {40, 43, 47, 52}
    # 8ths from the peer's own (unaligned, sleep-timed) grid: 7 or 8 fall inside the bar
    assert 7 <= len(lane_notes) <= 8
    onsets = [n.start_beats for n in lane_notes]
    assert all(0.4 <= b - a <= 0.6 for a, b in zip(onsets, onsets[1:]))
    assert w.capture.state_label.text().startswith("captured 1 bars")
    qtbot.waitUntil(lambda: w.takes.list.count() == 1, timeout=WAIT_MS)
    assert w.takes.current_take().kind == "captured"
    peer.join(timeout=30)
