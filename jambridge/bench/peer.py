"""A scripted MIDI peer on its own ports: the DAW stand-in (and recorder) of the integration
tests.

Run as ``python -m jambridge.bench.peer --api jack --name peer --script SCRIPT [--record]``.
It opens a virtual output port ``out`` (JACK: ``peer:out``) and, with ``--record``, an input
port ``in``; prints ``ready``; waits for a line on stdin (so the caller can connect ports);
runs the script; prints ``done`` and then one JSON line ``{"sent": [[t, msg], ...], "heard":
[[t, msg], ...]}`` with ``time.perf_counter`` times -- the same monotonic clock in every
process on the machine, so the caller can compare them with its own.

It keeps its own pulse grid (sleep, then spin to each pulse) and asks for real-time
scheduling where allowed, as a DAW's clock thread does. The script is JSON, a list of steps::

    [["tempo", 240], ["send", [250]], ["clock", 96], ["send", [144, 60, 100]],
     ["clock", 12], ["send", [252]], ["idle", 0.3], ["hang"]]

* ``["clock", n]``: send ``n`` pulses on the grid at the current tempo;
* ``["tempo", bpm]``: tempo from the next pulse;
* ``["wander", fraction, seed]``: from the next pulse each interval is off by up to
  ``fraction`` of the period, at random, and the errors add up (``jack_midi_clock -J``);
* ``["send", [bytes]]``: send a message now (right after the last pulse);
* ``["idle", seconds]``: send nothing for a while (the grid restarts after it);
* ``["wait"]``: wait for another line on stdin (a recorder waits to be told to stop);
* ``["hang"]``: stop sending and wait to be killed (a DAW that died mid-note);
* ``["repeat", n, [steps]]``: run ``steps`` ``n`` times (button presses between pulses);
* ``["junk", n]``: send ``n`` messages of 1-3 random bytes, any values, back to back (one in
  five is ``0xF0`` and 1-8 random bytes: a sysex that may not end, with status bytes inside);
* ``["sysex", n, size]``: send ``n`` system exclusive messages of ``size`` bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import select
import sys
import time

from jambridge.bridge.io.arrivals import ArrivalClock


class Recorder:
    """Polls an rtmidi input (no callback: Python in JACK's thread makes JACK drop events)."""

    def __init__(self, midi_in) -> None:
        self.midi_in = midi_in
        self.arrivals = ArrivalClock()
        self.heard: list = []

    def pump(self) -> None:
        if self.midi_in is None:
            return
        got = []
        while (item := self.midi_in.get_message()) is not None:
            got.append(item)
        stamps = self.arrivals.stamp([d for _, d in got], time.perf_counter())
        self.heard += [(t, msg) for t, (msg, _) in zip(stamps, got, strict=True)]


def _wait_until(t: float, rec: Recorder) -> None:
    while True:
        rec.pump()
        left = t - time.perf_counter()
        if left <= 0:
            return
        if left > 0.002:
            time.sleep(min(left - 0.0015, 0.001))


def _wait_for_line(rec: Recorder) -> None:
    while not select.select([sys.stdin], [], [], 0.001)[0]:
        rec.pump()
    sys.stdin.readline()
    rec.pump()


class Player:
    """Runs a script on an output, logging (time, message) of each send in ``sent``."""

    def __init__(self, out, sent: list, rec: Recorder) -> None:
        self.out = out
        self.sent = sent
        self.rec = rec
        self.period = 60.0 / (120.0 * 24)
        self.next_t = time.perf_counter() + 0.05
        self.wander, self.rng = 0.0, random.Random(0)
        self.junk_rng = random.Random(1)

    def send(self, msg: list[int], log: bool = True) -> None:
        self.out.send_message(msg)
        if log:
            self.sent.append((time.perf_counter(), msg))

    def run(self, script: list) -> None:
        for step in script:
            self.step(step)

    def step(self, step: list) -> None:
        op = step[0]
        if op == "clock":
            for _ in range(int(step[1])):
                _wait_until(self.next_t, self.rec)
                self.send([0xF8])
                self.next_t += self.period * (1.0 + self.rng.uniform(-self.wander, self.wander))
        elif op == "wander":
            self.wander, self.rng = float(step[1]), random.Random(int(step[2]))
        elif op == "tempo":
            self.period = 60.0 / (float(step[1]) * 24)
        elif op == "send":
            self.send(list(step[1]))
        elif op == "idle":
            _wait_until(time.perf_counter() + float(step[1]), self.rec)
            self.next_t = time.perf_counter() + self.period
        elif op == "wait":
            _wait_for_line(self.rec)
        elif op == "hang":
            while True:
                time.sleep(3600)
        elif op == "repeat":
            for _ in range(int(step[1])):
                self.run(step[2])
        elif op == "junk":  # not logged: the log is for the clock and the notes
            r = self.junk_rng
            for _ in range(int(step[1])):
                n = r.randint(1, 3)  # rtmidi sends longer messages only as sysex
                head = [0xF0] if r.random() < 0.2 else []  # ... of random bytes, any values
                if head:
                    n = r.randint(1, 8)
                self.send(head + [r.randrange(256) for _ in range(n)], log=False)
        elif op == "sysex":
            body = [0x7E] + [i % 128 for i in range(max(0, int(step[2]) - 3))]
            for _ in range(int(step[1])):
                self.send([0xF0, *body, 0xF7], log=False)
        else:
            raise ValueError(f"unknown peer step {op!r}")


def run_script(out, script: list, sent: list, rec: Recorder) -> None:
    """Run ``script`` on the output ``out``, logging (time, message) of each send in ``sent``
    (random junk and sysex storms are not logged)."""
    Player(out, sent, rec).run(script)


def main(argv: list[str] | None = None) -> int:
    import rtmidi

    from jambridge.bridge.io.ports import APIS

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--api", default="jack", choices=sorted(APIS))
    p.add_argument("--name", default="peer", help="client name (JACK ports: NAME:out, NAME:in)")
    p.add_argument("--script", required=True, help="JSON list of steps (see the module doc)")
    p.add_argument("--record", action="store_true", help="record what arrives on port 'in'")
    p.add_argument("--rt-priority", type=int, default=30, help="SCHED_FIFO where allowed")
    args = p.parse_args(argv)
    if args.rt_priority > 0 and hasattr(os, "sched_setscheduler"):
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(args.rt_priority))
    api = getattr(rtmidi, APIS[args.api].rtmidi_name)
    script = json.loads(args.script)
    out = rtmidi.MidiOut(api, name=args.name)
    out.open_virtual_port("out")
    midi_in = None
    if args.record:
        midi_in = rtmidi.MidiIn(api, name=f"{args.name}-rec", queue_size_limit=8192)
        midi_in.open_virtual_port("in")
        midi_in.ignore_types(sysex=False, timing=False, active_sense=False)
    rec = Recorder(midi_in)
    sent: list = []
    print("ready", flush=True)
    _wait_for_line(rec)
    run_script(out, script, sent, rec)
    _wait_until(time.perf_counter() + 0.05, rec)  # let the last messages leave (and arrive)
    print("done", flush=True)
    print(json.dumps({"sent": sent, "heard": rec.heard}), flush=True)
    out.close_port()
    if midi_in is not None:
        midi_in.close_port()
    return 0


if __name__ == "__main__":
    sys.exit(main())
