"""MIDI ports on JACK through JACK-Client: every event at its exact frame.

python-rtmidi's JACK output writes what it is given at the start of the next cycle, so a note's
error is up to one period (21 ms at 1,024 frames), and its JACK input crashed the soak twice.
Here each port is a JACK client of its own (``JamBridge Out:JamBridge Out``, ``JamBridge
In:JamBridge In``, as with rtmidi) with a process callback:

* **Output.** The real-time thread hands each message over ahead of its time with
  :meth:`JackMidiOut.send_at` (a ``deque`` append: it never waits). The callback moves what was
  handed over into its own heap and writes each event due in this cycle at the frame of its
  time; an event whose time has passed goes at the cycle's first frame, as rtmidi would.
  :meth:`JackMidiOut.cancel` drops what is handed over but not written (a stop, a seek).
* **Input.** The callback stamps each event with the time of its frame and queues it;
  :meth:`JackMidiIn.poll` takes them from the real-time thread.

Times are our monotonic clock (``time.monotonic``), mapped to and from JACK's frames by
:mod:`~jambridge.bridge.io.jack_time`. The callback does
arithmetic and buffer writes only: no locks, no waiting, no I/O; it allocates the few Python
numbers and tuples that any Python code does.

The same API runs on PipeWire's JACK. JACK-Client is imported lazily: on other systems (and in
tests without JACK) nothing here is loaded.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import deque
from typing import Any

from jambridge.bridge.io.jack_time import (
    LINE,
    JackTime,
    close_client,
    libjack_quiet,
    load_jack,
)
from jambridge.bridge.io.messages import is_plain, split_stream
from jambridge.bridge.playback.priority import thread_ids
from jambridge.errors import PortError

OUT_NAME = "JamBridge Out"
IN_NAME = "JamBridge In"
# Input bounds: a cycle's events beyond EVENTS_PER_CYCLE, or beyond QUEUED waiting for the
# real-time thread, are dropped and counted. MIDI over a cable carries ~1,000 messages a second;
# 128 a cycle is 96,000 a second at 64 frames. Without a bound a flood keeps the callback (and
# the GIL) busy and the queue growing, and Ctrl-C went unanswered.
EVENTS_PER_CYCLE = 128
QUEUED = 4096
_CANCEL = object()  # in the hand-over queue: drop everything handed over before it
# A port is open once JACK has run its process callback: a client activated on a server that
# has just come back after a crash was, about 1 time in 8, registered and never run (its ports
# listed, no cycle ever called; seen with a second server on the machine). Waiting for the
# first cycle turns that into an error the caller can retry on.
FIRST_CYCLE_S = 2.0


class _JackPort:
    """One JACK client with one MIDI port, named like rtmidi's virtual ports, or connected to
    an existing port by name (see :func:`~jambridge.bridge.io.ports.find_port`)."""

    def __init__(
        self,
        client_name: str,
        output: bool,
        connect_to: str | None,
        gone: threading.Event | None = None,
    ) -> None:
        jack = load_jack()
        try:  # the exact name: a second "JamBridge Out" is an error, not "JamBridge Out-01"
            with libjack_quiet():
                self._client = jack.Client(client_name, use_exact_name=True, no_start_server=True)
        except jack.JackError as err:
            raise PortError(
                f"cannot open {client_name!r} on JACK (is another JamBridge running?): {err}"
            ) from err
        self.gone = gone or threading.Event()  # set when the server shuts down (shared by ports)
        self._client.set_shutdown_callback(lambda _status, _reason: self.gone.set())
        ports = self._client.midi_outports if output else self._client.midi_inports
        self._port = ports.register(client_name)
        self.time = JackTime(self._client)
        self.blocksize = self._client.blocksize
        self.rate = self._client.samplerate
        # hand events over this far ahead: the cycle that holds an event may start a period
        # before it, and its callback may wake late (measured here: up to a period under load)
        self.ahead_s = 2 * self.blocksize / self.rate + 0.005
        self._client.set_process_callback(self._process)
        self._client.set_xrun_callback(lambda _delay_us: LINE.mark_xrun())
        self.cycles = 0  # process callbacks run (the callback counts them)
        before = thread_ids()
        self._client.activate()
        # libjack's threads for this client (its process thread among them): the real-time
        # thread stays below them (see jambridge.bridge.playback.priority)
        self.driver_threads = tuple(sorted(thread_ids() - before))
        self.virtual = connect_to is None
        self.name = client_name
        try:
            self._wait_first_cycle()
            if connect_to is not None:
                self._connect(connect_to, output)
        except BaseException:
            self.close()  # no client left behind under our name
            raise

    def _wait_first_cycle(self) -> None:
        deadline = time.monotonic() + FIRST_CYCLE_S
        while self.cycles == 0:
            if self.gone.is_set() or time.monotonic() > deadline:
                raise PortError(
                    f"JACK did not run {self.name!r} within {FIRST_CYCLE_S:g} s "
                    "(a server starting up or stuck)"
                )
            time.sleep(0.001)

    def _connect(self, wanted: str, output: bool) -> None:
        from jambridge.bridge.io.ports import find_port

        ours = (f"{OUT_NAME}:", f"{IN_NAME}:")  # this process's other port is not a peer
        theirs = [
            p.name
            for p in self._client.get_ports(is_midi=True, is_input=output, is_output=not output)
            if not self._client.owns(p) and not p.name.startswith(ours)
        ]
        name = theirs[find_port(theirs, wanted, "output" if output else "input")]
        try:
            if output:
                self._client.connect(self._port, name)
            else:
                self._client.connect(name, self._port)
        except Exception as err:
            raise PortError(f"cannot connect to {name!r} on JACK: {err}") from err
        self.name = name

    def _process(self, frames: int) -> None:  # pragma: no cover - replaced in subclasses
        raise NotImplementedError

    def still_there(self) -> bool:
        """Our port's peer, for a connection to an existing port: is it still offered?"""
        if self.gone.is_set():
            return False
        if self.virtual:
            return True
        try:
            return bool(self._client.get_ports(self.name))
        except Exception:
            return False

    def close(self) -> None:
        close_client(self._client)


