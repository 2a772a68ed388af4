"""Ableton Link for real: JamBridge's Link clock following a second Link session, both inside a
private network namespace with only loopback (``python -m jambridge.bench.link`` makes it with
``unshare -n``; Link is never enabled in the machine's own network)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("aalink", reason="aalink is not installed")


def _namespace_refusal() -> str | None:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare or ip is not installed"
    probe = subprocess.run(
        ["unshare", "-n", "sh", "-c", "ip link set lo up && ip route add 224.0.0.0/4 dev lo"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return None if probe.returncode == 0 else f"unshare -n is not permitted: {probe.stderr[:200]}"


def _bench(name: str, *args: str) -> tuple[int, dict, str]:
    """``python -m jambridge.bench.NAME ARGS --json`` (it makes its own namespace): its exit
    code, its JSON line and the tail of what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", f"jambridge.bench.{name}", *args, "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    output = done.stdout[-1000:] + done.stderr[-2000:]
    assert done.stdout.strip(), output
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1]), output


@pytest.fixture(scope="module")
def measured():
    why = _namespace_refusal()
    if why:
        pytest.skip(why)
    returncode, result, output = _bench("link", "--seconds", "3")
    assert returncode == 0, output
    return result


def test_joining_keeps_the_session_tempo_and_agrees_within_a_bar(measured):
    assert measured["tempo_agree_s"] is not None and measured["tempo_agree_s"] <= 2.0  # 1 bar


def test_bar_1_starts_on_the_session_bar_line(measured):
    assert measured["start_on_bar_line"] is True
    assert abs(measured["start_bar_phase_ms"]) <= 1.0


def test_beat_phase_error_while_playing_is_under_1_ms(measured):
    assert measured["phase_error_ms"]["p99"] <= 1.0


def test_tempo_and_transport_go_both_ways(measured):
    assert measured["tempo_followed_within_a_bar"] is True
    assert measured["our_tempo_reached_peer_s"] is not None
    assert measured["stop_seen_ms"] is not None
    assert measured["our_play_reached_peer_s"] is not None and measured["our_play_starts_on_a_bar"]


@pytest.mark.jack
def test_the_bridge_on_link_plays_on_the_session_s_grid_in_jack_frames():
    """``--clock link`` end to end (python -m jambridge.bench.link_notes): the bridge's notes,
    recorded by frame on JACK, against the peer's 16ths; bar 1 on the session's bar line."""
    why = _namespace_refusal() or (None if shutil.which("jackd") else "jackd is not installed")
    if why:
        pytest.skip(why)
    _, result, _ = _bench("link_notes", "--bars", "2")
    assert result["notes"] >= 32 and result["first_note_on_a_bar_line"] is True
    assert result["error_p99_ms"] <= 1.0, result
