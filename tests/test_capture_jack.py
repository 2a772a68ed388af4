"""Capture edges on a real JACK server (dummy driver), the clock peer as the DAW and the player
(tests/test_bridge_jack.py's bridge and peers): a note stamped before the capture's end is in
it, though the end bar line was committed before that note came in."""

from __future__ import annotations

import time

import pytest

from jambridge.bridge.events import CaptureSaved
from jambridge.midi_io import read_midi
from tests.test_bridge_jack import BASS, STOP, bridge, mostly, rolling, run_peer

pytestmark = pytest.mark.jack
__all__ = ["bridge"]  # the fixture, shared with tests/test_bridge_jack.py


def test_with_an_output_latency_the_last_16th_before_the_end_is_captured(jack_server, bridge):
    """240 BPM, 60 ms of output latency: the bar line a 1-bar capture ends on is committed
    90 ms before it sounds. Its last 16th (62.5 ms before it) is in the saved capture and in
    the riff from its first pass on."""
    riff = [(0, 40), (24, 43), (48, 45), (90, 47)]  # (tick in bar 1, pitch)
    script = rolling()
    at = 0
    for tick, pitch in riff:
        script += [["clock", tick - at + 1], ["send", [0x90, pitch, 100]], ["clock", 2],
                   ["send", [0x80, pitch, 0]]]  # fmt: skip
        at = tick + 3
    script += [["clock", 96 * 3 - at], ["send", STOP]]
    bridge.set_latency(60)
    try:
        bridge.arm_capture(bars=1, role="bass", channel=0)
        time.sleep(0.05)
        take = run_peer(jack_server, bridge, script)
    finally:
        bridge.set_latency(0)
    saved = [e for e in take.events if isinstance(e, CaptureSaved)]
    assert len(saved) == 1
    song, _ = read_midi(saved[0].path)
    pitches = [n.pitch for n in song.track("bass").notes]
    assert 47 in pitches, pitches
    mostly(pitches, [p for _, p in riff])  # JACK may drop a message under load (an xrun)
    bass = [m[1] for _, m in take.ours if m[0] == 0x90 | BASS and m[2] > 0]
    assert bass.count(47) == 2, bass  # bars 2 and 3: the riff's first and second pass
    assert take.stuck_notes() == 0
