"""The real-time thread's output side: the note timeline sent through the port on the clock.

:class:`NoteOutput` holds the notes chosen for the coming bars (a
:class:`~jambridge.bridge.playback.timeline.NoteTimeline` in song ticks) and the notes sounding
(:class:`~jambridge.bridge.playback.timeline.OpenNotes`), and
sends each event when the clock says its
tick has come (``time_of_tick`` minus the latency offset). It is driven by the scheduler's loop
only -- one thread -- and never blocks.

Two ways a note meets its tick:

* **Ahead of the pulses** (the usual way): at the clock model's time for the tick. Between
  pulses and before its pulse, on the smoothed tempo, not on each jittery pulse.
* **On its pulse**: when the clock wanders (``pulse_wait_s`` is not None: the clock's pulses
  are its grid, see :mod:`~jambridge.bridge.timing.tempo`), a note on a pulse waits for that pulse
  -- polled every ``pulse_poll_s`` from ``pulse_wait_s`` before the model's time -- and goes
  out when it arrives, or ``pulse_wait_s`` after the model's time if it never does. A latency
  offset asks for notes ahead of the clock, so it turns this off.

A port that writes each message at a given time (:class:`TimedPort`: JACK through JACK-Client,
which places it on its frame) is handed each event ``ahead_s`` before its time, with that time;
other ports get it when it is due. What was handed over and not yet written is dropped when every
note is released, and the note-offs among it go out at once.

Until the model is locked (the first pulses after a cold Start) events go out on the pulse that
reaches them. A clock's own messages (as master: the pulses, Start right before the first one)
go out here too, on the clock's time for them. A port that fails is reported once and then left
alone; every note is still booked, so the final release is complete for a port that comes back.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol, runtime_checkable

from jambridge.bridge.events import LogLine
from jambridge.bridge.io.ports import OutPort
from jambridge.bridge.playback.timeline import NoteTimeline, OpenNotes
from jambridge.bridge.timing.protocol import Timing
from jambridge.errors import PortError


@runtime_checkable
class TimedPort(Protocol):
    """An output that writes each message at the time it is given (our clock)."""

    ahead_s: float  # hand messages over this long before their time

    def send_at(self, msg: list[int], t: float) -> None: ...

    def cancel(self) -> None:
        """Drop what was handed over and not written yet."""
        ...


class NoteOutput:
    """Sends the timeline's events on time; ends every note. See the module docstring."""

    def __init__(
        self,
        port: OutPort,
        timing: Timing,
        emit: Callable[[LogLine], None],
        latency_ms: float = 0.0,
        early_s: float = 0.00002,
        pulse_poll_s: float = 0.0002,
    ) -> None:
        self.timing = timing
        self._emit = emit
        self.latency_s = latency_ms / 1000  # notes go out this much before their tick's time
        self.early_s = early_s  # an event this close to due goes now
        self.pulse_poll_s = pulse_poll_s  # how often to look for a pulse a note waits for
        self.timeline = NoteTimeline()
        self.notes = OpenNotes()
        self.lateness: deque[float] = deque(maxlen=4096)  # seconds late, recent events (against
        # the time each meant to go: the model's, its pulse's arrival, or the end of its wait)
        self.late_max_s = 0.0
        self.late_count = 0  # lateness values recorded so far (the snapshot copies on a change)
        self.awaiting_pulse = False  # the last deadline is a poll for a pulse, not a send
        self._handed: deque[tuple[float, list[int]]] = deque()  # (time, message) handed ahead
        self.use_port(port)

    def use_port(self, port: OutPort) -> None:
        """Send through ``port`` from now on (a new one after the old one's server went)."""
        self.port = port
        self.port_ok = True
        self._timed = port if isinstance(port, TimedPort) else None
        self._ahead_s = self._timed.ahead_s if self._timed is not None else self.early_s
        self._handed.clear()

    def send_due(self, now: float) -> float | None:
        """Send every event that is due (handed ahead to a timed port); return when to look
        again (None: nothing timed)."""
        early = now + self._ahead_s
        handed = self._handed  # kept until surely written: the cycle after its time may come
        while handed and handed[0][0] <= now - self._ahead_s:  # up to a period later
            handed.popleft()
        self.awaiting_pulse = False
        next_t = self._send_clock(now, early)
        timeline = self.timeline
        while (tick := timeline.next_tick()) is not None:
            t = self.timing.time_of_tick(tick)
            if t is None:
                pulse = self.timing.pulse_tick
                if pulse is None or tick > pulse:
                    break  # before lock: the pulse that reaches it sends it
            else:
                t -= self.latency_s
                wait = self._pulse_wait(tick)
                if wait is not None and now < t + wait:
                    # Its pulse has not come: look for it often from ``wait`` before it is due.
                    look = t - wait if now < t - wait else now + self.pulse_poll_s
                    self.awaiting_pulse = next_t is None or look < next_t
                    next_t = look if next_t is None else min(next_t, look)
                    break
                if wait is None and t > early:
                    next_t = t if next_t is None else min(next_t, t)
                    break
                # late against when it meant to go: its time, or the end of its wait
                self._late(now - t - (wait or 0.0))
            _, is_on, serial, channel, pitch, velocity = timeline.pop()
            if is_on:
                msgs = self.notes.note_on(channel, pitch, velocity, serial)
            else:
                msgs = self.notes.note_off(channel, pitch, serial)
            at = t if t is not None and wait is None and t > now else None
            for m in msgs:
                self.send(m, at)
        return next_t

    def _send_clock(self, now: float, early: float) -> float | None:
        """The clock's own messages that are due (as master: pulses); returns when the next is."""
        clock = self.timing
        due = clock.next_send_time()
        while due is not None and due <= early:
            for msg in clock.take_send():
                self.send(list(msg), due if due > now else None)
            self._late(now - due)
            due = clock.next_send_time()
        return due

    def _pulse_wait(self, tick: float) -> float | None:
        """How long past its time a note at ``tick`` may wait for its pulse (None: no wait)."""
        if self.latency_s > 0:
            return None  # notes asked for ahead of the clock
        pulse = self.timing.pulse_tick
        if pulse is not None and math.floor(tick) <= pulse:
            return None  # the pulse it is on (or after) came: the model has it
        return self.timing.pulse_wait_s()

    def _late(self, late_s: float) -> None:
        if self._timed is not None and late_s < 0:
            late_s = 0.0  # handed over ahead on purpose: on time
        self.lateness.append(late_s)
        self.late_count += 1
        if late_s > self.late_max_s:
            self.late_max_s = late_s

    def send(self, msg: list[int], at: float | None = None) -> None:
        """Send now, or at time ``at`` through a timed port; a failing port is reported once,
        then skipped."""
        if not self.port_ok:
            return
        try:
            if at is not None and self._timed is not None:
                self._timed.send_at(msg, at)
                self._handed.append((at, msg))
            else:
                self.port.send(msg)
        except PortError as err:
            self.port_ok = False
            self._emit(LogLine("error", f"output port lost: {err}"))

    def release_all(self, channels: Iterable[int]) -> None:
        """End every sounding note, then All Notes Off on ``channels``. What a timed port was
        handed and has not written is dropped first; its note-offs go out now."""
        if self._timed is not None and self._handed:
            self._timed.cancel()  # note-offs it may have dropped go again (twice is harmless)
            offs = [m for _, m in self._handed if m[0] & 0xF0 == 0x80]
            self._handed.clear()
            for m in offs:
                self.send(m)
        for m in self.notes.release_all(channels):
            self.send(m)

    def clear(self) -> None:
        """Forget the events not sent yet (sounding notes stay booked)."""
        self.timeline.clear()
