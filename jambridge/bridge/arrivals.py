"""Arrival times from a MIDI driver's delta times, on our monotonic clock.

Why not stamp in a callback: python-rtmidi calls a Python callback from the driver's thread --
with JACK, the JACK process thread -- and the callback needs the GIL. When another thread holds
the GIL, the JACK thread waits; the client misses its cycle and JACK drops the events of that
cycle. Measured here on a loaded 2-core machine: 34 of 408 clock pulses lost in 4 bars at 240
BPM, and a Start. Without a callback, rtmidi queues each message in C++ with the driver's
delta time (JACK: ``jack_get_time`` when the cycle is processed), and the real-time thread polls
the queue -- no Python in the driver's thread, nothing lost.

The deltas give every message's time relative to the first one; :class:`ArrivalClock` finds
the offset to our clock. A message polled at ``now`` cannot have arrived later than ``now``, so
``now - relative_time`` is an upper bound of the offset for each poll; the smallest bound seen
is the estimate, and it comes within the poll interval's jitter of the truth after a few
polls. The estimate may creep up by ``creep`` seconds per second (50 ppm by default), so a
driver clock that runs slow against ours is followed too.
"""

from __future__ import annotations


class ArrivalClock:
    """Turns driver delta times into arrival times on the caller's clock."""

    def __init__(self, creep: float = 50e-6) -> None:
        self.creep = creep  # how fast (s/s) the offset may rise towards a later bound
        self._relative = 0.0  # time of the latest message since the first, by the deltas
        self._offset: float | None = None  # our clock minus the driver's relative clock
        self._updated_at = 0.0
        self.messages = 0

    def add(self, delta_s: float) -> float:
        """A message with ``delta_s`` since the previous one; returns its relative time."""
        if self.messages:
            self._relative += max(0.0, delta_s)
        self.messages += 1
        return self._relative

    def observe(self, now: float) -> None:
        """The messages added so far were all polled at ``now``: tighten the offset."""
        if not self.messages:
            return
        bound = now - self._relative
        if self._offset is None:
            self._offset = bound
        else:
            allowed = self._offset + self.creep * max(0.0, now - self._updated_at)
            self._offset = min(bound, allowed)
        self._updated_at = now

    def time_of(self, relative_s: float) -> float:
        """Our clock's time of a message at ``relative_s`` (after :meth:`observe`)."""
        assert self._offset is not None, "observe() first"
        return self._offset + relative_s
