"""Responsiveness benchmark: how long the Qt thread is ever held up while the bridge streams.

``python -m jambridge.bench.stream [--seconds 20] [--bpm 174] [--engine pattern]
[--generate-every 4] [--json]`` starts a private JACK server (dummy driver) and, in a child
process with user folders of its own (a temporary folder: captures, takes and presets never
touch the user's), opens the real window on it with the internal clock, starts the bridge and
lets it stream with the lanes moving. A QTimer beats every 5 ms on the Qt thread; the report
gives the largest gap between beats (``max_gap_ms``; target: under 50 ms), percentiles, and how
much of the worst gap the Qt thread itself spent working (``worst_gap_qt_cpu_ms``, from the
thread's CPU clock) and the whole process (``worst_gap_process_cpu_ms``: the app's other
threads included -- the bridge, the generator's pipe, a worker). A long gap with little CPU of
our own is the OS giving the core to other processes, not the app holding the Qt thread. With
``--generate-every`` an offline generation runs every that many seconds on top (the worst
case: the model or procedural engine busy in the app's generation process while the bridge
plays). Also reported: the longest wait between two cycles of the bridge's JACK output
(``output_longest_wait_ms``; over a period, JACK dropped cycles) and the garbage collector's
longest pause while measuring (``gc_longest_ms``): both hold up the real-time work.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import NamedTuple

from jambridge.bench.jack import JackServer, popen
from jambridge.bench.processes import private_env

TARGET_MS = 50.0
BEAT_MS = 5


class Gap(NamedTuple):
    """The time between two beats of the Qt thread's timer (ms)."""

    wall_ms: float
    qt_cpu_ms: float  # the Qt thread's own CPU time in it
    process_cpu_ms: float  # the whole process's CPU time in it


class GcPauses:
    """The garbage collector's pauses in this process from now to its end (``gc.callbacks``):
    each holds the GIL, which the bridge's real-time thread and JACK callbacks wait for."""

    def __init__(self) -> None:
        self.longest_ms = 0.0
        self.full = 0  # collections of the oldest generation
        self._began = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._began = time.perf_counter()
            return
        self.longest_ms = max(self.longest_ms, (time.perf_counter() - self._began) * 1000)
        self.full += info["generation"] == 2


def _clocks() -> tuple[float, float, float]:
    return time.perf_counter(), time.thread_time(), time.process_time()


class _Probe:
    """The measurement on the Qt thread: a beat every BEAT_MS recording the gaps, from the
    first bar played for ``seconds``, and an offline generation every ``generate_every`` s."""

    def __init__(self, app, window, seconds: float, generate_every: float) -> None:
        from PyQt6.QtCore import QTimer

        self.app, self.window, self.seconds = app, window, seconds
        self.gaps: list[Gap] = []
        self.generations = 0
        self.t_end: float | None = None  # None: not measuring yet
        self.pauses: GcPauses | None = None  # the collector's, while measuring
        self._last = _clocks()
        self.beat = QTimer()
        self.beat.setInterval(BEAT_MS)
        self.beat.timeout.connect(self._on_beat)
        self.generate = QTimer()
        self.generate.setInterval(int(generate_every * 1000))
        self.generate.timeout.connect(self._on_generate)
        self.generate_every = generate_every

    def run(self) -> None:
        """Start the bridge, measure, return when done (or when the bridge failed)."""
        from PyQt6.QtCore import QTimer

        self.beat.start()
        QTimer.singleShot(100, self.window.start_bridge)
        QTimer.singleShot(100, self._begin)
        self.app.exec()

    def _on_beat(self) -> None:
        now = _clocks()
        if self.t_end is not None:
            self.gaps.append(Gap(*((a - b) * 1000 for a, b in zip(now, self._last, strict=True))))
            if now[0] >= self.t_end:
                self.app.exit(0)
        self._last = now

    def _on_generate(self) -> None:
        if not self.window.studio.generating:
            self.window.generate()
            self.generations += 1

    def _begin(self) -> None:
        from PyQt6.QtCore import QTimer

        live = self.window.live
        if not (live.running and live.bars_played >= 1):
            if self.window.messages.errors():
                self.app.exit(0)
            else:
                QTimer.singleShot(50, self._begin)
            return
        self.pauses = GcPauses()
        self._last = _clocks()
        self.t_end = self._last[0] + self.seconds
        if self.generate_every:
            self.generate.start()


