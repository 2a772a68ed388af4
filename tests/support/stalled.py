"""A sender script run against a JACK server that is stopped (SIGSTOP: no cycles at all)."""

from __future__ import annotations

import signal
import subprocess
import sys

from jambridge.bench.jack import JackServer


def run_against_a_stalled_server(script: str) -> list[str]:
    """Run ``script`` (given the server's pid as argv[1]; it stops and resumes jackd itself) in
    its own process -- libjack's state is one per process -- on a fresh server; its stdout
    words. The server is resumed and stopped whatever happens."""
    server = JackServer(period=128).start()
    assert server._proc is not None
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, str(server._proc.pid)],
            env=server.env, capture_output=True, text=True, timeout=20, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-800:]
        return done.stdout.split()
    finally:
        server._proc.send_signal(signal.SIGCONT)
        server.stop()
