"""The real-time thread: clock in, bars out, every note on time and every note ended.

One thread, one class, one loop (:meth:`Scheduler.run`). It is the sole owner of its clock (a
:class:`~jambridge.bridge.timing.protocol.Timing`), the capture recorder, the bar feed and the
note output. The boundary is typed and one-way: other threads put
:data:`~jambridge.bridge.controls.Inbound` values in its inbox (commands, port loss, posted MIDI
input), hear from it through its event queue, and read the
:class:`~jambridge.bridge.playback.status.StatusSnapshot` it publishes at the end of every turn
(:attr:`Scheduler.snapshot`, one reference swap). Nothing else crosses; with
``JAMBRIDGE_CHECK_THREADS=1`` its state refuses other threads (:mod:`ownership`).

Each turn of the loop is :meth:`Scheduler.step` (pure given the injected clock, so tests drive
it with a fake one): poll the input port (no driver callback: see :mod:`arrivals`), take in
what arrived, choose the next bar shortly before its bar line (announcing it as soon as the
look-ahead has it: :class:`~jambridge.bridge.events.BarQueued`), have the
:class:`~jambridge.bridge.playback.output.NoteOutput` send every event that is due (note times are
song ticks, sent on the clock model's time for them: see :mod:`output`), and return when the next
one is.

Waiting: block on the inbox (commands) for at most ``poll_s`` at a time -- the input port is
polled that often -- until about ``spin_s`` before the next deadline, then spin on the clock
for the last stretch, yielding the GIL on each turn (FIELD-NOTES.md). After a step that left
input waiting (a flood: at most ``max_input_per_step`` messages a step), it blocks for up to
``flood_rest_s`` instead: a real-time thread that never blocks starves the ones below it (JACK's,
which empty the output's ring buffer; the main thread, which handles Ctrl-C). A look for a
pulse a note waits on is blocked for, not spun (spun on Windows: its timed waits are coarse).
The bar feed is polled only with ``slack_s`` to spare, so while a note waits for its pulse (a
few ms) the generator's reply waits too.

Stop, clock loss, relocation, panic, port errors and the end of the thread all end every
sounding note (note-off, then CC 123 on each channel used).
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time

from jambridge.bridge import controls as ctl
from jambridge.bridge.capture import CaptureRecorder
from jambridge.bridge.ccmap import CcMap
from jambridge.bridge.events import BridgeEvent, LogLine, RiffChanged, RiffInfo
from jambridge.bridge.io.messages import check
from jambridge.bridge.io.ports import InPort, OutPort
from jambridge.bridge.playback.lookahead import BarFeed
from jambridge.bridge.playback.output import NoteOutput
from jambridge.bridge.playback.ownership import SCHEDULER_SHARED, Ownership, checking, guard
from jambridge.bridge.playback.priority import take_realtime
from jambridge.bridge.playback.status import StatusSnapshot
from jambridge.bridge.playback.steering import Steering
from jambridge.bridge.playback.thread_state import SchedulerConfig
from jambridge.bridge.timing.protocol import Timing
from jambridge.bridge.timing.timebase import Clock
from jambridge.bridge.timing.transport import TransportState


class _Wake:
    """What stop() puts in the inbox: it only wakes a blocked wait (stop() set the flag)."""


_STOP = _Wake()
# Windows wakes a timed wait on its timer tick (1-16 ms): there a look for a pulse is spun too.
_COARSE_TIMERS = sys.platform == "win32"


class Scheduler(Steering):
    """The real-time thread. Construct, :meth:`start`, :meth:`post` commands, :meth:`stop`.

    Its parts: :class:`~jambridge.bridge.playback.thread_state.ThreadState` (state, helpers),
    :class:`~jambridge.bridge.playback.barline.BarLine` (bar line, transport),
    :class:`~jambridge.bridge.playback.steering.Steering` (commands); here: the thread, its loop,
    its input and the snapshot it publishes."""

    def __init__(
        self,
        out: OutPort,
        clock: Clock,
        feed: BarFeed,
        timing: Timing,
        config: SchedulerConfig | None = None,
        ccmap: CcMap | None = None,
        midi_in: InPort | None = None,
    ) -> None:
        self.out = out
        self.midi_in = midi_in  # polled every step (None: input comes through post_midi)
        self.clock = clock
        self.feed = feed
        self.timing = timing
        self.config = config or SchedulerConfig()
        self.ccmap = ccmap or CcMap()
        self.inbox: queue.SimpleQueue[ctl.Inbound | _Wake] = queue.SimpleQueue()
        self.events: queue.SimpleQueue[BridgeEvent] = queue.SimpleQueue()
        self.output = NoteOutput(
            out, timing, self._emit, self.config.latency_ms, self.config.early_s,
            self.config.pulse_poll_s,
        )  # fmt: skip
        self.capture = CaptureRecorder(self.config.retro_bars, log=self._info)
        self.next_bar: int | None = None  # song bar to choose next; None while stopped
        self._announced: tuple[int | None, int] = (None, -1)  # (next_bar, feed.version) told
        self._riff_told: RiffInfo | None = None  # the feed's riff as last told (RiffChanged)
        self._cc_last: dict[tuple[int, int], int] = {}
        self._stash: list[ctl.Inbound | _Wake] = []
        self._deadline: float | None = None
        self._flooded = False  # the last step left input waiting (a flood)
        self.floods = 0  # steps that did
        self._stop_requested = threading.Event()  # set by stop(), from any thread
        self._thread: threading.Thread | None = None
        self.timing.set_log(self._warn)
        self.error: BaseException | None = None  # what ended the thread, if not stop()
        self.realtime = False  # the thread got real-time scheduling
        self._lateness: tuple[float, ...] = ()  # the copy of output.lateness last published
        self._lateness_at = (-1, float("-inf"))  # (output.late_count, time) of that copy
        self.snapshot: StatusSnapshot = self._snapshot(clock.now(), force=True)
        self.ownership = Ownership()
        if checking():
            for owned in (self.timing, self.feed, self.feed.generator, self.capture, self.output):
                guard(owned, self.ownership)
            guard(self, self.ownership, SCHEDULER_SHARED)

    # -- other threads ---------------------------------------------------------------------------

    def post_midi(self, t_s: float, msg: list[int]) -> None:
        """A message arrived at ``t_s`` (tests and tools; a real port is polled instead)."""
        self.inbox.put(ctl.MidiIn(t_s, msg))

    def post(self, command: ctl.Command) -> None:
        """Queue a command; it applies in the thread (steering: at the next bar line)."""
        self.inbox.put(command)

    def start(self) -> None:
        """Start the thread (it owns the state from now until it ends)."""
        self.feed.start()
        self.timing.begin(self.clock.now() + 0.01)
        self._thread = threading.Thread(target=self.run, name="jambridge-scheduler", daemon=True)
        self.ownership.thread = self._thread
        self._thread.start()

    def use_ports(self, out: OutPort, midi_in: InPort | None) -> None:
        """New ports (the old ones' server went away); call while the thread is not running."""
        if self.alive:
            raise RuntimeError("use_ports() while the real-time thread runs")
        self.out, self.midi_in = out, midi_in
        self.output.use_port(out)
        self._stop_requested.clear()

    def stop(self, block: bool = True) -> None:
        """End the thread; every sounding note ends first."""
        self._stop_requested.set()
        self.inbox.put(_STOP)
        if block and self._thread is not None:
            self._thread.join(timeout=5.0)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the loop --------------------------------------------------------------------------------

    def run(self) -> None:
        feeders = (*getattr(self.out, "driver_threads", ()),
                   *getattr(self.midi_in, "driver_threads", ()))  # fmt: skip
        self.realtime = take_realtime(self.config.rt_priority, feeders) > 0
        try:
            while not self._stop_requested.is_set():
                self._wait(self.step(self.clock.now()))
        except BaseException as err:  # reported, then every note is ended below
            self.error = err
            self._emit(LogLine("error", f"the scheduler stopped: {type(err).__name__}: {err}"))
        finally:
            self.shutdown()
            self.ownership.thread = None

    def shutdown(self) -> None:
        """End every note; as master, then send Stop. Safe to call more than once."""
        self._release_all()
        self.output.clear()
        now = self.clock.now()
        for msg in self.timing.stop(now).send:  # as master: Stop
            self.output.send(list(msg))
        self.next_bar = None
        self.snapshot = self._snapshot(now, force=True)

    def _wait(self, deadline: float | None) -> None:
        now = self.clock.now()
        look = self.output.awaiting_pulse and deadline is not None and not _COARSE_TIMERS
        if self._flooded or look:  # a rest after a flood, or a look for a pulse: block, no spin
            cap = self.config.flood_rest_s if self._flooded else self.config.poll_s
            timeout = cap if self._flooded or self.midi_in is not None else float("inf")
            if deadline is not None:
                timeout = min(timeout, max(0.0, deadline - now))
            with contextlib.suppress(queue.Empty):
                self._stash.append(self.inbox.get(timeout=timeout))
            return
        if deadline is not None and deadline - now <= self.config.spin_s:
            while self.clock.now() < deadline:
                time.sleep(0)  # yields the GIL: the port's and the app's threads run
            return
        timeout = self.config.poll_s if self.midi_in is not None else self.config.idle_wait_s
        if deadline is not None:
            timeout = min(timeout, deadline - now - self.config.spin_s)
        with contextlib.suppress(queue.Empty):
            self._stash.append(self.inbox.get(timeout=timeout))

    def step(self, now: float) -> float | None:
        """One turn: take in input and commands, choose bars, send what is due. Returns the
        time of the next deadline (None: nothing timed is pending)."""
        self._drain(now)
        for ev in self.timing.check(now):
            self._transport(ev, now)
        if self._deadline is None or self._deadline - now > self.config.slack_s:
            self.feed.poll()
            self._pass_feed_log()
        self._choose_bars(now)
        self._poll_capture(now)
        self.feed.maybe_replace(self._to_next_bar_line(now))
        self._announce()
        if self.feed.riff is not self._riff_told:  # started, changed, its key found, ended
            self._riff_told = self.feed.riff
            self._emit(RiffChanged(self._riff_told))
        self._deadline = self.output.send_due(now)
        self.snapshot = self._snapshot(now)
        return self._deadline

    def _snapshot(self, now: float, force: bool = False) -> StatusSnapshot:
        """What other threads may read now (see :mod:`status`)."""
        out, feed = self.output, self.feed
        count, at = self._lateness_at
        if force or (out.late_count != count and now - at >= self.config.lateness_every_s):
            self._lateness = tuple(out.lateness)
            self._lateness_at = (out.late_count, now)
        notes = out.notes
        return StatusSnapshot(
            t_s=now, clock=self.timing.view(now),
            playing=self.timing.state is TransportState.PLAYING, tick=self._position_tick(now),
            gen_ms_last=feed.gen_ms_last, gen_ms_max=feed.gen_ms_max, underruns=feed.underruns,
            bar_ready=feed.ready, generator_dead=feed.dead, generator_errors=feed.errors,
            lateness_s=self._lateness, late_max_s=out.late_max_s, open_notes=len(notes),
            notes_on=notes.on_count, notes_off=notes.off_count,
            capture_armed=self.capture.armed is not None, latency_s=out.latency_s,
            port_ok=out.port_ok, realtime=self.realtime, controls=feed.controls,
            riff=feed.riff, ducked=feed.duck,
        )  # fmt: skip

    def _drain(self, now: float) -> None:
        budget = self.config.max_input_per_step
        flooded = False
        if self.midi_in is not None:
            got = self.midi_in.poll(now, budget)
            flooded = len(got) >= budget
            for t_s, msg in got:
                self._midi_in(t_s, msg)
        items, self._stash = self._stash, []
        while len(items) < budget:
            try:
                items.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        else:
            flooded = True
        self._flooded = flooded
        self.floods += flooded
        for item in items:
            if isinstance(item, ctl.MidiIn):
                self._midi_in(item.t_s, item.msg)
            elif not isinstance(item, _Wake):
                self._command(item, now)

    # -- input -----------------------------------------------------------------------------------

    def _midi_in(self, t_s: float, msg: list[int]) -> None:
        kind, why = check(msg)
        if kind is None:
            self.timing.reject(t_s, why)  # counted, logged
        elif msg[0] < 0xF0:
            self._channel_msg(t_s, kind, msg)
        else:
            for ev in self.timing.handle(t_s, kind, msg):
                self._transport(ev, t_s)

    def _channel_msg(self, t_s: float, kind: str, msg: list[int]) -> None:
        channel = msg[0] & 0x0F
        if kind == "control_change":
            cc, value = msg[1], msg[2]
            if cc in (120, 123):  # All Sound/Notes Off sent to us: end our notes too
                self._release_all()
            command = self.ccmap.translate(channel, cc, value, self._cc_last.get((channel, cc)))
            self._cc_last[(channel, cc)] = value
            if command is not None:
                self._command(command, t_s)
            return
        if kind not in ("note_on", "note_off"):
            return
        tick = self._tick_at(t_s)
        if tick is None:
            return  # stopped: nothing to place the note on
        if kind == "note_on":
            self.capture.note_on(tick, channel, msg[1], msg[2])
        else:
            self.capture.note_off(tick, channel, msg[1])
