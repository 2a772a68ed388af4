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
JACK drop events; see :mod:`jambridge.bridge.io.arrivals`): each poll stamps what it finds inside
its own window of our clock, takes apart messages the driver glued together
(:func:`~jambridge.bridge.io.messages.split_stream`), and takes at most ``limit`` messages, so a
flood cannot hold the real-time thread. Clock messages are let through
(``ignore_types(timing=False)``; rtmidi drops them by default). On JACK the ports carry the
guards of :mod:`jambridge.bridge.io.jack_guards` (a stuck sysex is flushed; the output refuses to
send into a server that is gone or not cycling rather than freeze the process).
rtmidi is imported lazily so the rest of the bridge (and its tests) do not need it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from jambridge.bridge.io.arrivals import ArrivalClock
from jambridge.bridge.io.jack_guards import JackWatch, SysexFlush
from jambridge.bridge.io.messages import is_plain, split_stream
from jambridge.bridge.playback.priority import thread_ids
from jambridge.errors import PortError

OUT_NAME = "JamBridge Out"  # virtual output port (and its client, where clients have names)
IN_NAME = "JamBridge In"  # virtual input port
SENDS_PER_CYCLE = 1000  # JACK: sends allowed before a new cycle must be seen (the output ring
# holds ~2,300 three-byte messages and is emptied once a cycle; a full one freezes the sender)


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

    def poll(self, now: float, limit: int | None = None) -> list[tuple[float, list[int]]]:
        """Messages that arrived since the last poll, at most ``limit`` of the driver's (the
        rest wait for the next poll): (arrival time, bytes)."""
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
    """An rtmidi output: a virtual port, or a connection to an existing one.

    On JACK it refuses to send once the server is gone (:class:`PortError`) and drops what
    it is asked to send beyond :data:`SENDS_PER_CYCLE` while the server's cycles stand still
    (counted in :attr:`dropped`): rtmidi would wait for them forever, holding the GIL.
    """

    def __init__(self, api: str, port: str | None = None, watch: JackWatch | None = None) -> None:
        rtmidi = _rtmidi()
        self.api = api
        self._own_watch = watch is None and api == "jack"
        self.watch = JackWatch() if self._own_watch else watch
        self._sent = 0  # sends since the cycle below was seen
        self._cycle: int | None = None
        self.dropped = 0  # sends dropped while the JACK cycles stood still
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
        self.driver_threads = tuple(
            sorted(thread_ids() - before)
        )  # see jambridge.bridge.playback.priority

    def send(self, msg: list[int]) -> None:
        watch = self.watch
        if watch is not None:
            if watch.gone.is_set():
                raise PortError(f"{self.name}: the JACK server went away")
            self._sent += 1
            if self._sent > SENDS_PER_CYCLE:
                cycle = watch.cycle()
                if cycle == self._cycle:
                    self.dropped += 1
                    return
                self._cycle, self._sent = cycle, 1
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
        if self._own_watch and self.watch is not None:
            self.watch.close()


class RtMidiIn:
    """An rtmidi input, polled by the real-time thread (no callback: see :mod:`arrivals`).

    :meth:`poll` returns the messages queued since the last poll with their arrival times on
    our monotonic clock (see the module docstring). On JACK a :class:`SysexFlush` keeps
    rtmidi's parser from sticking in an unterminated sysex.
    """

    def __init__(self, api: str, port: str | None = None, watch: JackWatch | None = None) -> None:
        rtmidi = _rtmidi()
        self.api = api
        self.arrivals = ArrivalClock()
        self._own_watch = watch is None and api == "jack"
        self.watch = JackWatch() if self._own_watch else watch  # the flush stops once it is gone
        self._flush: SysexFlush | None = None
        before = thread_ids()
        guard = rtmidi.MidiOut(_api_const(api), name=f"{IN_NAME} guard") if api == "jack" else None
        ports_before = guard.get_ports() if guard is not None else []
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
        if guard is not None:
            ours = [p for p in guard.get_ports() if p not in ports_before]
            ours = [p for p in ours if p.endswith(f":{IN_NAME}")]
            if len(ours) == 1:
                self._flush = SysexFlush(guard, ours[0])
            else:
                guard.delete()
        self.driver_threads = tuple(
            sorted(thread_ids() - before)
        )  # see jambridge.bridge.playback.priority
        self._in.ignore_types(sysex=False, timing=False, active_sense=True)

    def poll(self, now: float, limit: int | None = None) -> list[tuple[float, list[int]]]:
        """Messages that arrived since the last poll, as (arrival time, bytes); at most
        ``limit`` of the driver's messages are taken (the rest wait for the next poll)."""
        msgs: list[list[int]] = []
        deltas: list[float] = []
        get = self._in.get_message
        complete = True
        while True:
            if limit is not None and len(msgs) >= limit:
                complete = False
                break
            item = get()
            if item is None:
                break
            msgs.append(item[0])
            deltas.append(item[1])
        stamps = self.arrivals.stamp(deltas, now, complete)
        flush = self._flush
        out: list[tuple[float, list[int]]] = []
        for t, msg in zip(stamps, msgs, strict=True):
            if is_plain(msg):
                if flush is None or msg != [0xF7]:  # a lone 0xF7 is our flush coming back
                    out.append((t, msg))
                continue
            parts = split_stream(msg)
            if flush is not None and parts[-1] == [0xF7]:
                parts.pop()
            out += [(t, m) for m in parts]
        if flush is not None and self.watch is not None and not self.watch.gone.is_set():
            flush.tick(now, bool(out))
        return out

    def still_there(self) -> bool:
        if self.virtual:
            return True
        try:
            return self.name in self._in.get_ports()
        except Exception:
            return False

    def close(self) -> None:
        if self._flush is not None:
            with contextlib.suppress(Exception):
                self._flush.close()
        with contextlib.suppress(Exception):
            self._in.close_port()
        self._in.delete()
        if self._own_watch and self.watch is not None:
            self.watch.close()


def jack_port_name(port: str) -> str:
    """The JACK ``client:port`` name of one of our virtual ports (client named as the port)."""
    return f"{port}:{port}"
