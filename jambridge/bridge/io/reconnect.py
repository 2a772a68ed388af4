"""A JACK server that goes away and comes back: a port error, then the ports reopened.

A part of :class:`~jambridge.bridge.session.BridgeSession` (a base class of it, run by its
dispatcher thread), for the JACK ports the session opened itself. When the server goes away
(the ports' watch, :mod:`~jambridge.bridge.io.opening`, hears it shut down) the dispatcher

1. reports it as a port error (a log line at level "error"; the status says ``"port lost"``),
2. stops the real-time thread (its last note-offs are refused quietly by the dead ports) and
   reports the transport stopped (``TransportChanged("stopped", "port lost", None)``),
3. half a second later (libjack has shut each client down by then), closes the dead ports
   and the watch, and lets libjack clean up what it still counts, before any new JACK client
   is opened (a client of the dead server closed later closes one of the new ones);
   a client on a dead server may wait a second to close, holding the GIL: once, while
   there is no server,
4. asks every ``reconnect_s`` whether a JACK server answers (from a child process:
   :func:`~jambridge.bridge.io.jack_guards.jack_server_answers`), and when one has twice in a row
   opens the ports under the same names (or connects to the same named ports), hands them to
   the real-time thread and starts it again where it was (on ``--clock internal`` our clock,
   if it was playing, plays on from the bar after the one it was in: a bar of count-in, the
   Song Position Pointer, Continue); a log line says so. A port JACK
   registers but does not run (about 1 reconnect in 8 with a second server on the machine;
   :data:`~jambridge.bridge.io.jack_ports.FIRST_CYCLE_S`) is "not yet": the next probe opens
   it again. The DAW
   connects to them again as to any new ports (a restarted JACK server remembers none).
"""

from __future__ import annotations

import logging
import time

from jambridge.bridge.controls import PlayInternal
from jambridge.bridge.dispatch import EventDispatch
from jambridge.bridge.events import LogLine, TransportChanged
from jambridge.bridge.io.jack_guards import jack_server_answers, jack_server_running
from jambridge.bridge.io.opening import new_watch, open_input, open_output
from jambridge.bridge.io.ports import InPort, OutPort
from jambridge.bridge.timing.transport import TICKS_PER_BAR
from jambridge.errors import JamBridgeError

log = logging.getLogger("jambridge.bridge")


class JackReconnect(EventDispatch):
    """The session's JACK loss and reconnection (see the module docstring)."""

    LIBJACK_SETTLE_S = 0.5  # after the loss, libjack's own shutdown of each client ends
    _resume_bar: int | None = None  # our own clock played: the bar to play on from

    def _watch_jack(self) -> None:
        """The JACK server went away: report, close, and reconnect when it is back."""
        if self._watch is None or not self._running:
            return
        if not self._port_lost:
            if self._watch.gone.is_set():
                self._server_gone()
            return
        if time.monotonic() < self._next_probe:
            return
        self._next_probe = time.monotonic() + self.config.reconnect_s
        self._answers = self._answers + 1 if jack_server_answers() else 0
        if self._answers >= 2:  # twice in a row: a server that is up, not one starting
            self._reconnect()

    def _server_gone(self) -> None:
        self._port_lost = True
        self._answers = 0
        names = f"{self.out_name!r} and {self.in_name!r}" if self._in else repr(self.out_name)
        self._handle(LogLine(
            "error", f"port error: the JACK server went away, and {names} with it; "
            "JamBridge reopens them when a JACK server runs again",
        ))  # fmt: skip
        if self.scheduler is not None:
            snap = self.scheduler.snapshot
            # our own clock was playing: it plays on from the next bar when the ports are back
            master = self.config.clock == "internal" and snap.playing
            self._resume_bar = int(snap.tick // TICKS_PER_BAR) + 2 if master else None
            self.scheduler.stop()  # its last notes fail quietly (the ports refuse)
        self._drain_events()
        self._deliver(TransportChanged("stopped", "port lost", None))
        time.sleep(self.LIBJACK_SETTLE_S)
        self._close_ports()
        # A client libjack still counts (one it was shutting down as we closed it) would be
        # cleaned up at the next open -- by closing its number on whatever server runs then,
        # one of our new ports if the server is back. An open now, with no server, does it.
        jack_server_running()
        self._next_probe = time.monotonic() + self.config.reconnect_s

    def _reconnect(self) -> None:
        cfg, scheduler = self.config, self.scheduler
        if scheduler is None:
            return
        watch = new_watch("jack")  # a watch: the ports were on JACK
        assert watch is not None
        out: OutPort | None = None
        midi_in: InPort | None = None
        try:
            out = open_output("jack", cfg.out_port, watch)
            if self._connect_input:
                midi_in = open_input("jack", cfg.in_port, watch)
        except JamBridgeError as err:  # not yet (a port to connect to is not there): later
            for port in (midi_in, out):
                if port is not None:
                    port.close()
            watch.close()
            log.info("JACK is back, ports not yet: %s", err)
            return
        self._watch, self._out, self._in = watch, out, midi_in
        scheduler.use_ports(out, midi_in)
        self._port_lost = False
        self._reported_lost.clear()
        scheduler.start()
        if self._resume_bar is not None:  # after a bar of count-in, SPP and Continue
            scheduler.post(PlayInternal(self._resume_bar))
            self._handle(LogLine("info", f"our clock plays on from bar {self._resume_bar}"))
        names = f"{out.name!r} and {midi_in.name!r}" if midi_in else repr(out.name)
        self._handle(LogLine("info", f"the JACK server is back: {names} reopened"))