class JackMidiOut(_JackPort):
    """An output written at each event's frame (see the module docstring)."""

    def __init__(
        self,
        port: str | None = None,
        gone: threading.Event | None = None,
        client_name: str = OUT_NAME,
    ) -> None:
        self._handed: deque[Any] = deque()
        self._heap: list[tuple[float, int, bytes]] = []
        self._seq = 0  # the callback's tie-break (hand-over order)
        self.late = 0  # events whose time had passed when their cycle was written
        self.written = 0
        # the longest time between the starts of two of its cycles (from the third): a stretch
        # the callback could not run (the GIL held, the CPU taken); over a period, JACK dropped
        # the cycles in it and what they would have written
        self.longest_wait_s = 0.0
        self._entered = 0.0
        super().__init__(client_name, True, port, gone)

    def send_at(self, msg: list[int] | bytes, t: float) -> None:
        """Write ``msg`` at the frame of time ``t`` (our clock), or at once if it has passed."""
        if self.gone.is_set():
            raise PortError(f"{self.name}: the JACK server went away")
        self._handed.append((t, bytes(msg)))
        self.time.maybe_resync(time.monotonic())

    def send(self, msg: list[int] | bytes) -> None:
        """Write ``msg`` as soon as possible (the next cycle's first frame)."""
        self.send_at(msg, 0.0)

    def cancel(self) -> None:
        """Drop every message handed over and not written yet."""
        self._handed.append(_CANCEL)

    def pending(self) -> int:
        return len(self._handed) + len(self._heap)

    def _process(self, frames: int) -> None:
        self.cycles += 1
        now = time.monotonic()
        if now - self._entered > self.longest_wait_s and self.cycles > 2:
            self.longest_wait_s = now - self._entered
        self._entered = now
        handed, heap = self._handed, self._heap
        while handed:
            item = handed.popleft()
            if item is _CANCEL:
                heap.clear()
            else:
                self._seq += 1
                heapq.heappush(heap, (item[0], self._seq, item[1]))
        port = self._port
        port.clear_buffer()
        if not heap:
            return
        cycle = self.time.cycle()
        if cycle is None:
            return
        _, start, end = cycle
        scale = frames / (end - start)
        last = 0
        while heap and heap[0][0] < end:
            t, _, data = heapq.heappop(heap)
            offset = int((t - start) * scale + 0.5)
            if offset < last:
                if offset < 0:
                    self.late += 1
                offset = last
            if offset >= frames:
                offset = frames - 1
            try:  # noqa: SIM105 - no context manager per event in the process callback
                port.write_midi_event(offset, data)
            except Exception:
                pass  # the buffer is full: JACK drops it, as it would any client's
            last = offset
            self.written += 1


class JackMidiIn(_JackPort):
    """An input whose events carry the time of their frame (see the module docstring)."""

    def __init__(
        self,
        port: str | None = None,
        gone: threading.Event | None = None,
        client_name: str = IN_NAME,
    ) -> None:
        self._queue: deque[tuple[float, int, bytes]] = deque()  # (stamp, JACK frame, bytes)
        self.messages = 0
        self.dropped = 0  # events past EVENTS_PER_CYCLE or QUEUED (a flood): dropped, counted
        super().__init__(client_name, False, port, gone)

    def _process(self, frames: int) -> None:
        self.cycles += 1
        queue = self._queue
        cycle = None
        taken = 0
        for offset, data in self._port.incoming_midi_events():
            if taken >= EVENTS_PER_CYCLE or len(queue) >= QUEUED:
                self.dropped += 1  # a flood: the callback's time and the queue stay bounded
                continue
            if cycle is None:
                cycle = self.time.cycle()
                if cycle is None:
                    return
                _, start, end = cycle
                step = (end - start) / frames
            queue.append((start + offset * step, cycle[0] + offset, bytes(data)))
            taken += 1

    def poll(self, now: float, limit: int | None = None) -> list[tuple[float, list[int]]]:
        """Messages queued since the last poll, at most ``limit`` (the rest wait)."""
        out: list[tuple[float, list[int]]] = []
        queue = self._queue
        while queue and (limit is None or len(out) < limit):
            t, _, data = queue.popleft()
            msg = list(data)
            if is_plain(msg):
                out.append((t, msg))
            else:  # several messages in one event (a peer that glues them): one each
                out.extend((t, part) for part in split_stream(msg))
        self.messages += len(out)
        self.time.maybe_resync(now)
        return out

    def pending(self) -> int:
        """Events queued and not polled yet."""
        return len(self._queue)

    def poll_frames(self) -> list[tuple[int, float, tuple[int, ...]]]:
        """Every event queued, as (JACK frame, stamp, bytes): the frame view of the input (a
        recorder's; the real-time thread uses :meth:`poll`)."""
        out = []
        queue = self._queue
        while queue:
            t, frame, data = queue.popleft()
            out.append((frame, t, tuple(data)))
        return out
