"""Which code opens the ports: on JACK, JACK-Client; python-rtmidi everywhere else.

On JACK the ports are :class:`~jambridge.bridge.io.jack_ports.JackMidiOut` and
:class:`~jambridge.bridge.io.jack_ports.JackMidiIn` (every event at its frame, input stamped
with its frame's time). ``JAMBRIDGE_JACK_BACKEND=rtmidi`` goes back to python-rtmidi's JACK
code (its notes leave at the start of the next cycle); so does a machine where JACK-Client
cannot load libjack. ALSA, CoreMIDI and WinMM always use python-rtmidi.
A :class:`PortWatch` hears the JACK server go, whichever code opened the ports.
"""

from __future__ import annotations

import os
import threading
from typing import Protocol

from jambridge.bridge.io.jack_guards import JackWatch
from jambridge.bridge.io.ports import InPort, OutPort, RtMidiIn, RtMidiOut
from jambridge.errors import PortError

BACKEND_ENV = "JAMBRIDGE_JACK_BACKEND"  # "jack-client" (default) or "rtmidi"


class PortWatch(Protocol):
    """What the session asks of a JACK watch: has the server gone? (and close it)."""

    gone: threading.Event

    def close(self) -> None: ...


class _SharedGone:
    """The JACK-Client ports' watch: one event their shutdown callbacks set."""

    def __init__(self) -> None:
        self.gone = threading.Event()

    def close(self) -> None:
        """Nothing to close: the ports own their clients."""


def jack_backend() -> str:
    """``jack-client`` unless ``rtmidi`` was asked for or JACK-Client cannot load libjack."""
    wanted = os.environ.get(BACKEND_ENV) or "jack-client"  # unset or empty: the default
    if wanted == "rtmidi":
        return "rtmidi"
    if wanted != "jack-client":
        raise PortError(f"{BACKEND_ENV} must be jack-client or rtmidi, got {wanted!r}")
    try:
        import jack  # noqa: F401
    except (ImportError, OSError):
        return "rtmidi"
    return "jack-client"


def new_watch(api: str) -> PortWatch | None:
    """A watch for the ports about to open on ``api`` (None: not JACK)."""
    if api != "jack":
        return None
    return _SharedGone() if jack_backend() == "jack-client" else JackWatch()


def _jack_client(api: str, watch: PortWatch | None) -> bool:
    """Open this port with JACK-Client? (On JACK, unless rtmidi was asked for or its watch is
    rtmidi's.)"""
    if api != "jack" or isinstance(watch, JackWatch):
        return False
    return isinstance(watch, _SharedGone) or jack_backend() == "jack-client"


def open_output(api: str, port: str | None, watch: PortWatch | None) -> OutPort:
    """Our output: virtual ("JamBridge Out") when ``port`` is None, else connected to it."""
    if _jack_client(api, watch):
        from jambridge.bridge.io.jack_ports import JackMidiOut

        return JackMidiOut(port, watch.gone if watch is not None else None)
    return RtMidiOut(api, port, watch if isinstance(watch, JackWatch) else None)


def open_input(api: str, port: str | None, watch: PortWatch | None) -> InPort:
    """Our input: virtual ("JamBridge In") when ``port`` is None, else connected to it."""
    if _jack_client(api, watch):
        from jambridge.bridge.io.jack_ports import JackMidiIn

        return JackMidiIn(port, watch.gone if watch is not None else None)
    return RtMidiIn(api, port, watch if isinstance(watch, JackWatch) else None)
