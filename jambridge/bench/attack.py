"""Live attack run: ``jambridge bridge`` on JACK under hostile input for minutes, then checked.

``python -m jambridge.bench.attack --minutes 5 [--engine model] [--json]``

A private JACK server (dummy driver), the bridge as its users run it (``jambridge bridge``, its
own process), ``jack_midi_dump`` recording "JamBridge Out" throughout, and scripted peers
(:mod:`jambridge.bench.peer`) taking turns at "JamBridge In", round after round until the time
is up: a normal clock at 128 BPM; random bytes flooded between its pulses; an unterminated
sysex (``F0 7E 01``) and a sysex storm; 5 s of a 1,000 BPM clock and then a 1 BPM one;
transport spam (Start, Stop, Continue, Song Position at random between pulses); retro-capture
presses (CC 21) 100 times a second for 3 s over played notes. Then:

* **follows**: a normal clock (128 BPM, Start, 4 bars) with a polling recorder on "JamBridge
  Out": every note's onset against the clock peer's own pulse times, bar by bar; from the
  second bar on the worst error must be under ``--max-error-ms`` (notes sit on the 2-tick
  grid; a pulse off is 19.5 ms);
* **SIGINT**: Ctrl-C sent while a flood (random bytes, sysex, 1,000 BPM clock) runs; the bridge
  must be gone within 1 s;
* **stuck notes**: keys the recording leaves sounding after the bridge is gone;
* **RSS growth**: the bridge process, sampled every 10 s, from the end of the first minute to
  the end (< 20 MB).

Prints progress lines and a summary; ``--json`` adds one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field

from jambridge.bench import cli
from jambridge.bench.jack import start_server
from jambridge.bench.jack_clients import MidiDump
from jambridge.bench.processes import BridgeProcess, PeerProcess, start_peer
from jambridge.bench.soak import rss_mb, stuck_and_lost
from jambridge.bridge.io.ports import OUT_NAME, jack_port_name
from jambridge.errors import PortError

START, STOP, CONT = [0xFA], [0xFC], [0xFB]
BPM = 128.0
PULSE_S = 60.0 / (BPM * 24)
RETRO = [["send", [0xB0, 21, 127]], ["send", [0xB0, 21, 0]]]  # CC 21 press: retro capture
RIFF = [["send", [0x90, 40, 100]], ["clock", 6], ["send", [0x80, 40, 0]], ["clock", 6]]


def attacks(rng: random.Random) -> list[tuple[str, list]]:
    """One round: (name, peer script) in order; about 40 s at 128 BPM."""
    bar = 96
    spam = []
    for _ in range(40):
        spam += [["clock", rng.randint(1, 30)]]
        spam += [["send", rng.choice([START, STOP, CONT, [0xF2, rng.randrange(128), 0]])]]
    return [
        ("normal clock", [["tempo", BPM], ["clock", 24], ["send", START], ["clock", 2 * bar]]),
        ("random bytes", [["tempo", BPM], ["send", START],
                          ["repeat", 2 * bar, [["clock", 1], ["junk", 150]]]]),
        ("sysex open and storm", [["tempo", BPM], ["send", [0xF0, 0x7E, 0x01]], ["clock", 24],
                                  ["send", START],
                                  ["repeat", bar, [["clock", 1], ["sysex", 8, 512]]]]),
        ("1,000 BPM then 1 BPM", [["tempo", 1000], ["send", START], ["clock", 2000],
                                  ["tempo", 1], ["clock", 3]]),
        ("transport spam", [["tempo", BPM], *spam, ["send", STOP]]),
        ("retro spam 100/s", [["tempo", 250], ["clock", 24], ["send", START],
                              ["repeat", 4, RIFF], ["repeat", 300, [["clock", 1], *RETRO]]]),
    ]  # fmt: skip


@dataclass
class AttackResult:
    """What an attack run measured."""

    minutes: float
    engine: str
    rounds: int
    attacks_run: list[str] = field(default_factory=list)
    follow_bar_errors_ms: list[float] = field(default_factory=list)  # worst |error| per bar
    follow_notes: int = 0
    follows_within_one_bar: bool = False
    sigint_exit_s: float | None = None
    stuck_notes: int = -1
    lost_in_transport: int = 0
    recorder_lost: int = 0
    rss_mb_start: float | None = None
    rss_mb_end: float | None = None
    rss_growth_mb: float | None = None
    last_status: str = ""
    jack_xruns: int = 0
    bridge_log_tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.follows_within_one_bar
            and self.sigint_exit_s is not None
            and self.sigint_exit_s < 1.0
            and self.stuck_notes == 0
            and self.rss_growth_mb is not None
            and self.rss_growth_mb < 20.0
        )

    def summary(self) -> str:
        exit_s = None if self.sigint_exit_s is None else round(self.sigint_exit_s, 3)
        return (
            f"{self.minutes:g} min, {self.rounds} rounds, {len(self.attacks_run)} attacks "
            f"({self.engine}): follows a normal clock from bar 2: {self.follows_within_one_bar} "
            f"(worst error per bar {self.follow_bar_errors_ms} ms, {self.follow_notes} notes); "
            f"SIGINT under a flood: exit in {exit_s} s; stuck notes {self.stuck_notes} (lost in "
            f"transport {self.lost_in_transport}, recorder lost {self.recorder_lost}); RSS "
            f"{self.rss_mb_start} -> {self.rss_mb_end} MB (growth {self.rss_growth_mb} MB); "
            f"JACK xruns {self.jack_xruns}: {'OK' if self.ok else 'FAILED'}"
        )


def follow_errors(sent: list, heard: list) -> tuple[list[float], int]:
    """Worst onset error (ms) per bar after the last Start, against the clock peer's pulses;
    notes belong on the 2-tick grid. Returns (errors per bar, notes measured)."""
    start = max(i for i, (_, m) in enumerate(sent) if m == START)
    pulses = [t for t, m in sent[start:] if m == [0xF8]]
    per_bar: dict[int, float] = {}
    n = 0
    for t, m in heard:
        if len(m) != 3 or m[0] & 0xF0 != 0x90 or m[2] == 0 or t < pulses[0] - 0.01:
            continue
        k = min(range(len(pulses)), key=lambda i: abs(pulses[i] - t))
        tick = k + (t - pulses[k]) / PULSE_S
        ideal_tick = 2 * round(tick / 2)
        if not 0 <= ideal_tick < len(pulses):
            continue
        err = abs(t - pulses[ideal_tick]) * 1000
        bar = ideal_tick // 96
        per_bar[bar] = max(per_bar.get(bar, 0.0), err)
        n += 1
    return [round(per_bar[b], 2) for b in sorted(per_bar)], n


def run(args: argparse.Namespace) -> AttackResult:
    server = start_server(args.period, "off")
    res = AttackResult(minutes=args.minutes, engine=args.engine, rounds=0)
    rng = random.Random(args.seed)
    folder = tempfile.mkdtemp(prefix="jambridge-attack-")
    bridge = dump = None
    samples: list[tuple[float, float | None]] = []
    try:
        bridge = BridgeProcess(server, folder, args.engine)
        dump = MidiDump(server).start()
        server.connect(jack_port_name(OUT_NAME), dump.port)
        t0 = time.monotonic()
        end = t0 + args.minutes * 60
        n = 0
        while time.monotonic() < end:
            res.rounds += 1
            for name, script in attacks(rng):
                if time.monotonic() >= end:
                    break
                n += 1
                peer = start_peer(server, f"atk{n}", script)
                with contextlib.suppress(PortError):  # a peer that fails is one attack less
                    peer.result(timeout_s=max(5.0, end - time.monotonic()) + 30)
                peer.kill()
                samples.append((time.monotonic() - t0, rss_mb(bridge.proc.pid)))
                res.attacks_run.append(name)
                print(f"{(time.monotonic() - t0) / 60:5.2f} min  {name:22s} RSS "
                      f"{samples[-1][1] or 0:.1f} MB  {bridge.status()}", flush=True)  # fmt: skip
        _follow(server, res, args.max_error_ms)
        res.last_status = bridge.status()
        flood = [["repeat", 100_000, [["clock", 4], ["junk", 40], ["sysex", 4, 512]]]]
        peer = start_peer(server, "flood", [["tempo", 1000], ["send", START], *flood])
        time.sleep(2.0)
        samples.append((time.monotonic() - t0, rss_mb(bridge.proc.pid)))
        took = bridge.interrupt()
        res.sigint_exit_s = took if math.isfinite(took) else None
        peer.kill()
        time.sleep(0.3)
        recorded = dump.stop()
        res.recorder_lost = dump.lost()
        res.stuck_notes, res.lost_in_transport = stuck_and_lost(d.msg for d in recorded)
    finally:
        if bridge is not None:
            bridge.kill()
        if dump is not None:
            dump.close()
        res.jack_xruns = server.log_text().count("XRun")
        server.stop()
    warm = [s for s in samples if s[0] >= min(60.0, samples[-1][0])] or samples
    first, last = warm[0][1], samples[-1][1]
    res.rss_mb_start, res.rss_mb_end = first, last
    if first is not None and last is not None:
        res.rss_growth_mb = round(last - first, 2)
    res.bridge_log_tail = [x for x in bridge.lines if not re.match(r"^\[", x)][-30:]
    return res


def _follow(server, res: AttackResult, max_error_ms: float) -> None:
    """A normal clock after the attacks: are the notes on its grid from the second bar?"""
    recorder = PeerProcess(server, "follow-rec", [["wait"]], record=True)
    server.connect(jack_port_name(OUT_NAME), recorder.in_port)
    recorder.go()
    clock = start_peer(server, "follow-clk", [["tempo", BPM], ["clock", 24], ["send", START],
                                              ["clock", 4 * 96], ["send", STOP]])  # fmt: skip
    try:
        sent = clock.result(timeout_s=30).sent
        time.sleep(0.3)
        recorder.go()
        heard = recorder.result(timeout_s=30).heard
    except PortError:  # no log: the check fails
        sent, heard = [], []
    finally:
        for p in (clock, recorder):
            p.kill()
    res.follow_bar_errors_ms, res.follow_notes = follow_errors(sent, heard) if sent else ([], 0)
    later = res.follow_bar_errors_ms[1:]
    res.follows_within_one_bar = bool(later) and max(later) < max_error_ms


def main(argv: list[str] | None = None) -> int:
    p = cli.parser("attack", __doc__, period=128)
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--engine", default="model", help="model (default), procedural or pattern")
    p.add_argument("--seed", type=int, default=0, help="seed of the transport spam")
    p.add_argument("--max-error-ms", type=float, default=8.0,
                   help="worst onset error allowed from the second bar of the normal "
                   "clock (default 8: a JACK period each way and scheduling; a pulse is "
                   "19.5)")  # fmt: skip
    return cli.run(p, argv, lambda args: cli.report(run(args), args.json))


if __name__ == "__main__":
    sys.exit(main())
