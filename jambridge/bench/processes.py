"""Child processes the benchmarks and the JACK tests drive, seen from the parent: a scripted
peer (:mod:`jambridge.bench.peer`) and ``jambridge bridge`` as its users run it. Not run on its
own.

Both are started on a :class:`~jambridge.bench.jack.JackServer` and killed with their parent
(:func:`~jambridge.bench.jack.popen`); :func:`private_env` gives a child user folders of its
own, so a benchmark never writes to the user's.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from jambridge.bench.jack import JackServer, popen
from jambridge.bridge.io.ports import IN_NAME, OUT_NAME, jack_port_name
from jambridge.errors import PortError

Stamped = tuple[float, list[int]]  # (time.perf_counter seconds, MIDI message)


def private_env(root: str | Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the user's data and config folders
    (captures, takes, presets; see :mod:`jambridge.user_dirs`) moved under ``root``."""
    return {
        **(os.environ if base is None else base),
        "XDG_DATA_HOME": os.path.join(root, "data"),
        "XDG_CONFIG_HOME": os.path.join(root, "config"),
    }


@dataclass(frozen=True, slots=True)
class PeerLog:
    """What a peer printed when its script ended."""

    sent: list[Stamped]  # clock and notes it sent (random junk and sysex storms are not logged)
    heard: list[Stamped]  # what arrived at its recording port (with ``record``)


class PeerProcess:
    """``python -m jambridge.bench.peer`` running ``script``: output port ``out_port``, and with
    ``record`` an input port ``in_port``. The script starts on :meth:`go`.

    Raises:
        PortError: the peer did not start.
    """

    def __init__(self, server: JackServer, name: str, script: list, record: bool = False) -> None:
        cmd = [sys.executable, "-m", "jambridge.bench.peer", "--name", name,
               "--script", json.dumps(script)] + (["--record"] if record else [])  # fmt: skip
        self.name = name
        self.out_port = f"{name}:out"
        self.in_port = f"{name}-rec:in"
        self.proc = popen(
            cmd, env=server.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._in, self._out = _pipes(self.proc)
        if self._out.readline().strip() != "ready":
            self.kill()
            raise PortError(f"the peer {name} did not start")

    def go(self) -> None:
        """A line on its stdin: starts the script, or ends a ``["wait"]`` step."""
        self._in.write("go\n")
        self._in.flush()

    def result(self, timeout_s: float = 60.0) -> PeerLog:
        """Wait for the script to end (the peer exits after it); its log.

        Raises:
            PortError: it ended without a log, or not within ``timeout_s`` (it is killed).
        """
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([self._out], [], [], left)[0]:
                continue
            line = self._out.readline()
            if not line:
                break
            if line.strip() == "done":
                log = json.loads(self._out.readline())
                self.proc.wait(timeout=10)
                return PeerLog(log["sent"], log["heard"])
        self.kill()
        raise PortError(f"the peer {self.name} gave no log within {timeout_s:g} s")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def _pipes(proc: subprocess.Popen) -> tuple[IO[str], IO[str]]:
    """The stdin and stdout of a child started with both piped."""
    if proc.stdin is None or proc.stdout is None:
        raise PortError("a child process was started without its pipes")
    return proc.stdin, proc.stdout


def start_peer(server: JackServer, name: str, script: list) -> PeerProcess:
    """A peer connected to "JamBridge In", its script started."""
    peer = PeerProcess(server, name, script)
    server.connect(peer.out_port, jack_port_name(IN_NAME))
    peer.go()
    return peer


class BridgeProcess:
    """``jambridge bridge`` on JACK in its own process (stopped with SIGINT, as from a
    terminal); its output lines are collected by a thread. Ready once its ports are there.

    Raises:
        PortError: its ports did not appear within ``timeout_s``.
    """

    def __init__(
        self, server: JackServer, capture_dir: str | Path, engine: str = "pattern",
        quiet: bool = False, timeout_s: float = 120.0, options: tuple[str, ...] = (),
    ) -> None:  # fmt: skip
        cmd = [sys.executable, "-m", "jambridge.cli", "bridge", "--midi-api", "jack",
               "--engine", engine, "--capture-dir", str(capture_dir), *options]  # fmt: skip
        cmd += ["--quiet"] if quiet else []
        self.proc = popen(
            cmd, env=server.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self._out = self.proc.stdout
        threading.Thread(target=self._read, daemon=True).start()
        try:
            server.wait_for_port(jack_port_name(IN_NAME), timeout_s=timeout_s)
            server.wait_for_port(jack_port_name(OUT_NAME), timeout_s=timeout_s)
        except PortError:
            self.kill()
            raise

    def _read(self) -> None:
        for line in self._out or ():
            self.lines.append(line.rstrip())

    def said(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))

    def status(self) -> str:
        """Its last status line (they start with ``[``); "" before the first."""
        return next((x for x in reversed(self.lines) if x.startswith("[")), "")

    def output(self) -> str:
        return "\n".join(self.lines)

    def interrupt(self) -> float:
        """SIGINT; seconds until the process has ended (killed, and inf, after 10 s)."""
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            return float("inf")
        return time.monotonic() - t0

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
