"""Start-up benchmark: from launching the app's process to an interactive window.

``python -m jambridge.bench.startup [--runs 3] [--json]`` starts the app ``--runs`` times in
a fresh Python process each (the way ``jambridge app`` starts: interpreter, imports, window)
and measures, from the parent, the wall time until the child's event loop runs with the
window shown (``window_ms``: it answers clicks from here) and until the preset is loaded and
the take history listed (``ready_ms``). The child's user folders (takes, presets) are a
temporary folder. Target: under 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_MS = 3000.0


def _child(takes_dir: str) -> int:
    """In the child: build the window, report when it is interactive and when it is ready."""
    t0 = time.perf_counter()
    from PyQt6.QtCore import QTimer

    from jambridge.ui.app import application, build_window

    app = application()
    t_import = time.perf_counter()
    window = build_window(takes_dir=takes_dir, list_ports=False)
    window.show()
    t_build = time.perf_counter()

    def interactive() -> None:
        print(f"window {(t_import - t0) * 1000:.1f} {(t_build - t0) * 1000:.1f}", flush=True)
        poll()

    def poll() -> None:
        studio = window.studio
        if studio.preset is not None and not studio.files.busy:
            print("ready", flush=True)
            app.exit(0)
        else:
            QTimer.singleShot(5, poll)

    QTimer.singleShot(0, interactive)
    return app.exec()


def measure_once(folder: str) -> dict:
    """One launch, its user folders in ``folder``; times in ms from spawning the process."""
    from jambridge.bench.processes import private_env  # (not in the child: it is timed)

    env = private_env(folder)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    takes_dir = os.path.join(folder, "takes")
    t0 = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "jambridge.bench.startup", "--child", takes_dir],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    line = child.stdout.readline().split()
    t_window = time.perf_counter()
    ready = child.stdout.readline().strip()
    t_ready = time.perf_counter()
    child.wait(timeout=60)
    if len(line) != 3 or ready != "ready":
        raise RuntimeError(f"the app did not start (exit code {child.returncode})")
    return {
        "window_ms": (t_window - t0) * 1000,
        "ready_ms": (t_ready - t0) * 1000,
        "imports_ms_in_child": float(line[1]),
        "built_ms_in_child": float(line[2]),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m jambridge.bench.startup", description=__doc__.splitlines()[0]
    )
    p.add_argument("--runs", type=int, default=3, help="launches to time (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--child", metavar="TAKES_DIR", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return _child(args.child)
    with tempfile.TemporaryDirectory() as tmp:
        runs = [measure_once(tmp) for _ in range(args.runs)]
    worst = max(r["window_ms"] for r in runs)
    result = {
        "runs": runs,
        "window_ms_median": statistics.median(r["window_ms"] for r in runs),
        "window_ms_max": worst,
        "ready_ms_max": max(r["ready_ms"] for r in runs),
        "target_ms": TARGET_MS,
        "ok": worst < TARGET_MS,
        "load_avg_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "qpa": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
    }
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for i, r in enumerate(runs, 1):
            print(f"run {i}: window {r['window_ms']:.0f} ms, ready {r['ready_ms']:.0f} ms")
        print(f"worst: window {worst:.0f} ms (target < {TARGET_MS:.0f} ms)")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
