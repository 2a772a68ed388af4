"""MIDI ports through python-rtmidi: which API, virtual "JamBridge Out"/"JamBridge In", or
existing ports by name.

* ``auto`` picks the first API that works here, in :data:`AUTO_ORDER` for the platform: on
  Linux JACK when a JACK server runs (a user who runs JACK wants it; its timing is the best),
  else the ALSA sequencer (which needs ``/dev/snd/seq``); CoreMIDI on macOS; Windows MM.
* Virtual ports appear to every app (CoreMIDI, ALSA, JACK). Windows MM has none: install
  loopMIDI, create two ports and pass ``--in``/``--out``; the error says so.
* ``--in NAME``/``--out NAME`` connect to an existing port: an exact name first, then a
  unique case-insensitive substring; the error lists what there is.

Input is polled, not called back (Python in JACK's process thread waits for the GIL and makes
JACK drop events; see :mod:`jambridge.bridge.arrivals`); arrival times come from the driver's
delta times. Clock messages are let through (``ignore_types(timing=False)``; rtmidi drops them
by default).
rtmidi is imported lazily so the rest of the bridge (and its tests) do not need it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from jambridge.bridge.arrivals import ArrivalClock
from jambridge.bridge.priority import thread_ids
from jambridge.errors import PortError

OUT_NAME = "JamBridge Out"  # virtual output port (and its client, where clients have names)
IN_NAME = "JamBridge In"  # virtual input port


@dataclass(frozen=True, slots=True)
class ApiInfo:
    """One MIDI API as python-rtmidi knows it."""

    rtmidi_name: str  # attribute of the rtmidi module holding the API constant
    virtual: bool  # can make virtual ports other apps see
    label: str  # how to show it


APIS: dict[str, ApiInfo] = {
    "alsa": ApiInfo("API_LINUX_ALSA", True, "ALSA sequencer"),
    "jack": ApiInfo("API_UNIX_JACK", True, "JACK"),
    "coremidi": ApiInfo("API_MACOSX_CORE", True, "CoreMIDI"),
    "winmm": ApiInfo("API_WINDOWS_MM", False, "Windows MultiMedia"),
}
AUTO_ORDER: dict[str, tuple[str, ...]] = {  # sys.platform prefix -> APIs to try, in order
    "linux": ("jack", "alsa"),
    "darwin": ("coremidi", "jack"),
    "win32": ("winmm",),
}


class InPort(Protocol):
    """What the scheduler polls for input."""

    name: str

    def poll(self, now: float) -> list[tuple[float, list[int]]]:
        """Messages that arrived since the last poll: (arrival time, bytes)."""
        ...

    def close(self) -> None: ...


class OutPort(Protocol):
    """Where the scheduler sends messages."""

    name: str

    def send(self, msg: list[int]) -> None:
        """Send one message now. Raises PortError when the port is gone."""
        ...

    def close(self) -> None: ...


def _rtmidi():
    try:
        import rtmidi
    except ImportError as err:  # pragma: no cover - a dependency
        raise PortError(f"python-rtmidi is not installed ({err})") from err
    return rtmidi


def _api_const(api: str) -> int:
    if api not in APIS:
        raise PortError(f"MIDI API must be one of auto, {', '.join(APIS)}, got {api!r}")
    return getattr(_rtmidi(), APIS[api].rtmidi_name)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C libraries' stderr (libjack prints when no server runs) while probing."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    saved = os.dup(fd)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def compiled_apis() -> list[str]:
    """APIs this python-rtmidi was built with."""
    rtmidi = _rtmidi()
    have = set(rtmidi.get_compiled_api())
    return [name for name, info in APIS.items() if getattr(rtmidi, info.rtmidi_name, -1) in have]


def probe(api: str) -> str | None:
    """None when ``api`` works here, else why not (cheap: opens and closes a client)."""
    if api not in compiled_apis():
        return "not compiled into python-rtmidi"
    if api == "alsa" and not os.path.exists("/dev/snd/seq"):
        return "no ALSA sequencer (/dev/snd/seq is missing)"
    rtmidi = _rtmidi()
    try:
        with _quiet_stderr():
            client = rtmidi.MidiOut(_api_const(api), name="JamBridge probe")
        del client
    except Exception as err:  # rtmidi raises its own SystemError subclasses
        reason = str(err)
        if api == "jack":
            reason = "no JACK server is running"
        return reason
    return None


def choose_api(requested: str = "auto") -> str:
    """The API to use: ``requested``, or for ``auto`` the first that works.

    Raises:
        PortError: the API does not work here (the message says why, for each one tried).
    """
    if requested != "auto":
        _api_const(requested)
        why = probe(requested)
        if why:
            raise PortError(f"MIDI API {requested!r} does not work here: {why}")
        return requested
    platform = next((p for p in AUTO_ORDER if sys.platform.startswith(p)), "linux")
    reasons = []
    for api in AUTO_ORDER[platform]:
        why = probe(api)
        if why is None:
            return api
        reasons.append(f"{api}: {why}")
    raise PortError("no MIDI API works here (" + "; ".join(reasons) + ")")


def list_ports(api: str) -> tuple[list[str], list[str]]:
    """(input ports, output ports) other software offers on ``api``."""
    rtmidi = _rtmidi()
    const = _api_const(api)
    try:
        with _quiet_stderr():
            ins = rtmidi.MidiIn(const, name="JamBridge list").get_ports()
            outs = rtmidi.MidiOut(const, name="JamBridge list").get_ports()
    except Exception as err:
        raise PortError(f"cannot list {APIS[api].label} ports: {err}") from err
    return list(ins), list(outs)


def find_port(ports: list[str], wanted: str, direction: str) -> int:
    """Index of the port called ``wanted`` (exact, else a unique case-insensitive substring).

    Raises:
        PortError: no match, or several; the message lists the ports.
    """
    if wanted in ports:
        return ports.index(wanted)
    matches = [i for i, p in enumerate(ports) if wanted.lower() in p.lower()]
    if len(matches) == 1:
        return matches[0]
    listing = ", ".join(repr(p) for p in ports) or "none"
    if matches:
        names = ", ".join(repr(ports[i]) for i in matches)
        raise PortError(f"{direction} port {wanted!r} is ambiguous: it matches {names}")
    raise PortError(f"no {direction} port matches {wanted!r}; {direction} ports: {listing}")


def _no_virtual(api: str) -> PortError:
    return PortError(
        f"{APIS[api].label} has no virtual ports: install loopMIDI "
        "(https://www.tobias-erichsen.de/software/loopmidi.html), create ports named "
        f"'{OUT_NAME}' and '{IN_NAME}', and pass --out and --in"
    )


class RtMidiOut:
    """An rtmidi output: a virtual port, or a connection to an existing one."""

    def __init__(self, api: str, port: str | None = None) -> None:
        rtmidi = _rtmidi()
        self.api = api
        before = thread_ids()
        try:
            self._out = rtmidi.MidiOut(_api_const(api), name=OUT_NAME)
            if port is None:
                if not APIS[api].virtual:
                    raise _no_virtual(api)
                self._out.open_virtual_port(OUT_NAME)
                self.name = OUT_NAME
                self.virtual = True
            else:
                ports = self._out.get_ports()
                index = find_port(ports, port, "output")
                self._out.open_port(index, OUT_NAME)
                self.name = ports[index]
                self.virtual = False
        except PortError:
            raise
        except Exception as err:
            raise PortError(f"cannot open the output port on {APIS[api].label}: {err}") from err
        self.driver_threads = tuple(sorted(thread_ids() - before))  # see jambridge.bridge.priority

    def send(self, msg: list[int]) -> None:
        try:
            self._out.send_message(msg)
        except Exception as err:
            raise PortError(f"{self.name}: {err}") from err

    def still_there(self) -> bool:
        """For a connection to an existing port: is that port still offered?"""
        if self.virtual:
            return True
        try:
            return self.name in self._out.get_ports()
        except Exception:
            return False

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._out.close_port()
        self._out.delete()


class RtMidiIn:
    """An rtmidi input, polled by the real-time thread (no callback: see :mod:`arrivals`).

    :meth:`poll` returns the messages queued since the last poll with their arrival times on
    our monotonic clock, from the driver's delta times.
    """

    def __init__(self, api: str, port: str | None = None) -> None:
        rtmidi = _rtmidi()
        self.api = api
        self.arrivals = ArrivalClock()
        before = thread_ids()
        try:
            self._in = rtmidi.MidiIn(_api_const(api), name=IN_NAME, queue_size_limit=8192)
            if port is None:
                if not APIS[api].virtual:
                    raise _no_virtual(api)
                self._in.open_virtual_port(IN_NAME)
                self.name = IN_NAME
                self.virtual = True
            else:
                ports = self._in.get_ports()
                index = find_port(ports, port, "input")
                self._in.open_port(index, IN_NAME)
                self.name = ports[index]
                self.virtual = False
        except PortError:
            raise
        except Exception as err:
            raise PortError(f"cannot open the input port on {APIS[api].label}: {err}") from err
        self.driver_threads = tuple(sorted(thread_ids() - before))  # see jambridge.bridge.priority
        self._in.ignore_types(sysex=False, timing=False, active_sense=True)

    def poll(self, now: float) -> list[tuple[float, list[int]]]:
        """Messages that arrived since the last poll, as (arrival time, bytes)."""
        got = []
        get = self._in.get_message
        while True:
            item = get()
            if item is None:
                break
            msg, delta = item
            got.append((self.arrivals.add(delta), msg))
        if not got:
            return []
        self.arrivals.observe(now)
        time_of = self.arrivals.time_of
        return [(time_of(rel), msg) for rel, msg in got]

    def still_there(self) -> bool:
        if self.virtual:
            return True
        try:
            return self.name in self._in.get_ports()
        except Exception:
            return False

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._in.close_port()
        self._in.delete()


def jack_port_name(port: str) -> str:
    """The JACK ``client:port`` name of one of our virtual ports (client named as the port)."""
    return f"{port}:{port}"
