"""Link, end to end: ``jambridge bridge --clock link`` on JACK, its notes against a second Link
session's beats, in the frame view.

Run as root: ``python -m jambridge.bench.link_notes [--bars 4] [--period 256] [--json]``. Like
:mod:`jambridge.bench.link` it runs itself inside a private network namespace (``unshare -n``,
loopback only): Link is never enabled in the machine's own network. Inside: a private JACK
server, a peer Link session at 120 BPM, the bridge playing the test pattern (every onset on a
16th) with ``--clock link``, and a JACK-Client recorder on "JamBridge Out" that stamps each note
with the time of its frame. The peer presses Play; for every note, the error is its stamp
against the nearest 16th of the peer's beat line (ms). Target (issue 13): p99 <= 1 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time

import numpy as np

from jambridge.bench.jack import start_server
from jambridge.bench.link import INSIDE, in_private_network
from jambridge.bridge.io.opening import BACKEND_ENV
from jambridge.bridge.io.ports import OUT_NAME, jack_port_name

TARGET_P99_MS = 1.0
RECORDER = "link-recorder"


def measure(args: argparse.Namespace) -> dict:
    from jambridge.bridge.io.jack_ports import JackMidiIn
    from jambridge.bridge.session import BridgeConfig, BridgeSession
    from jambridge.bridge.timing.link_clock import AalinkSession

    os.environ[BACKEND_ENV] = "jack-client"  # notes on their frames: the path measured here
    server = start_server(args.period, "off")
    with contextlib.ExitStack() as stack:
        stack.callback(server.stop)
        stack.enter_context(server.selected())
        peer = AalinkSession(120.0)
        peer.enable(4)
        stack.callback(peer.close)
        recorder = JackMidiIn(client_name=RECORDER)
        stack.callback(recorder.close)
        config = BridgeConfig(midi_api="jack", engine="pattern", clock="link", bpm=97.0)
        session = BridgeSession(config, connect_input=False).start()
        stack.callback(session.stop)
        server.connect(jack_port_name(OUT_NAME), f"{RECORDER}:{RECORDER}")
        time.sleep(1.5)  # joined (Link's enable waits 0.6 s), tempo agreed
        peer.set_playing(True)
        time.sleep(args.bars * 2.0 + 2.5)  # 2 s a bar at 120 BPM, and the wait for bar 1
        status = session.status()
        peer.set_playing(False)
        time.sleep(0.5)
        snap = peer.snapshot()
        notes = [
            t for _, t, m in recorder.poll_frames() if len(m) == 3 and m[0] & 0xF0 == 0x90 and m[2]
        ]
    beats = [snap.beat + (t - snap.t_s) * snap.bpm / 60.0 for t in notes]
    sixteenth_ms = 60000.0 / snap.bpm / 4
    errors = [abs(b * 4 - round(b * 4)) * sixteenth_ms for b in beats]
    first_bar = min(beats) if beats else None
    r = lambda x: round(float(x), 4)  # noqa: E731
    return {
        "period_frames": args.period,
        "notes": len(notes),
        "peers_seen": status.clock,
        "bpm": r(snap.bpm),
        "first_note_beat": r(first_bar) if first_bar is not None else None,
        "first_note_on_a_bar_line": first_bar is not None and round(first_bar) % 4 == 0,
        "error_p50_ms": r(np.percentile(errors, 50)) if errors else None,
        "error_p99_ms": r(np.percentile(errors, 99)) if errors else None,
        "error_max_ms": r(max(errors)) if errors else None,
        "ok": bool(errors) and float(np.percentile(errors, 99)) <= TARGET_P99_MS,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m jambridge.bench.link_notes", description=__doc__)
    p.add_argument("--bars", type=int, default=4, help="bars measured (default 4)")
    p.add_argument("--period", type=int, default=256, help="JACK period in frames (default 256)")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = p.parse_args(argv)
    if os.environ.get(INSIDE) != "1":
        return in_private_network(
            sys.argv[1:] if argv is None else argv, "jambridge.bench.link_notes"
        )
    result = measure(args)
    print(
        f"--clock link on JACK (period {result['period_frames']}): {result['notes']} notes, "
        f"{result['peers_seen']}, {result['bpm']} BPM; the first note on beat "
        f"{result['first_note_beat']} (a bar line: {result['first_note_on_a_bar_line']}); "
        f"error against the peer's 16ths p50 {result['error_p50_ms']} ms, p99 "
        f"{result['error_p99_ms']} ms, max {result['error_max_ms']} ms (target p99 <= "
        f"{TARGET_P99_MS} ms)"
    )
    if args.json:
        print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
