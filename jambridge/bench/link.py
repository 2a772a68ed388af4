"""Link benchmark: JamBridge's Link clock following a second Link session, in a private network.

Run as root: ``python -m jambridge.bench.link [--json]``. Link discovers peers by UDP multicast
on every interface, so this command never enables Link in the machine's own network: it runs
itself again inside a new network namespace (``unshare -n``) that has only loopback, with the
multicast route on it, and both sessions live there. Where ``unshare -n`` is not permitted it
says so and exits 2.

Measured: time until JamBridge's clock has the peer's tempo (within 0.01 BPM); the beat phase
error of JamBridge's song position against the peer's beat line while playing (ms); how long a
start and a stop of the peer take to reach JamBridge, and where the start lands (bar line); a
tempo change of the peer followed; JamBridge's tempo change reaching the peer.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

INSIDE = "JAMBRIDGE_LINK_NAMESPACE"  # set in the child that runs inside the namespace


def in_private_network(argv: list[str], module: str = "jambridge.bench.link") -> int:
    """Run ``module`` (this one) again inside a new network namespace with only loopback."""
    setup = 'ip link set lo up && ip route add 224.0.0.0/4 dev lo && exec "$@"'
    cmd = ["unshare", "-n", "sh", "-c", setup, "sh", sys.executable, "-m", module, *argv]
    try:
        done = subprocess.run(cmd, env={**os.environ, INSIDE: "1"}, check=False)
    except FileNotFoundError:
        print("unshare is not installed: Link is only ever enabled in a private network")
        return 2
    return done.returncode


def _wait(cond, timeout_s: float, step_s: float = 0.001) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if cond():
            return time.monotonic() - start
        time.sleep(step_s)
    return None


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def measure(seconds: float) -> dict:
    from jambridge.bridge.timing.link_clock import AalinkSession, LinkClock
    from jambridge.bridge.timing.transport import TICKS_PER_BEAT, Play, Stop

    peer = AalinkSession(120.0)
    peer.enable(4)
    time.sleep(0.2)
    ours = LinkClock(AalinkSession(97.0))
    ours.begin(time.monotonic())
    out: dict = {}
    events: list = []

    def step() -> list:
        return ours.check(time.monotonic())

    def collect() -> bool:
        events.extend(step())
        return bool(events)

    out["tempo_agree_s"] = _wait(
        lambda: not step() and ours.peers >= 1 and abs((ours.bpm or 0) - 120.0) < 0.01, 10.0
    )
    peer.set_playing(True)
    started = time.monotonic()
    _wait(collect, 5.0)
    play = next((e for e in events if isinstance(e, Play)), None)
    out["start_seen_ms"] = (time.monotonic() - started) * 1000 if play else None
    if play is not None:
        snap = peer.snapshot()
        peer_beat = snap.beat + (play.t_s - snap.t_s) * snap.bpm / 60.0
        out["start_bar_phase_ms"] = (peer_beat - round(peer_beat / 4) * 4) * 60000 / snap.bpm
        out["start_on_bar_line"] = round(peer_beat) % 4 == 0
    errors = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        now = time.monotonic()
        ours.check(now)
        tick = ours.tick_at(now)
        snap = peer.snapshot()
        if tick is not None and tick >= 0:
            beat = snap.beat + (now - snap.t_s) * snap.bpm / 60.0
            phase = (tick / TICKS_PER_BEAT - beat) % 4
            phase = phase - 4 if phase > 2 else phase
            errors.append(abs(phase) * 60000 / snap.bpm)
        time.sleep(0.005)
    if errors:
        out["phase_error_ms"] = {"p50": _pct(errors, 0.5), "p99": _pct(errors, 0.99),
                                 "max": max(errors), "n": len(errors)}  # fmt: skip
    peer.set_tempo(133.0)
    bar_s = 4 * 60 / 133.0
    out["tempo_followed_s"] = _wait(lambda: not step() and abs((ours.bpm or 0) - 133.0) < 0.01, 5.0)
    out["tempo_followed_within_a_bar"] = (out["tempo_followed_s"] or 99) <= bar_s
    ours.set_bpm(128.0)
    out["our_tempo_reached_peer_s"] = _wait(lambda: abs(peer.snapshot().bpm - 128.0) < 0.01, 5.0)
    events.clear()
    peer.set_playing(False)
    stopped = time.monotonic()
    _wait(collect, 5.0)
    stop = any(isinstance(e, Stop) for e in events)
    out["stop_seen_ms"] = (time.monotonic() - stopped) * 1000 if stop else None
    reply = ours.play(time.monotonic())
    out["our_play_reached_peer_s"] = _wait(lambda: peer.snapshot().playing, 5.0)
    out["our_play_starts_on_a_bar"] = bool(reply.events)
    ours.stop(time.monotonic())
    ours.close()
    peer.close()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m jambridge.bench.link", description=__doc__)
    p.add_argument("--seconds", type=float, default=5.0, help="playing time measured (default 5)")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = p.parse_args(argv)
    if os.environ.get(INSIDE) != "1":
        return in_private_network(sys.argv[1:] if argv is None else argv)
    result = measure(args.seconds)
    pe = result.get("phase_error_ms") or {}
    print(f"tempo agreed after {result['tempo_agree_s']} s; start seen after "
          f"{result['start_seen_ms']} ms, on a bar line: {result.get('start_on_bar_line')} "
          f"(phase {result.get('start_bar_phase_ms')} ms)")  # fmt: skip
    print(f"beat phase error while playing: p50 {pe.get('p50', float('nan')):.4f} ms, "
          f"p99 {pe.get('p99', float('nan')):.4f} ms, max {pe.get('max', float('nan')):.4f} ms "
          f"({pe.get('n', 0)} samples)")  # fmt: skip
    print(f"peer tempo 133 followed after {result['tempo_followed_s']} s; our 128 reached the "
          f"peer after {result['our_tempo_reached_peer_s']} s; stop seen after "
          f"{result['stop_seen_ms']} ms; our play reached the peer after "
          f"{result['our_play_reached_peer_s']} s")  # fmt: skip
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
