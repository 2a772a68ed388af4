"""The one place the app talks to the bridge: a QObject over
:class:`jambridge.bridge.session.BridgeSession`.

* Steering goes in through small methods (:meth:`SessionAdapter.set_track`, ...), each a
  queue put on the session's side that never blocks; start and stop
  (opening ports, spawning the generator process, joining threads) run in the adapter's own
  worker thread, so the window never waits for them.
* Events come out of the session's dispatcher thread through :meth:`_deliver`, which builds
  the :class:`~jambridge.music.Bar` values there (off the Qt thread) and hands everything to
  the Qt thread as a queued signal; the public signals are then emitted on the Qt thread only.
* :meth:`status` is the session's snapshot, read by the window's display timer.

The session is built by a factory (:data:`SessionFactory`), so tests can put a scripted
session behind the same adapter; the app uses :func:`bridge_session_factory`.
The settings are :class:`~jambridge.live_options.LiveOptions`; engine ``auto`` is resolved in
the worker (:meth:`~jambridge.live_options.LiveOptions.resolved` loads the model to see that it
can play), and a fallback to the procedural generator is said in the window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from PyQt6.QtCore import QObject, Qt, pyqtSignal

from jambridge.errors import JamBridgeError
from jambridge.live_options import LiveOptions
from jambridge.ui.timeline_model import heard_from
from jambridge.ui.worker import Worker

log = logging.getLogger(__name__)


class LiveSession(Protocol):
    """What the adapter needs from a session (:class:`~jambridge.bridge.session.BridgeSession`
    has it all)."""

    def start(self) -> Any: ...

    def stop(self) -> None: ...

    def status(self) -> Any: ...

    def set_track(self, role: str, **changes: Any) -> None: ...

    def set_preset(self, name: str) -> None: ...

    def regenerate(self, role: str) -> None: ...

    def arm_capture(self, bars: int, role: str, channel: int | None) -> None: ...

    def retro_capture(self, bars: int, role: str, channel: int | None) -> None: ...

    def panic(self) -> None: ...

    def play(self) -> None: ...

    def set_bpm(self, bpm: float) -> None: ...

    def set_latency(self, ms: float) -> None: ...


SessionFactory = Callable[[LiveOptions, Callable[[Any], None]], LiveSession]


def bridge_session_factory(settings: LiveOptions, on_event: Callable[[Any], None]) -> LiveSession:
    """Build the real :class:`~jambridge.bridge.session.BridgeSession` (not started) from
    ``settings`` with a concrete engine.

    Raises:
        JamBridgeError: the settings are invalid (the message names the field).
    """
    from jambridge.bridge.session import BridgeSession

    return BridgeSession(settings.to_bridge_config(), on_event=on_event)


def describe(session: Any) -> str:
    """One line about an open session: API, bar source and ports."""
    api = getattr(session, "api", None) or "?"
    engine = getattr(getattr(session, "config", None), "engine", "?")
    ins, outs = getattr(session, "in_name", None), getattr(session, "out_name", None)
    return f"bridge running ({api}, {engine}): in {ins or '-'}, out {outs or '-'}"


class SessionAdapter(QObject):
    """Qt face of the bridge session (see the module docstring)."""

    started = pyqtSignal(str)  # a line describing what was opened
    stopped = pyqtSignal()
    failed = pyqtSignal(str)  # start failed, or the session ended by itself
    bar_played = pyqtSignal(int, object, object)  # bar index, Bar, audible roles
    bar_queued = pyqtSignal(int, object, object)  # the same for the bar queued to play next
    transport_changed = pyqtSignal(object)  # events.TransportChanged
    captured = pyqtSignal(object, object, str)  # CaptureResult, its Bars, file path
    controls_changed = pyqtSignal(object)  # bridge.controls.Controls
    log_line = pyqtSignal(str, str)  # level, text
    ports_listed = pyqtSignal(list, list)  # input names, output names
    _incoming = pyqtSignal(object)  # from the session's thread to the Qt thread

    def __init__(self, factory: SessionFactory | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._factory = factory or bridge_session_factory
        self._session: LiveSession | None = None
        self._worker = Worker(threads=1, parent=self)  # start/stop/port listing, in order
        self._incoming.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self.running = False  # a session is open (between started and stopped)
        self.busy = False  # a start or stop is under way

    # -- commands (Qt thread) ------------------------------------------------------------------

    def start(self, settings: LiveOptions) -> None:
        """Open the bridge with ``settings`` (off the Qt thread); then :attr:`started` or
        :attr:`failed`."""
        if self.running or self.busy:
            return
        self.busy = True

        def open_session() -> tuple[LiveSession, str]:
            concrete, note = settings.resolved()  # auto: loads the model (not on Qt's thread)
            session = self._factory(concrete, self._deliver)
            session.start()
            return session, note

        self._worker.submit(open_session, self._opened, self._open_failed, "start the bridge")

    def stop(self) -> None:
        """Close the bridge (every note ends); then :attr:`stopped`."""
        session, self._session = self._session, None
        if session is None:
            return
        self.busy = True
        self._worker.submit(session.stop, lambda _r: self._closed(), self._stop_failed, "stop")

    def _call(self, what: str, fn: Callable[[LiveSession], Any]) -> None:
        """Run one steering call on the open session (each only queues a command)."""
        if self._session is None:
            self.log_line.emit("warning", f"{what}: the bridge is not running, start it first")
            return
        try:
            fn(self._session)
        except JamBridgeError as err:
            self.log_line.emit("error", f"{what}: {err}")

    def set_track(self, role: str, **changes: Any) -> None:
        """Temperature, density, mute, solo or lock of one track (next bar line)."""
        self._call(f"{role} {', '.join(changes)}", lambda s: s.set_track(role, **changes))

    def regenerate(self, role: str) -> None:
        self._call(f"regenerate {role}", lambda s: s.regenerate(role))

    def set_preset(self, name: str) -> None:
        """Switch preset (the session reads the file: done in the worker)."""
        session = self._session
        if session is None:
            return
        self._worker.submit(
            lambda: session.set_preset(name),
            None,
            lambda text: self.log_line.emit("error", f"preset {name}: {text}"),
            "set preset",
        )

    def capture(self, kind: str, bars: int, role: str, channel: int | None) -> None:
        """``kind`` "armed": the next ``bars`` bars; "retro": the last ones heard."""
        if kind == "armed":
            self._call("arm capture", lambda s: s.arm_capture(bars, role, channel))
        else:
            self._call("retro capture", lambda s: s.retro_capture(bars, role, channel))

    def panic(self) -> None:
        self._call("panic", lambda s: s.panic())

    def play(self) -> None:
        """Internal clock: Start."""
        self._call("play", lambda s: s.play())

    def set_bpm(self, bpm: float) -> None:
        """Internal clock: tempo."""
        self._call("tempo", lambda s: s.set_bpm(bpm))

    def set_latency(self, ms: float) -> None:
        """Send notes ``ms`` early from now on."""
        self._call("latency", lambda s: s.set_latency(ms))

    def status(self) -> Any | None:
        """The session's status snapshot, or None when closed."""
        session = self._session
        if session is None:
            return None
        try:
            return session.status()
        except JamBridgeError:
            return None

    def list_ports(self, midi_api: str = "auto") -> None:
        """List existing MIDI ports (off the Qt thread); then :attr:`ports_listed`."""

        def listing() -> tuple[list[str], list[str]]:
            from jambridge.bridge.io.ports import choose_api, list_ports

            return list_ports(choose_api(midi_api))

        self._worker.submit(
            listing,
            lambda r: self.ports_listed.emit(list(r[0]), list(r[1])),
            lambda text: self.log_line.emit("warning", f"cannot list MIDI ports: {text}"),
            "list ports",
        )

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until start/stop work is done (shutdown and tests only)."""
        return self._worker.wait(timeout_ms)

    # -- results (Qt thread) -------------------------------------------------------------------

    def _opened(self, opened: tuple[LiveSession, str]) -> None:
        session, note = opened
        self.busy = False
        self._session, self.running = session, True
        if note:
            self.log_line.emit("warning", note)
        self.started.emit(describe(session))

    def _open_failed(self, text: str) -> None:
        self.busy = False
        self.failed.emit(text)

    def _closed(self) -> None:
        self.busy, self.running = False, False
        self.stopped.emit()

    def _stop_failed(self, text: str) -> None:
        self.log_line.emit("error", f"stopping the bridge: {text}")
        self._closed()

    # -- events (session thread -> Qt thread) --------------------------------------------------

    def _deliver(self, event: Any) -> None:
        """Called in the session's dispatcher thread: prepare, then queue to the Qt thread."""
        from jambridge.bridge import events as ev

        try:
            item: _Item
            if isinstance(event, ev.BarPlayed):
                heard = heard_from(event.bar(), event.from_beat)
                item = _Played(event.index, heard, event.audible)
            elif isinstance(event, ev.BarQueued):
                item = _Queued(event.index, event.bar(), event.audible)
            elif isinstance(event, ev.CaptureSaved):
                item = _Captured(event.result, tuple(_plain_bars(event.result.bars)), event.path)
            else:
                item = _Other(event)
        except JamBridgeError as err:  # a bad bar from the generator: say so, keep going
            item = _Other(ev.LogLine("warning", f"a bar could not be shown: {err}"))
        self._incoming.emit(item)

    def _dispatch(self, item: _Item) -> None:
        """On the Qt thread: emit the public signal for one delivered event."""
        from jambridge.bridge import events as ev

        if isinstance(item, _Played):
            self.bar_played.emit(item.index, item.heard, item.audible)
        elif isinstance(item, _Queued):
            self.bar_queued.emit(item.index, item.bar, item.audible)
        elif isinstance(item, _Captured):
            self.captured.emit(item.result, item.bars, item.path)
        else:
            event = item.event
            if isinstance(event, ev.TransportChanged):
                self.transport_changed.emit(event)
            elif isinstance(event, ev.ControlsChanged):
                self.controls_changed.emit(event.controls)
            elif isinstance(event, ev.LogLine):
                self.log_line.emit(event.level, event.text)
            elif isinstance(event, ev.Underrun):
                self.log_line.emit("warning", f"bar {event.index + 1} was late (underrun)")


class _Played(NamedTuple):
    """A bar played, made ready for the Qt thread (see :meth:`SessionAdapter._deliver`)."""

    index: int
    heard: Any  # the Bar as heard (heard_from)
    audible: tuple[str, ...]


class _Queued(NamedTuple):
    """The bar queued to play next."""

    index: int
    bar: Any  # a Bar
    audible: tuple[str, ...]


class _Captured(NamedTuple):
    """A capture written to disk."""

    result: Any  # the CaptureResult
    bars: tuple[Any, ...]  # its bars as Bar values
    path: str


class _Other(NamedTuple):
    """Any other bridge event, passed on as it is."""

    event: Any


_Item = _Played | _Queued | _Captured | _Other  # what _deliver hands the Qt thread


def _plain_bars(plain_bars):
    from jambridge.bridge.playback.timeline import plain_to_bar

    return (plain_to_bar(b) for b in plain_bars)
