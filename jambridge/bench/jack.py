"""A private JACK server for tests, the timing benchmark and the soak run (Debian ``jackd2``).

:class:`JackServer` runs ``jackd -d dummy`` (``--no-realtime`` unless asked for real-time
cycles) under its own server name, so real virtual MIDI ports and real inter-process MIDI work
on a machine without a sound card, and several servers never collide. The JACK programs that
play and record on it are in :mod:`jambridge.bench.jack_clients`. Not run on its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
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


def end_process(proc: subprocess.Popen, sig: int) -> None:
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
        return {**os.environ, **self._selects}

    @property
    def _selects(self) -> dict[str, str]:
        return {"JACK_DEFAULT_SERVER": self.name, "JACK_NO_START_SERVER": "1"}

    @contextlib.contextmanager
    def selected(self) -> Iterator[JackServer]:
        """This server as the one this process's JACK clients open (libjack reads the
        environment when a client opens) while the block runs; the variables are put back
        after it."""
        saved = {k: os.environ.get(k) for k in self._selects}
        os.environ.update(self._selects)
        try:
            yield self
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

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
        """The server's ports (``jack_lsp``).

        Raises:
            PortError: the server did not answer (stuck).
        """
        try:
            listed = self.run("jack_lsp").stdout
        except subprocess.TimeoutExpired as err:
            raise PortError(f"the JACK server did not answer in {err.timeout:g} s (stuck)") from err
        return [p for p in listed.splitlines() if p.strip()]

    def wait_for_port(self, port: str, timeout_s: float = 10.0) -> None:
        if not wait_until(lambda: port in self.ports(), timeout_s):
            raise PortError(f"JACK port {port!r} did not appear; ports: {self.ports()}")

    def connect(self, source: str, dest: str) -> None:
        res = self.run("jack_connect", source, dest, check=False)
        if res.returncode != 0:
            raise PortError(f"jack_connect {source} {dest} failed: {res.stderr.strip()}")

    def stop(self) -> None:
        if self._proc is None:
            return
        end_process(self._proc, signal.SIGTERM)
        self._proc = None

    def __enter__(self) -> JackServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _wait_fifo_thread(pid: int, timeout_s: float) -> bool:
    """Does a thread of process ``pid`` run real-time (jackd's cycle) within ``timeout_s``?"""
    return wait_until(lambda: any(is_realtime(tid) for tid in thread_ids(pid)), timeout_s)


def wait_until(predicate: Callable[[], bool], timeout_s: float, poll_s: float = 0.05) -> bool:
    """Ask ``predicate`` every ``poll_s`` until it holds or ``timeout_s`` has passed (and once
    more then); whether it held."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll_s)
    return predicate()


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
