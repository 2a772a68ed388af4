"""Timing benchmark: note onsets against the clock, with ``jack_midi_clock`` as the master and
``jack_midi_dump`` as the recorder, while generation is busy.

``python -m jambridge.bridge.bench_timing [--bpm 90 128 174] [--jitter 0 10] [--json]``

For each tempo and jitter level: a private JACK server (dummy driver), ``jack_midi_clock -b BPM
-B [-J PERCENT]`` into "JamBridge In", the bridge playing the test pattern (every onset on a
16th) out of "JamBridge Out", and ``jack_midi_dump`` recording both the clock and the notes
with JACK frame times. The clock-derived ideal time of song tick ``T`` is the least-squares line
through the recorded pulses (exactly the pulses without jitter; their true grid with it); the
onset error of a note is its recorded frame minus the ideal frame of its tick.

The generator process is kept busy (``--busy-fraction`` of every bar spent in sampler-like
Python work on top of the source) so the numbers hold while a model generates. RtMidi's JACK
output lands at the start of the next JACK cycle, so errors are quantized to the period;
"beyond the quantum" is ``max(0, |error| - period)``. The first beat after Start is left out
(its downbeat can only go out when the first pulse has arrived); its errors are reported apart.

Prints a table, and with ``--json`` one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

from jambridge.bridge.jack import JackServer, MidiDump, missing_tools
from jambridge.bridge.ports import IN_NAME, OUT_NAME, jack_port_name
from jambridge.bridge.session import BridgeConfig, BridgeSession

TARGET_P50_MS = 0.5  # beyond the period quantum
TARGET_P99_MS = 2.0
PATTERN_GRID_TICKS = 6  # every test-pattern onset is on a 16th


@dataclass
class Run:
    """The numbers of one tempo/jitter run."""

    bpm: float
    jitter_pct: int
    notes: int  # onsets measured (from beat 2 on)
    p50_ms: float  # of |error|
    p99_ms: float
    max_ms: float
    mean_ms: float  # signed: > 0 late
    p50_beyond_ms: float  # of max(0, |error| - period)
    p99_beyond_ms: float
    first_beat_max_ms: float  # the downbeat right after Start (not in the numbers above)
    pulses: int
    underruns: int
    gen_ms_max: float | None
    sched_late_p99_ms: float  # lateness on our side of the port, by our clock
    sched_realtime: bool


def _wait_port(server: JackServer, port: str) -> None:
    server.wait_for_port(port, timeout_s=10)


def measure(
    server: JackServer,
    bpm: float,
    jitter: int,
    bars: int,
    engine: str,
    busy_fraction: float,
    rt_priority: int,
) -> Run:
    bar_s = 4 * 60.0 / bpm
    config = BridgeConfig(
        midi_api="jack",
        engine=engine,
        busy_ms=busy_fraction * bar_s * 1000 if engine == "pattern" else 0.0,
        rt_priority=rt_priority,
    )
    session = BridgeSession(config).start()
    dump = MidiDump(server).start()
    clock_cmd = ["jack_midi_clock", "-b", f"{bpm:g}", "-B"] + (
        ["-J", str(jitter)] if jitter else []
    )
    clock = subprocess.Popen(
        clock_cmd, env=server.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    transport = None
    try:
        _wait_port(server, "jack_midi_clock:mclk_out")
        server.connect("jack_midi_clock:mclk_out", jack_port_name(IN_NAME))
        server.connect("jack_midi_clock:mclk_out", dump.port)
        server.connect(jack_port_name(OUT_NAME), dump.port)
        transport = subprocess.Popen(
            ["jack_transport"],
            env=server.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        transport.stdin.write("locate 0\nplay\n")
        transport.stdin.flush()
        time.sleep(bars * bar_s + 0.3)
        transport.stdin.write("stop\n")
        transport.stdin.flush()
        time.sleep(0.3)
        status = session.status()
    finally:
        if transport is not None:
            transport.stdin.write("quit\n")
            transport.stdin.close()
            transport.wait(timeout=5)
        clock.terminate()
        clock.wait(timeout=5)
        recorded = dump.stop()
        dump.close()
        session.stop()
    return _analyse(recorded, server, bpm, jitter, status)


def _analyse(recorded, server: JackServer, bpm: float, jitter: int, status) -> Run:
    start = next(i for i, d in enumerate(recorded) if d.msg == (0xFA,))
    stop = next(
        (i for i, d in enumerate(recorded) if i > start and d.msg == (0xFC,)), len(recorded)
    )
    pulses = np.array([d.frame for d in recorded[start:stop] if d.msg == (0xF8,)], float)
    k = np.arange(len(pulses))
    slope, intercept = np.polyfit(k, pulses, 1)  # frames per tick, frame of tick 0
    errors, first = [], []
    for d in recorded[start:stop]:
        if d.msg[0] & 0xF0 != 0x90 or d.msg[2] == 0:
            continue
        tick = round((d.frame - intercept) / slope / PATTERN_GRID_TICKS) * PATTERN_GRID_TICKS
        err_ms = (d.frame - (intercept + slope * tick)) * 1000 / server.rate
        (first if tick < 24 else errors).append(err_ms)
    if not errors:
        raise RuntimeError(f"no notes recorded at {bpm} BPM: is the bridge connected?")
    e = np.array(errors)
    a = np.abs(e)
    beyond = np.maximum(0.0, a - server.period_ms)
    return Run(
        bpm=bpm,
        jitter_pct=jitter,
        notes=len(e),
        p50_ms=round(float(np.percentile(a, 50)), 3),
        p99_ms=round(float(np.percentile(a, 99)), 3),
        max_ms=round(float(a.max()), 3),
        mean_ms=round(float(e.mean()), 3),
        p50_beyond_ms=round(float(np.percentile(beyond, 50)), 3),
        p99_beyond_ms=round(float(np.percentile(beyond, 99)), 3),
        first_beat_max_ms=round(float(np.abs(first).max()), 3) if first else 0.0,
        pulses=len(pulses),
        underruns=status.underruns,
        gen_ms_max=None if status.gen_ms_max is None else round(status.gen_ms_max, 1),
        sched_late_p99_ms=round(status.late_p99_ms, 3),
        sched_realtime=status.realtime,
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m jambridge.bridge.bench_timing", description=__doc__.splitlines()[0]
    )
    p.add_argument("--bpm", type=float, nargs="+", default=[90.0, 128.0, 174.0])
    p.add_argument("--jitter", type=int, nargs="+", default=[0, 10], help="jack_midi_clock -J %%")
    p.add_argument("--bars", type=int, default=8, help="bars per run (default 8)")
    p.add_argument("--engine", default="pattern", help="pattern (default) or model")
    p.add_argument("--busy-fraction", type=float, default=0.8,
                   help="share of each bar the generator spends busy (pattern engine)")  # fmt: skip
    p.add_argument("--period", type=int, default=64, help="JACK period in frames (default 64)")
    p.add_argument("--jack-realtime", choices=("auto", "on", "off"), default="auto",
                   help="run jackd with real-time scheduling (auto: if allowed)")  # fmt: skip
    p.add_argument("--rt-priority", type=int, default=20,
                   help="SCHED_FIFO priority of the real-time thread (0: off)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = p.parse_args(argv)
    missing = missing_tools(("jack_midi_clock", "jack_transport"))
    if missing:
        print(f"missing: {', '.join(missing)} (Debian: apt install jackd2 jack-midi-clock)")
        return 2
    server = _start_server(args.period, args.jack_realtime)
    os.environ["JACK_DEFAULT_SERVER"] = server.name
    os.environ["JACK_NO_START_SERVER"] = "1"
    runs: list[Run] = []
    try:
        for bpm in args.bpm:
            for jitter in args.jitter:
                run = measure(
                    server,
                    bpm,
                    jitter,
                    args.bars,
                    args.engine,
                    args.busy_fraction,
                    args.rt_priority,
                )
                runs.append(run)
                print(_row(run), flush=True)
    finally:
        server.stop()
    ok = all(
        r.p50_beyond_ms <= TARGET_P50_MS and r.p99_beyond_ms <= TARGET_P99_MS and r.underruns == 0
        for r in runs
    )
    print(
        f"JACK period {server.period} frames = {server.period_ms:.3f} ms at {server.rate} Hz "
        f"(jackd {'real-time' if server.realtime else 'not real-time'}); targets beyond the "
        f"period: p50 <= {TARGET_P50_MS} ms, p99 <= {TARGET_P99_MS} ms: {'met' if ok else 'MISSED'}"
    )
    if args.json:
        print(
            json.dumps(
                {
                    "period_frames": server.period,
                    "period_ms": round(server.period_ms, 4),
                    "rate": server.rate,
                    "jack_realtime": server.realtime,
                    "engine": args.engine,
                    "busy_fraction": args.busy_fraction,
                    "targets_met": ok,
                    "runs": [asdict(r) for r in runs],
                }
            )
        )
    return 0 if ok else 1


def _start_server(period: int, mode: str) -> JackServer:
    if mode in ("auto", "on"):
        try:
            return JackServer(period=period, realtime=True).start()
        except Exception:
            if mode == "on":
                raise
    return JackServer(period=period, realtime=False).start()


def _row(r: Run) -> str:
    return (
        f"{r.bpm:6.1f} BPM  jitter {r.jitter_pct:2d}%  notes {r.notes:4d}  "
        f"|err| p50 {r.p50_ms:6.3f}  p99 {r.p99_ms:6.3f}  max {r.max_ms:6.3f} ms  "
        f"mean {r.mean_ms:+6.3f}  beyond period p50 {r.p50_beyond_ms:5.3f} p99 "
        f"{r.p99_beyond_ms:5.3f} ms  underruns {r.underruns}  gen max {r.gen_ms_max} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
