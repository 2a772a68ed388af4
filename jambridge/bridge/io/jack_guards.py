"""Guards around python-rtmidi's JACK code (RtMidi 5.0), which has three traps:

* **A stuck sysex.** Its JACK input appends every event after an event that starts a sysex
  without ending it (``F0 7E 01``) to that sysex, until some event ends in ``0xF7``: one
  unterminated sysex swallows the clock and everything else for good. :class:`SysexFlush` is an
  output of ours connected to our own input port that sends a lone ``0xF7`` whenever the input
  has been quiet for ``quiet_s``: a stuck sysex ends there and hands over what it swallowed
  (the input splits it again: :func:`~jambridge.bridge.io.messages.split_stream`); otherwise the
  ``0xF7`` comes back alone and is dropped. Quiet input costs 100 lone bytes a second.
* **A send that never returns.** Its JACK output waits, spinning and holding the GIL, until its
  ring buffer (16 KB, emptied once per JACK cycle) has room. If the cycles stop (the server
  died or stalls) the whole process freezes and ignores Ctrl-C. :class:`JackWatch` hears the
  server shut down (``jack_on_shutdown``) and reads its cycle counter, so the output port can
  refuse to send (see :class:`~jambridge.bridge.io.ports.RtMidiOut`) rather than block.
* **A port closed on a dead server** waits 1 s for a cycle that never comes, holding the GIL.
  Unavoidable once; the session does it while the server is gone, before opening new ports
  (a client of the dead server closed after new ones exist closes one of *them*).

:class:`JackWatch` talks to the libjack python-rtmidi loaded (its own copy, in its wheel),
through ctypes, so both share one library state.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import subprocess
import sys
import threading
from pathlib import Path

JACK_NO_START_SERVER = 0x01  # jack_options_t
_lib: ctypes.CDLL | None = None
_SHUTDOWN = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


def _loaded_libjack() -> str | None:
    """Path of the libjack this process has mapped (python-rtmidi's), if any."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    for line in maps.splitlines():
        path = line.split()[-1] if len(line.split()) >= 6 else ""
        if "libjack" in Path(path).name:
            return path
    return None


def libjack() -> ctypes.CDLL | None:
    """libjack through ctypes (the copy python-rtmidi uses), or None where there is none."""
    global _lib
    if _lib is None:
        import rtmidi  # noqa: F401 - maps its libjack first

        path = _loaded_libjack() or ctypes.util.find_library("jack")
        if path is None:
            return None
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            return None
        lib.jack_client_open.restype = ctypes.c_void_p
        lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
        lib.jack_client_close.argtypes = [ctypes.c_void_p]
        lib.jack_activate.argtypes = [ctypes.c_void_p]
        lib.jack_on_shutdown.argtypes = [ctypes.c_void_p, _SHUTDOWN, ctypes.c_void_p]
        lib.jack_last_frame_time.restype = ctypes.c_uint32
        lib.jack_last_frame_time.argtypes = [ctypes.c_void_p]
        _lib = lib
    return _lib


class JackWatch:
    """A JACK client without ports: :attr:`gone` is set when the server shuts down, and
    :meth:`cycle` reads the server's frame counter (it moves once per cycle)."""

    def __init__(self, name: str = "JamBridge watch") -> None:
        self.gone = threading.Event()  # set from libjack's thread; read by any
        self._lib = libjack()
        self._client = None
        if self._lib is None:
            return
        status = ctypes.c_int(0)
        client = self._lib.jack_client_open(
            name.encode(), JACK_NO_START_SERVER, ctypes.byref(status)
        )
        if not client:
            self.gone.set()
            return
        self._on_shutdown = _SHUTDOWN(lambda _arg: self.gone.set())  # kept alive: libjack calls it
        self._lib.jack_on_shutdown(client, self._on_shutdown, None)
        self._lib.jack_activate(client)
        self._client = client

    @property
    def active(self) -> bool:
        """A client is open (False where libjack was not found)."""
        return self._client is not None

    def cycle(self) -> int | None:
        """The server's frame time at the start of its current cycle (None: gone)."""
        lib, client = self._lib, self._client
        if lib is None or client is None or self.gone.is_set():
            return None
        return int(lib.jack_last_frame_time(client))

    def close(self) -> None:
        """Close the client (call before any new client once the server is gone)."""
        if self._lib is not None and self._client is not None:
            self._lib.jack_client_close(self._client)
            self._client = None
            _CLOSED.append(self)  # libjack may still hold its callback: never free it


_CLOSED: list[JackWatch] = []  # closed watches, kept (a few bytes each, one per server lost)


def jack_server_answers(timeout_s: float = 5.0) -> bool:
    """Does a JACK server answer? Asked from a child process: a client opened while a server
    starts up can be left half-allocated, and libjack's clean-up of it at the next open closes
    that client's number on the new server -- one of ours, if it is in this process."""
    code = "from jambridge.bridge.io.jack_guards import jack_server_running as r; exit(not r())"
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], timeout=timeout_s, capture_output=True, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def jack_server_running() -> bool:
    """Does a JACK server answer (``JACK_DEFAULT_SERVER``)? Opens and closes a client."""
    lib = libjack()
    if lib is None:
        return False
    status = ctypes.c_int(0)
    client = lib.jack_client_open(b"JamBridge probe", JACK_NO_START_SERVER, ctypes.byref(status))
    if not client:
        return False
    lib.jack_client_close(client)
    return True


class SysexFlush:
    """Ends a sysex python-rtmidi's JACK input is stuck in (see the module docstring)."""

    ECHO = (0xF7,)  # what comes back when nothing was stuck

    def __init__(self, rtmidi_out, target: str, quiet_s: float = 0.01) -> None:
        """``rtmidi_out``: an unopened ``rtmidi.MidiOut`` on JACK; ``target``: our input's
        JACK port name (``client:port``) in its port list."""
        self.quiet_s = quiet_s  # input quiet this long: flush (and again every quiet_s)
        self._out = rtmidi_out
        ports = rtmidi_out.get_ports()
        self._out.open_port(ports.index(target), "flush")
        self._last = 0.0  # last time the input was heard or a flush went out
        self.flushes = 0

    def tick(self, now: float, heard: bool) -> None:
        """After a poll at ``now``; ``heard``: it found real input."""
        if heard:
            self._last = now
        elif now - self._last >= self.quiet_s:
            self._out.send_message([0xF7])
            self._last = now
            self.flushes += 1

    def close(self) -> None:
        self._out.close_port()
        self._out.delete()
