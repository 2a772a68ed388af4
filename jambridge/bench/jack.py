"""JACK tooling for tests, the timing benchmark and the soak run (Debian ``jackd2`` tools).

:class:`JackServer` runs ``jackd -d dummy`` (``--no-realtime`` unless asked for real-time
cycles) under its own server name, so real virtual MIDI ports and real inter-process MIDI work
on a machine without a sound card, and several servers never collide. :class:`Transport` is the
master's play and stop buttons (``jack_transport``). :class:`MidiDump` records a port with
``jack_midi_dump -a``: every message with its JACK frame time, sample-accurate, which is the
ground truth the tests and the benchmark measure against.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jambridge.bridge.playback.priority import is_realtime, thread_ids
from jambridge.errors import PortError

JACK_TOOLS = ("jackd", "jack_lsp", "jack_connect", "jack_midi_dump")


def _find_prctl():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _find_prctl() if sys.platform.startswith("linux") else None  # looked up before forks


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM when the process that started it dies, so a harness that is
    killed leaves no jackd, jack_midi_dump or jack_midi_clock behind. (No imports, no locks:
    it runs between fork and exec.)"""
    _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def popen(cmd: list[str], **kwargs) -> subprocess.Popen:
    """``subprocess.Popen`` for helper processes that must not outlive their parent."""
    if _PRCTL is not None:
        kwargs.setdefault("preexec_fn", _die_with_parent)
    return subprocess.Popen(cmd, **kwargs)


def missing_tools(extra: tuple[str, ...] = ()) -> list[str]:
    """JACK programs not on PATH (empty: all there)."""
    return [t for t in (*JACK_TOOLS, *extra) if shutil.which(t) is None]


def bench_tools_missing() -> str:
    """What the timing benchmark and the soak lack to run ("" when all is there)."""
    missing = missing_tools(("jack_midi_clock", "jack_transport"))
    if not missing:
        return ""
    return f"missing: {', '.join(missing)} (Debian: apt install jackd2 jack-midi-clock)"


def _end(proc: subprocess.Popen, sig: int) -> None:
    """Ask ``proc`` to end with ``sig``; kill it if it has not ended within 5 s."""
    proc.send_signal(sig)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


SHM = Path("/dev/shm")


def _jackd_running() -> bool:
    """True if any jackd process runs on this machine (read from /proc)."""
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() in ("jackd", "jackdmp"):
                return True
    return False


def clear_stale_registry() -> int:
    """With no jackd running, remove JACK's shared-memory files (``/dev/shm/jack*``): a jackd
    that was killed leaves its name registered, and after 8 such names every new server fails
    with "Too many servers already active" (FIELD-NOTES). Returns the files removed."""
    if not SHM.is_dir() or _jackd_running():
        return 0
    removed = 0
    for path in SHM.glob("jack*"):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


