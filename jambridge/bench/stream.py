"""Responsiveness benchmark: how long the Qt thread is ever held up while the bridge streams.

``python -m jambridge.bench.stream [--seconds 20] [--bpm 174] [--engine pattern]
[--generate-every 4] [--json]`` starts a private JACK server (dummy driver), opens the real
window on it with the internal clock, starts the bridge and lets it stream with the lanes
moving. A QTimer beats every 5 ms on the Qt thread; the report gives the largest gap between
beats (``max_gap_ms``; target: under 50 ms), percentiles, and how much of the worst gap the Qt
thread itself spent working (``worst_gap_qt_cpu_ms``, from the thread's CPU clock) and the
whole process (``worst_gap_process_cpu_ms``: the app's other threads included -- the bridge,
the generator's pipe, a worker). A long gap with little CPU of our own is the OS giving the
core to other processes, not the app holding the Qt thread. With
``--generate-every`` an offline generation runs every that many seconds on top (the worst
case: the model or procedural engine busy in the app's worker while the bridge plays).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

TARGET_MS = 50.0
BEAT_MS = 5


def run(args: argparse.Namespace) -> dict:
    from PyQt6.QtCore import QTimer

    from jambridge.bench.jack import JackServer
    from jambridge.live_options import LiveOptions
    from jambridge.ui.app import application, build_window

    server = JackServer().start()
    os.environ["JACK_DEFAULT_SERVER"] = server.name
    os.environ["JACK_NO_START_SERVER"] = "1"
    tmp = tempfile.TemporaryDirectory()
    os.environ["XDG_DATA_HOME"] = tmp.name  # captures and takes stay out of the user's folder
    app = application()
    options = LiveOptions(midi_api="jack", engine=args.engine)
    window = build_window(options, takes_dir=os.path.join(tmp.name, "takes"), list_ports=False)
    window.show()
    window.transport.set_clock("internal")
    window.transport.bpm_box.setValue(args.bpm)
    gaps: list[tuple[float, float, float]] = []  # (wall, Qt thread CPU, process CPU) ms
    state = {"wall": 0.0, "cpu": 0.0, "proc": 0.0, "measuring": False, "t_end": 0.0,
             "generations": 0}  # fmt: skip
    beat = QTimer()
    beat.setInterval(BEAT_MS)
    generate = QTimer()
    generate.setInterval(int(args.generate_every * 1000) if args.generate_every else 0)

    def on_beat() -> None:
        wall, cpu, proc = time.perf_counter(), time.thread_time(), time.process_time()
        if state["measuring"]:
            gaps.append(
                (
                    (wall - state["wall"]) * 1000,
                    (cpu - state["cpu"]) * 1000,
                    (proc - state["proc"]) * 1000,
                )
            )
            if wall >= state["t_end"]:
                app.exit(0)
        state["wall"], state["cpu"], state["proc"] = wall, cpu, proc

    def on_generate() -> None:
        if not window.studio.generating:
            window.generate()
            state["generations"] += 1

    def begin() -> None:
        if not (window.live.running and window.live.bars_played >= 1):
            if window.messages.errors():
                app.exit(0)
                return
            QTimer.singleShot(50, begin)
            return
        state["measuring"] = True
        state["wall"], state["cpu"] = time.perf_counter(), time.thread_time()
        state["proc"] = time.process_time()
        state["t_end"] = state["wall"] + args.seconds
        if args.generate_every:
            generate.start()

    beat.timeout.connect(on_beat)
    generate.timeout.connect(on_generate)
    beat.start()
    QTimer.singleShot(100, window.start_bridge)
    QTimer.singleShot(100, begin)
    app.exec()
    status = window.live.adapter.status()
    bars = window.live.bars_played
    errors = window.messages.errors()
    window.live.stop()
    window.live.adapter.wait(10_000)
    window.studio.wait(10_000)
    server.stop()
    tmp.cleanup()
    if not gaps:
        raise SystemExit(f"the bridge did not stream: {errors}")
    walls = sorted(g[0] for g in gaps)
    worst = max(gaps)
    return {
        "seconds": args.seconds,
        "bpm": args.bpm,
        "engine": args.engine,
        "beat_ms": BEAT_MS,
        "beats": len(gaps),
        "max_gap_ms": round(worst[0], 2),
        "worst_gap_qt_cpu_ms": round(worst[1], 2),
        "worst_gap_process_cpu_ms": round(worst[2], 2),
        "p50_gap_ms": round(statistics.median(walls), 2),
        "p99_gap_ms": round(walls[int(0.99 * (len(walls) - 1))], 2),
        "max_qt_cpu_per_beat_ms": round(max(g[1] for g in gaps), 2),
        "gaps_over_target": sum(w > TARGET_MS for w in walls),
        "target_ms": TARGET_MS,
        "ok": worst[0] < TARGET_MS,
        "bars_played": bars,
        "offline_generations": state["generations"],
        "underruns": getattr(status, "underruns", None),
        "errors": errors,
        "load_avg_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "cpus": os.cpu_count(),
        "qpa": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=20.0, help="streaming time measured")
    p.add_argument("--bpm", type=float, default=174.0, help="internal clock tempo")
    p.add_argument("--engine", default="pattern", help="live bar source (pattern, procedural...)")
    p.add_argument(
        "--generate-every", type=float, default=0.0, metavar="S", help="offline generation too"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
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
