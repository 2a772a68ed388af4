"""Master clock benchmark: JamBridge's own MIDI clock (``--clock internal``) as a DAW hears it.

``python -m jambridge.bench.master [--bpm 128] [--period 64] [--bars 4] [--json]``

A private JACK server (dummy driver); "JamBridge Out" is recorded from the first pulse on by a
JACK-Client recorder that reads each event's frame from the server's counter. The bridge plays
the test pattern with ``--clock internal``; after a moment it is told to play, then to change
tempo (a glide), then to stop. Measured, in the server's frames:

* pulses per beat (from one of the test pattern's kicks to the next: 24), and the pulse
  intervals' error against a line
  through the pulses of the steady stretch (the dummy driver's sample clock runs a little off
  our clock, so the line's slope is the tempo the DAW hears; reported apart);
* where Start falls: how many pulses came before it (a bar line: a multiple of 96, at least 96)
  and that the first pulse of the song follows it on the same frame;
* each note's onset against the pulse of its tick (absolute error).

Target (issue 13): p99 interval error <= 0.05 ms on JACK; Start on a bar line.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from dataclasses import dataclass

import numpy as np

from jambridge.bench import cli
from jambridge.bench.jack import start_server
from jambridge.bridge.io.jack_ports import JackMidiIn, JackMidiOut
from jambridge.bridge.io.ports import OUT_NAME, jack_port_name
from jambridge.bridge.playback.sources import KICK
from jambridge.bridge.session import BridgeConfig, BridgeSession
from jambridge.bridge.timing.transport import TICKS_PER_BAR, TICKS_PER_BEAT

TARGET_INTERVAL_P99_MS = 0.05
RECORDER = "master-recorder"


@dataclass
class MasterResult:
    """What the recording of the master clock shows."""

    bpm: float
    period_frames: int
    pulses: int
    pulses_before_start: int
    start_on_bar_line: bool
    start_then_pulse_same_frame: bool
    pulses_per_beat: float  # pulses from one kick of the test pattern to the next (a beat)
    interval_error_p50_ms: float
    interval_error_p99_ms: float
    interval_error_max_ms: float
    heard_bpm: float  # the steady stretch's line: the tempo a follower hears
    note_error_p50_ms: float | None
    note_error_p99_ms: float | None
    glide_steps_monotone: bool  # the tempo change's intervals move one way, no jump
    xruns: int

    @property
    def ok(self) -> bool:
        return (
            self.start_on_bar_line
            and self.start_then_pulse_same_frame
            and self.interval_error_p99_ms <= TARGET_INTERVAL_P99_MS
        )

    def summary(self) -> str:
        notes = (
            "no notes"
            if self.note_error_p99_ms is None
            else f"notes on their pulses p50 {self.note_error_p50_ms:.4f} ms, "
            f"p99 {self.note_error_p99_ms:.4f} ms"
        )
        return (
            f"{self.bpm:g} BPM, period {self.period_frames}: {self.pulses} pulses; "
            f"Start after {self.pulses_before_start} pulses (bar line: {self.start_on_bar_line}, "
            f"pulse on its frame: {self.start_then_pulse_same_frame}); "
            f"{self.pulses_per_beat:.2f} pulses a beat; interval error p50 "
            f"{self.interval_error_p50_ms:.4f} / p99 {self.interval_error_p99_ms:.4f} / max "
            f"{self.interval_error_max_ms:.4f} ms (target p99 <= {TARGET_INTERVAL_P99_MS}); "
            f"heard {self.heard_bpm:.3f} BPM; {notes}; glide one way: "
            f"{self.glide_steps_monotone}; xruns {self.xruns}"
        )


def record(args: argparse.Namespace) -> tuple[list[tuple[int, tuple[int, ...]]], int, int]:
    """Run the bridge as master and record its output: ((frame, message) list, rate, xruns)."""
    bar_s = TICKS_PER_BAR / TICKS_PER_BEAT * 60.0 / args.bpm
    server = start_server(args.period, args.jack_realtime)
    with contextlib.ExitStack() as stack:
        stack.callback(server.stop)
        stack.enter_context(server.selected())
        recorder = JackMidiIn(client_name=RECORDER)
        stack.callback(recorder.close)
        out = JackMidiOut()  # ours, connected before the first pulse: nothing missed
        server.connect(jack_port_name(OUT_NAME), f"{RECORDER}:{RECORDER}")
        config = BridgeConfig(midi_api="jack", engine="pattern", clock="internal", bpm=args.bpm)
        session = BridgeSession(config, out_port=out, connect_input=False).start()
        stack.callback(session.stop)
        time.sleep(0.5 * bar_s)
        session.play()
        time.sleep((args.bars + 2) * bar_s)  # the count-in, then the bars
        session.set_bpm(args.bpm * 1.1)
        time.sleep(bar_s)
        session.stop()
        time.sleep(0.2)
        events = [(f, m) for f, _, m in recorder.poll_frames()]
        xruns = server.log_text().count("XRun")
        return events, server.rate, xruns


def analyse(events, rate: int, args: argparse.Namespace, xruns: int) -> MasterResult:
    pulses = np.array([f for f, m in events if m == (0xF8,)], dtype=float)
    start_at = next(i for i, (_, m) in enumerate(events) if m == (0xFA,))
    start_frame = events[start_at][0]
    before = int(np.sum(pulses < start_frame))
    after_start = events[start_at + 1]
    to_ms = 1000.0 / rate
    steady = pulses[: before + int(args.bars * TICKS_PER_BAR)]  # up to the tempo change
    index = np.arange(len(steady))
    slope, intercept = np.polyfit(index, steady, 1)
    steps = np.diff(steady)
    step_err = np.abs(steps - slope) * to_ms
    glide = np.diff(pulses[len(steady) - 1 :])[: TICKS_PER_BEAT + 2]
    glide_ok = bool(np.all(np.diff(glide) <= 1.0))  # shorter and shorter (within a frame)
    notes = [f for f, m in events if len(m) == 3 and m[0] & 0xF0 == 0x90 and m[2] > 0]
    errs = [abs(f - pulses[np.argmin(np.abs(pulses - f))]) * to_ms for f in notes]
    kicks = sorted({f for f, m in events if m[:2] == (0x99, KICK) and len(m) == 3 and m[2] > 0})
    per_beat = [int(np.sum((pulses >= a) & (pulses < b))) for a, b in zip(kicks, kicks[1:])]
    r = lambda x: round(float(x), 4)  # noqa: E731
    return MasterResult(
        bpm=args.bpm,
        period_frames=args.period,
        pulses=len(pulses),
        pulses_before_start=before,
        start_on_bar_line=before >= TICKS_PER_BAR and before % TICKS_PER_BAR == 0,
        start_then_pulse_same_frame=after_start == (start_frame, (0xF8,)),
        pulses_per_beat=r(np.median(per_beat)) if per_beat else 0.0,  # kick to kick: a beat
        interval_error_p50_ms=r(np.percentile(step_err, 50)),
        interval_error_p99_ms=r(np.percentile(step_err, 99)),
        interval_error_max_ms=r(step_err.max()),
        heard_bpm=r(60.0 * rate / (slope * TICKS_PER_BEAT)),
        note_error_p50_ms=r(np.percentile(errs, 50)) if errs else None,
        note_error_p99_ms=r(np.percentile(errs, 99)) if errs else None,
        glide_steps_monotone=glide_ok,
        xruns=xruns,
    )


def main(argv: list[str] | None = None) -> int:
    p = cli.parser("master", __doc__, period=64)
    p.add_argument("--bpm", type=float, default=128.0)
    p.add_argument("--bars", type=int, default=4, help="steady bars measured (default 4)")
    cli.add_jack_realtime(p)
    return cli.run(p, argv, _run)


def _run(args: argparse.Namespace) -> int:
    events, rate, xruns = record(args)
    return cli.report(analyse(events, rate, args, xruns), args.json)


if __name__ == "__main__":
    sys.exit(main())