class JackServer:
    """A private JACK server with the dummy driver. Use as a context manager."""

    def __init__(
        self, name: str | None = None, rate: int = 48000, period: int = 64, realtime: bool = False
    ) -> None:
        self.name = name or f"jambridge-{uuid.uuid4().hex[:8]}"
        self.realtime = realtime  # SCHED_FIFO cycles (needs the rights); else --no-realtime
        self.rate = rate  # sample rate (frames per second)
        self.period = period  # frames per JACK cycle: MIDI output lands on cycle starts
        self._proc: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server

    @property
    def env(self) -> dict[str, str]:
        """Environment for child processes that should use this server."""
        return {**os.environ, "JACK_DEFAULT_SERVER": self.name, "JACK_NO_START_SERVER": "1"}

    @property
    def period_ms(self) -> float:
        return 1000.0 * self.period / self.rate

    def start(self, timeout_s: float = 15.0) -> JackServer:
        """Start jackd and wait until ``jack_lsp`` answers.

        Raises:
            PortError: jackd is missing, died, or did not answer in time.
        """
        if shutil.which("jackd") is None:
            raise PortError("jackd is not installed (Debian: apt install jackd2)")
        clear_stale_registry()
        mode = ["--realtime"] if self.realtime else ["--no-realtime"]
        cmd = ["jackd", *mode, "-d", "dummy", "-r", str(self.rate), "-p", str(self.period)]
        self._proc = popen(cmd, env=self.env, stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise PortError(f"jackd exited at start: {self.log_text()[-500:]}")
            if self._answers():
                if self.realtime and not _wait_fifo_thread(self._proc.pid, 1.0):
                    self.stop()
                    raise PortError("jackd did not get real-time scheduling")
                return self
            time.sleep(0.1)
        self.stop()
        raise PortError(f"jackd did not answer in {timeout_s} s")

    def _answers(self) -> bool:
        try:
            return self.run("jack_lsp", check=False, timeout_s=5.0).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def log_text(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def run(self, *cmd: str, check: bool = True, timeout_s: float = 10.0):
        """Run a JACK tool against this server."""
        return subprocess.run(
            cmd, env=self.env, capture_output=True, text=True, check=check, timeout=timeout_s
        )

    def ports(self) -> list[str]:
        return [p for p in self.run("jack_lsp").stdout.splitlines() if p.strip()]

    def wait_for_port(self, port: str, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if port in self.ports():
                return
            time.sleep(0.05)
        raise PortError(f"JACK port {port!r} did not appear; ports: {self.ports()}")

    def connect(self, source: str, dest: str) -> None:
        res = self.run("jack_connect", source, dest, check=False)
        if res.returncode != 0:
            raise PortError(f"jack_connect {source} {dest} failed: {res.stderr.strip()}")

    def stop(self) -> None:
        if self._proc is None:
            return
        _end(self._proc, signal.SIGTERM)
        self._proc = None

    def __enter__(self) -> JackServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _wait_fifo_thread(pid: int, timeout_s: float) -> bool:
    """Does a thread of process ``pid`` run real-time (jackd's cycle) within ``timeout_s``?"""
    deadline = time.monotonic() + timeout_s
    while True:
        if any(is_realtime(tid) for tid in thread_ids(pid)):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def start_server(period: int, realtime: str = "auto") -> JackServer:
    """A started server; ``realtime`` "on" (real-time cycles or an error), "off", or "auto"
    (real-time where the rights allow it, else not). ``server.realtime`` tells which.

    Raises:
        ValueError: ``realtime`` is none of those.
        PortError: the server did not start.
    """
    if realtime not in ("auto", "on", "off"):
        raise ValueError(f"JACK real-time mode must be auto, on or off, not {realtime!r}")
    if realtime in ("auto", "on"):
        try:
            return JackServer(period=period, realtime=True).start()
        except PortError:
            if realtime == "on":
                raise
    return JackServer(period=period, realtime=False).start()


class Transport:
    """``jack_transport`` driven through its stdin: the clock master's play and stop."""

    def __init__(self, server: JackServer) -> None:
        self._proc = popen(
            ["jack_transport"], env=server.env, stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip

    def send(self, command: str) -> None:
        """Type one command.

        Raises:
            PortError: jack_transport is gone.
        """
        try:
            self._proc.stdin.write(command + "\n")
            self._proc.stdin.flush()
        except (OSError, ValueError) as err:
            raise PortError(f"jack_transport is gone ({err}); cannot send {command!r}") from err

    def play_from_start(
        self, started: Callable[[], bool], wait_s: float = 5.0, tries: int = 3
    ) -> int:
        """Locate to 0 and play until ``started()`` holds; return the tries it took.

        A JACK server that misses its cycles (xruns) drops MIDI events, and a dropped Start
        never reaches the bridge, which rightly does not start on clock alone; a producer would
        press Stop and Play again, and so does this.

        Raises:
            PortError: not started after ``tries`` presses of Play.
        """
        for attempt in range(1, tries + 1):
            self.send("stop")
            self.send("locate 0")
            time.sleep(0.3)  # let the locate land before play (else: Continue from elsewhere)
            self.send("play")
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline:
                if started():
                    return attempt
                time.sleep(0.05)
        raise PortError(f"the bridge did not start after {tries} presses of Play")

    def close(self) -> None:
        with contextlib.suppress(PortError):
            self.send("quit")
        with contextlib.suppress(OSError):
            self._proc.stdin.close()
        if self._proc.poll() is None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


_DUMP_LINE = re.compile(r"^\s*(\d+):((?: [0-9a-f]{2})+)")


@dataclass(frozen=True, slots=True)
class Dumped:
    """One recorded message."""

    frame: int  # JACK frame time (relative to the recorder's start)
    msg: tuple[int, ...]


class MidiDump:
    """``jack_midi_dump -a`` as a recorder; its input port is ``{client}:input``."""

    def __init__(self, server: JackServer, client: str | None = None) -> None:
        self.server = server
        self.client = client or f"dump-{uuid.uuid4().hex[:6]}"
        self._file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in close()
            prefix="jack_midi_dump-", delete=False
        )
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._proc: subprocess.Popen | None = None

    @property
    def port(self) -> str:
        return f"{self.client}:input"

    def start(self) -> MidiDump:
        self._proc = popen(
            ["jack_midi_dump", "-a", self.client],
            env=self.server.env,
            stdout=self._file,
            stderr=self._err,
        )
        self.server.wait_for_port(self.port)
        return self

    def stop(self) -> list[Dumped]:
        """Stop recording; return everything recorded."""
        if self._proc is not None:
            _end(self._proc, signal.SIGINT)
            self._proc = None
        return self.read()

    def read(self) -> list[Dumped]:
        """What is recorded so far."""
        self._file.flush()
        text = Path(self._file.name).read_text(errors="replace")
        out = []
        for line in text.splitlines():
            m = _DUMP_LINE.match(line)
            if m:
                out.append(Dumped(int(m.group(1)), tuple(int(b, 16) for b in m.group(2).split())))
        return out

    def lost(self) -> int:
        """Events the recorder itself dropped (its ring buffer was full): the recording is
        incomplete when this is not 0."""
        self._err.seek(0)
        return self._err.read().decode(errors="replace").count("ringbuffer was full")

    def close(self) -> None:
        self.stop()
        self._err.close()
        self._file.close()
        Path(self._file.name).unlink(missing_ok=True)
