"""The JACK programs the benchmarks and tests drive on a :class:`~jambridge.bench.jack.JackServer`
(Debian ``jackd2`` and ``jack-midi-clock``). Not run on its own.

:class:`Transport` is the master's play and stop buttons (``jack_transport``). :class:`MidiClock`
is ``jack_midi_clock``, the clock master. :class:`MidiDump` records a port with
``jack_midi_dump -a``: every message with its JACK frame time, sample-accurate, which is the
ground truth the tests and the benchmark measure against.
"""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jambridge.bench.jack import JackServer, end_process, popen
from jambridge.errors import PortError


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


class MidiClock:
    """``jack_midi_clock -b BPM -B [-J PERCENT]`` as the clock master; its output is ``port``.
    Use as a context manager."""

    port = "jack_midi_clock:mclk_out"

    def __init__(self, server: JackServer, bpm: float, jitter_pct: int = 0) -> None:
        cmd = ["jack_midi_clock", "-b", f"{bpm:g}", "-B"]
        cmd += ["-J", str(jitter_pct)] if jitter_pct else []
        self._proc = popen(cmd, env=server.env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            server.wait_for_port(self.port)
        except PortError:
            self.close()
            raise

    def close(self) -> None:
        if self._proc.poll() is None:
            end_process(self._proc, signal.SIGTERM)

    def __enter__(self) -> MidiClock:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
            end_process(self._proc, signal.SIGINT)
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