def _child(args: argparse.Namespace) -> int:
    """In the child: open the window, stream, measure; print the result as one JSON line."""
    from jambridge.live_options import LiveOptions
    from jambridge.ui.app import application, build_window

    app = application()
    options = LiveOptions(midi_api="jack", engine=args.engine)
    window = build_window(options, takes_dir=args.child, list_ports=False)
    window.show()
    window.transport.set_clock(args.clock)
    window.transport.bpm_box.setValue(args.bpm)
    probe = _Probe(app, window, args.seconds, args.generate_every)
    probe.run()
    status = window.live.adapter.status()
    bars = window.live.bars_played
    session = getattr(window.live.adapter, "_session", None)
    waited = getattr(session, "output_longest_wait_ms", None)  # JACK-Client, while it is open
    errors = window.messages.errors()
    window.live.stop()
    window.live.adapter.wait(10_000)
    window.studio.wait(10_000)
    written = getattr(session, "events_written", None)  # JACK-Client: events written in cycles
    if not probe.gaps:
        raise SystemExit(f"the bridge did not stream: {errors}")
    extra = {"bars_played": bars, "offline_generations": probe.generations,
             "underruns": getattr(status, "underruns", None), "errors": errors,
             "events_written": written, "output_longest_wait_ms": waited,
             "gc_longest_ms": probe.pauses and round(probe.pauses.longest_ms, 2),
             "gc_full": probe.pauses and probe.pauses.full}  # fmt: skip
    print(json.dumps(_summary(args, probe.gaps, extra)), flush=True)
    return 0


def _summary(args: argparse.Namespace, gaps: list[Gap], extra: dict) -> dict:
    walls = sorted(g.wall_ms for g in gaps)
    worst = max(gaps)
    return {
        "seconds": args.seconds,
        "bpm": args.bpm,
        "engine": args.engine,
        "beat_ms": BEAT_MS,
        "beats": len(gaps),
        "max_gap_ms": round(worst.wall_ms, 2),
        "worst_gap_qt_cpu_ms": round(worst.qt_cpu_ms, 2),
        "worst_gap_process_cpu_ms": round(worst.process_cpu_ms, 2),
        "p50_gap_ms": round(statistics.median(walls), 2),
        "p99_gap_ms": round(walls[int(0.99 * (len(walls) - 1))], 2),
        "max_qt_cpu_per_beat_ms": round(max(g.qt_cpu_ms for g in gaps), 2),
        "gaps_over_target": sum(w > TARGET_MS for w in walls),
        "target_ms": TARGET_MS,
        "ok": worst.wall_ms < TARGET_MS,
        **extra,
        "load_avg_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "cpus": os.cpu_count(),
        "qpa": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
    }


def run(args: argparse.Namespace) -> dict:
    """The measurement, in a child process on a private JACK server and private user folders.

    Raises:
        SystemExit: the child failed (its error is on stderr).
    """
    cmd = [sys.executable, "-m", "jambridge.bench.stream", "--seconds", f"{args.seconds}",
           "--bpm", f"{args.bpm}", "--engine", args.engine,
           "--generate-every", f"{args.generate_every}"]  # fmt: skip
    with JackServer() as server, tempfile.TemporaryDirectory() as tmp:
        env = private_env(tmp, server.env)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        child = popen([*cmd, "--child", os.path.join(tmp, "takes")], env=env,
                      stdout=subprocess.PIPE, text=True)  # fmt: skip
        try:
            out, _ = child.communicate(timeout=args.seconds + 300)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    lines = out.strip().splitlines()
    if child.returncode != 0 or not lines:
        raise SystemExit(f"the measurement failed (exit code {child.returncode})")
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m jambridge.bench.stream", description=__doc__.splitlines()[0]
    )
    p.add_argument("--seconds", type=float, default=20.0, help="streaming time measured")
    p.add_argument("--bpm", type=float, default=174.0, help="internal clock tempo")
    p.add_argument("--engine", default="pattern", help="live bar source (pattern, procedural...)")
    p.add_argument(
        "--generate-every", type=float, default=0.0, metavar="S", help="offline generation too"
    )
    p.add_argument("--clock", default="internal", choices=("internal", "external"),
                   help="the app's clock (external: see bench.timing_app)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--child", metavar="TAKES_DIR", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return _child(args)
    result = run(args)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(
            f"max gap {result['max_gap_ms']} ms (Qt thread busy {result['worst_gap_qt_cpu_ms']} "
            f"ms of it), p99 {result['p99_gap_ms']} ms, {result['bars_played']} bars, "
            f"load {result['load_avg_1min']:.1f}"
        )
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
