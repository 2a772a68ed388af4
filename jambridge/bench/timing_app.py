"""Timing under load: the app's own bridge following ``jack_midi_clock`` while its window
streams and the model generates, notes measured in JACK frames.

``python -m jambridge.bench.timing_app [--period 256] [--bpm 128] [--seconds 30]
[--engine model] [--generate-every 4] [--jack-realtime auto] [--json]``

A private JACK server (dummy driver); in a child process with user folders of its own, the real
window (Qt offscreen unless ``QT_QPA_PLATFORM`` says otherwise) with the external clock and the
model engine, streaming, and the window's Generate every ``--generate-every`` seconds (in the
app's generation process). :mod:`jambridge.bench.stream` is the child: its Qt-thread gaps
come back too.
``jack_midi_clock`` (no jitter) plays into "JamBridge In"; a JACK-Client recorder in this process
takes the clock and "JamBridge Out" by server frame. All of it on the same cores.

Reported: the absolute onset error of every note against the ideal the recorded pulses put its
tick at (:func:`~jambridge.bench.onset_errors.local_errors`; target p99 <= 0.5 ms at period 256),
notes lost on the way (events our output port wrote into JACK cycles minus the events the
recorder got from it; target 0), xruns, underruns, and the child's Qt responsiveness, its
output's longest wait between JACK cycles and its garbage collector's longest pause (what
held the real-time work up when events were lost).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from jambridge.bench import cli
from jambridge.bench.jack import JackServer, popen, start_server
from jambridge.bench.jack_clients import MidiClock, Transport
from jambridge.bench.onset_errors import local_errors, started
from jambridge.bench.processes import private_env
from jambridge.bridge.io.jack_ports import JackMidiIn
from jambridge.bridge.io.ports import IN_NAME, OUT_NAME, jack_port_name
from jambridge.errors import PortError

TARGET_P99_MS = 0.5


def _child(args: argparse.Namespace, server: JackServer, tmp: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "jambridge.bench.stream", "--clock", "external",
           "--seconds", f"{args.seconds}", "--bpm", f"{args.bpm}", "--engine", args.engine,
           "--generate-every", f"{args.generate_every}",
           "--child", os.path.join(tmp, "takes")]  # fmt: skip
    env = private_env(tmp, server.env)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return popen(cmd, env=env, stdout=subprocess.PIPE, text=True)


def measure(server: JackServer, args: argparse.Namespace) -> dict:
    """One run on ``server`` (see the module docstring).

    Raises:
        PortError: the app did not open its ports, start, or report.
    """
    with tempfile.TemporaryDirectory() as tmp, server.selected():
        child = _child(args, server, tmp)
        rec = probe = clock = transport = None
        try:
            rec = JackMidiIn(client_name="timing-app-rec")
            probe = JackMidiIn(client_name="timing-app-probe")  # our notes only: has it started?
            clock = MidiClock(server, args.bpm)
            ins, outs = jack_port_name(IN_NAME), jack_port_name(OUT_NAME)
            server.wait_for_port(outs, timeout_s=120)
            server.wait_for_port(ins, timeout_s=30)
            for dest in (ins, "timing-app-rec:timing-app-rec"):
                server.connect(clock.port, dest)
            for dest in ("timing-app-rec:timing-app-rec", "timing-app-probe:timing-app-probe"):
                server.connect(outs, dest)
            xruns_before = server.log_text().count("XRun")
            transport = Transport(server)
            plays = transport.play_from_start(lambda: probe.pending() > 0, wait_s=15)
            out, _ = child.communicate(timeout=args.seconds + 300)
            transport.send("stop")
            time.sleep(0.2)
            framed = [(float(f), m) for f, _, m in rec.poll_frames()]
            xruns = server.log_text().count("XRun") - xruns_before
        finally:
            for part in (transport, clock, probe, rec):
                if part is not None:
                    part.close()
            if child.poll() is None:
                child.kill()
                child.wait()
    lines = (out or "").strip().splitlines()
    if child.returncode != 0 or not lines:
        raise PortError(f"the app's run failed (exit code {child.returncode})")
    app = json.loads(lines[-1])
    if args.save_events:  # the recording, for a closer look: [[frame, [bytes...]], ...]
        with open(args.save_events, "w", encoding="utf-8") as f:
            json.dump(framed, f)
    ours = sum(1 for _, m in framed if m and m[0] < 0xF0)
    stats = local_errors(started(framed), 1000.0 / server.rate, server.period_ms)
    written = app.get("events_written")
    return {
        "period_frames": server.period,
        "jack_realtime": server.realtime,
        "bpm": args.bpm,
        "engine": args.engine,
        "seconds": args.seconds,
        "generate_every_s": args.generate_every,
        "onsets": None if stats is None else stats.__dict__,
        "events_written": written,
        "events_recorded": ours,
        "events_lost": None if written is None else written - ours,
        "jack_xruns": xruns,
        "plays": plays,
        "app": app,
        "target_p99_ms": TARGET_P99_MS,
        "ok": stats is not None and stats.p99_ms <= TARGET_P99_MS and written == ours,
    }


def main(argv: list[str] | None = None) -> int:
    p = cli.parser("timing_app", __doc__, period=256)
    p.add_argument("--bpm", type=float, default=128.0)
    p.add_argument("--seconds", type=float, default=30.0, help="streaming time measured")
    p.add_argument("--engine", default="model", help="model (default), procedural or pattern")
    p.add_argument("--generate-every", type=float, default=4.0, metavar="S",
                   help="an offline generation in the app every S seconds (0: none)")  # fmt: skip
    p.add_argument("--save-events", metavar="FILE", help="write the recorded events (JSON)")
    cli.add_jack_realtime(p)
    return cli.run(p, argv, _run)


def _run(args: argparse.Namespace) -> int:
    server = start_server(args.period, args.jack_realtime)
    try:
        result = measure(server, args)
    finally:
        server.stop()
    s = result["onsets"]
    mode = "real-time" if server.realtime else "not real-time"
    print(
        f"period {result['period_frames']} (jackd {mode}), {args.bpm:g} BPM, {args.engine}, "
        "app streaming, generation every "
        f"{args.generate_every:g} s: "
        + (
            "no onsets"
            if s is None
            else f"{s['notes']} notes, |error| p50 {s['p50_ms']} p99 "
            f"{s['p99_ms']} max {s['max_ms']} ms"
        )  # fmt: skip
        + f"; events written {result['events_written']}, recorded {result['events_recorded']}, "
        f"lost {result['events_lost']}; xruns {result['jack_xruns']}; underruns "
        f"{result['app'].get('underruns')}; Qt max gap {result['app'].get('max_gap_ms')} ms; "
        f"our output's longest wait {result['app'].get('output_longest_wait_ms')} ms, the "
        f"collector's longest pause {result['app'].get('gc_longest_ms')} ms; "
        f"target p99 <= {TARGET_P99_MS} ms and 0 lost: {'met' if result['ok'] else 'missed'}"
    )
    if args.json:
        print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
