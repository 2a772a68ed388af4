"""What the session's dispatcher thread does with what comes out of the real-time thread.

A part of :class:`~jambridge.bridge.session.BridgeSession` (its base): each event from the
scheduler's queue is logged, written to disk when it is a capture (a capture the disk refused is
kept and written on a later try: :class:`~jambridge.bridge.capture.CaptureWriter`), and handed to
``on_event`` (called in the dispatcher thread: the Qt adapter re-emits it as a queued signal) and
to ``events``, a bounded queue that drops the oldest event when nobody reads it. The thread also
watches the ports the session opened: a port that went away is reported and posted to the
real-time thread (:class:`~jambridge.bridge.controls.PortLost`).
"""

from __future__ import annotations

import contextlib
import logging
import queue
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from jambridge.bridge import controls as ctl
from jambridge.bridge.capture import CaptureWriter
from jambridge.bridge.events import BridgeEvent, CaptureSaved, CaptureTaken, LogLine
from jambridge.bridge.io.opening import PortWatch
from jambridge.bridge.io.ports import InPort, OutPort
from jambridge.bridge.playback.scheduler import Scheduler
from jambridge.errors import JamBridgeError

if TYPE_CHECKING:
    from jambridge.bridge.session import BridgeConfig

log = logging.getLogger("jambridge.bridge")
_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class EventDispatch:
    """The session's state its parts share, and the dispatcher thread's handlers."""

    config: BridgeConfig
    scheduler: Scheduler | None
    on_event: Callable[[BridgeEvent], None] | None
    events: queue.Queue[BridgeEvent]  # for a reader of the session (oldest dropped when full)
    captures: list[Path]  # captures written so far
    capture_writer: CaptureWriter  # the dispatcher's (then stop()'s) alone
    api: str | None  # the MIDI API the ports are on
    _out: OutPort | None
    _in: InPort | None
    _watch: PortWatch | None  # JACK, ports opened here: hears the server go
    _connect_input: bool
    _running: bool  # the dispatcher runs
    _reported_lost: set[str]  # ports reported gone ("output", "input")
    _port_lost: bool  # the JACK server went away; reconnecting (see JackReconnect)
    _next_probe: float  # when to ask for a JACK server again
    _answers: int  # probes in a row a JACK server answered
    _written_closed: int | None  # events written by output ports now closed (None: uncounted)

    def _post(self, command: ctl.Command) -> None:
        if self.scheduler is None:
            raise JamBridgeError("the bridge is not running")
        self.scheduler.post(command)

    @property
    def out_name(self) -> str | None:
        return getattr(self._out, "name", None)

    @property
    def in_name(self) -> str | None:
        return self._in.name if self._in is not None else None

    @property
    def events_written(self) -> int | None:
        """MIDI events the output port has written into JACK cycles, through reconnections and
        after :meth:`stop` (None: a port that does not count them, python-rtmidi's). Against
        what a peer recorded, the events JACK lost: it drops a client's MIDI in a cycle the
        client missed (an xrun)."""
        written = getattr(self._out, "written", None)
        if not isinstance(written, int):
            return self._written_closed
        return (self._written_closed or 0) + written

    @property
    def output_longest_wait_ms(self) -> float | None:
        """The longest time between two cycles of the output port's callback (None: a port
        that does not measure it, python-rtmidi's): over a JACK period, JACK dropped cycles."""
        wait = getattr(self._out, "longest_wait_s", None)
        return round(wait * 1000, 3) if isinstance(wait, float) else None

    def _close_out(self) -> None:
        """Close the output port (keeping its count of events written)."""
        if self._out is None:
            return
        written = getattr(self._out, "written", None)
        if isinstance(written, int):
            self._written_closed = (self._written_closed or 0) + written
        self._out.close()
        self._out = None

    def _close_ports(self) -> None:
        """Close the ports this session opened (and the watch: before any new JACK client)."""
        if self._in is not None:
            self._in.close()
            self._in = None
        if self._watch is not None:  # the output before the watch (closing either twice is safe);
            self._close_out()  # the watch stays: reconnection asks it about the server
            self._watch.close()

    def _drain_events(self) -> None:
        """Handle every event the real-time thread has queued."""
        if self.scheduler is None:
            return
        while True:
            try:
                event = self.scheduler.events.get_nowait()
            except queue.Empty:
                return
            self._handle(event)

    def _handle(self, event: BridgeEvent) -> None:
        if isinstance(event, LogLine):
            log.log(_LEVELS.get(event.level, logging.INFO), event.text)
        self._deliver(event)
        if isinstance(event, CaptureTaken):
            self.capture_writer.add(event.result)
            self._save_captures(say_failure=True)

    def _last_capture_try(self) -> None:
        if not self.capture_writer.unsaved:
            return
        self._save_captures(say_failure=False)
        waiting = len(self.capture_writer.unsaved)
        if waiting:
            text = f"{waiting} capture(s) could not be written and are lost (is the disk full?)"
            log.error(text)
            self._deliver(LogLine("error", text))

    def _save_captures(self, say_failure: bool) -> None:
        """Write the captures waiting (see CaptureWriter); a failure is logged (the CLI prints
        it) and delivered once per capture, the notes kept for the next try."""
        saved, error = self.capture_writer.flush()
        for result, path in saved:
            self.captures.append(path)
            log.info("capture saved: %s", path)
            self._deliver(CaptureSaved(result, str(path)))
        if error is not None and say_failure:
            waiting = len(self.capture_writer.unsaved)
            text = (
                f"capture not saved: {error}; its notes are kept ({waiting} waiting) and "
                f"written when there is room (tried every {CaptureWriter.RETRY_S:g} s)"
            )
            log.error(text)
            self._deliver(LogLine("error", text))

    def _deliver(self, event: BridgeEvent) -> None:
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:  # a broken UI callback must not stop the bridge
                log.exception("event callback failed")
        while True:
            try:
                self.events.put_nowait(event)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self.events.get_nowait()  # drop the oldest

    def _watch_ports(self) -> None:
        for port, what in ((self._out, "output"), (self._in, "input")):
            if what in self._reported_lost or port is None or not hasattr(port, "still_there"):
                continue
            if not port.still_there():
                self._reported_lost.add(what)
                name = getattr(port, "name", what)
                self._deliver(LogLine("error", f"the {what} port {name!r} went away"))
                self._post(ctl.PortLost(what))
