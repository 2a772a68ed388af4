"""The real-time thread: clock in, bars out, every note on time and every note ended.

One thread, one class, one loop (:meth:`Scheduler.run`). It is the sole owner of the clock
follower (or internal clock), the capture recorder, the bar feed and the note timeline; other
threads talk to it through one inbox queue (MIDI input stamped by the port callback, commands
from the session) and hear from it through an event queue. Nothing else is shared.

Each turn of the loop is :meth:`Scheduler.step` (pure given the injected clock, so tests drive
it with a fake one): poll the input port (no driver callback: see :mod:`arrivals`), take in
what arrived, choose the next bar shortly before its bar line (announcing it as soon as the
look-ahead has it: :class:`~jambridge.bridge.events.BarQueued`), send every event that is due,
and return when the next one is. Note times are song ticks;
their send time comes from the clock model (``time_of_tick``) minus the latency offset, so
notes go out between pulses, on the smoothed tempo, not on each jittery pulse. Until the model
is locked (the first pulses after a cold Start) notes go out on the pulse that reaches them. A
clock that wanders (``pulse_wait_s``: its pulses are the grid, see :mod:`tempo`) has each note
wait for the pulse of its tick, polled every ``pulse_poll_s`` from shortly before it is due,
unless a latency offset asks for notes ahead of the clock.

Waiting: block on the inbox (commands) for at most ``poll_s`` at a time -- the input port is
polled that often -- until about ``spin_s`` before the next deadline, then spin on the clock
for the last stretch, yielding the GIL on each turn (FIELD-NOTES.md).

Stop, clock loss, relocation, panic, port errors and the end of the thread all end every
sounding note (note-off, then CC 123 on each channel used).
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from jambridge.bridge import controls as ctl
from jambridge.bridge.capture import CaptureRecorder, CaptureResult
from jambridge.bridge.ccmap import CcMap
from jambridge.bridge.clock import ClockFollower
from jambridge.bridge.events import (
    BarPlayed,
    BarQueued,
    CaptureTaken,
    ControlsChanged,
    LogLine,
    TransportChanged,
    Underrun,
)
from jambridge.bridge.internal_clock import InternalClock
from jambridge.bridge.lookahead import BarFeed
from jambridge.bridge.messages import check
from jambridge.bridge.ports import InPort, OutPort
from jambridge.bridge.timebase import Clock
from jambridge.bridge.timeline import NoteTimeline, OpenNotes
from jambridge.bridge.transport import TICKS_PER_BAR, Locate, Play, Stop, TransportState
from jambridge.errors import PortError
from jambridge.roles import ROLE_SPECS

DEFAULT_CHANNELS: dict[str, int] = {r: s.channel for r, s in ROLE_SPECS.items()}
_STOP = object()  # inbox sentinel


@dataclass(frozen=True)
class SchedulerConfig:
    """Timing settings of the real-time thread."""

    latency_ms: float = 0.0  # notes go out this much before their clock-ideal time
    channels: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_CHANNELS))  # 0-based
    commit_lead_s: float = 0.03  # a bar's content is chosen this long before its bar line
    spin_s: float = 0.001  # the last stretch before a deadline is spun, not slept
    idle_wait_s: float = 0.005  # longest block on the inbox (replies, clock loss checks)
    poll_s: float = 0.001  # with a polled input port: longest wait between polls
    pulse_poll_s: float = 0.0002  # ... while a note waits for its pulse
    early_s: float = 0.00002  # an event this close to due goes now
    slack_s: float = 0.002  # generator replies are read only with this much time to spare
    retro_bars: int = 8  # bars the retro capture buffer keeps
    rt_priority: int = 0  # > 0: ask for SCHED_FIFO at this priority (Linux; ignored if denied)


class Scheduler:
    """The real-time thread. Construct, :meth:`start`, :meth:`post` commands, :meth:`stop`."""

    def __init__(
        self,
        out: OutPort,
        clock: Clock,
        feed: BarFeed,
        timing: ClockFollower | InternalClock,
        config: SchedulerConfig | None = None,
        ccmap: CcMap | None = None,
        midi_in: InPort | None = None,
    ) -> None:
        self.out = out
        self.midi_in = midi_in  # polled every step (None: input comes through post_midi)
        self.clock = clock
        self.feed = feed
        self.timing = timing
        self.internal = isinstance(timing, InternalClock)
        self.config = config or SchedulerConfig()
        self.ccmap = ccmap or CcMap()
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.timeline = NoteTimeline()
        self.notes = OpenNotes()
        self.capture = CaptureRecorder(self.config.retro_bars, log=self._info)
        self.latency_s = self.config.latency_ms / 1000
        self.next_bar: int | None = None  # song bar to choose next; None while stopped
        self._announced: tuple[int | None, int] = (None, -1)  # (next_bar, feed.version) told
        self.lateness: deque[float] = deque(maxlen=4096)  # seconds late, recent events
        self.late_max_s = 0.0
        self.port_ok = True
        self._cc_last: dict[tuple[int, int], int] = {}
        self._stash: list = []
        self._deadline: float | None = None
        self._awaiting_pulse = False  # the deadline is a poll for a note's pulse, not a send
        self._stopping = False
        self._thread: threading.Thread | None = None
        if not self.internal:
            self.timing.set_log(self._warn)
        self.error: BaseException | None = None  # what ended the thread, if not stop()
        self.realtime = False  # the thread got real-time scheduling

    # -- other threads ---------------------------------------------------------------------------

    def post_midi(self, t_s: float, msg: list[int]) -> None:
        """A message arrived at ``t_s`` (tests and tools; a real port is polled instead)."""
        self.inbox.put((t_s, msg))

    def post(self, command: ctl.Command) -> None:
        """Queue a command; it applies in the thread (steering: at the next bar line)."""
        self.inbox.put(command)

    def start(self) -> None:
        self.feed.start()
        if self.internal:
            self.timing.begin(self.clock.now() + 0.01)
        self._thread = threading.Thread(target=self.run, name="jambridge-scheduler", daemon=True)
        self._thread.start()

    def stop(self, block: bool = True) -> None:
        """End the thread; every sounding note ends first."""
        self._stopping = True
        self.inbox.put(_STOP)
        if block and self._thread is not None:
            self._thread.join(timeout=5.0)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the loop --------------------------------------------------------------------------------

    def run(self) -> None:
        self.realtime = _try_realtime(self.config.rt_priority)
        try:
            while not self._stopping:
                self._wait(self.step(self.clock.now()))
        except BaseException as err:  # reported, then every note is ended below
            self.error = err
            self._emit(LogLine("error", f"the scheduler stopped: {type(err).__name__}: {err}"))
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """End every note; as master, then send Stop. Safe to call more than once."""
        self._release_all()
        self.timeline.clear()
        if self.internal and self.timing.stop(self.clock.now()) is not None:
            self._send([0xFC])
        self.next_bar = None

    def _wait(self, deadline: float | None) -> None:
        now = self.clock.now()
        if self._awaiting_pulse and deadline is not None:
            timeout = max(0.0, deadline - now)  # a poll, not a send: no need to spin
            if self.midi_in is not None:
                timeout = min(timeout, self.config.poll_s)
            with contextlib.suppress(queue.Empty):
                self._stash.append(self.inbox.get(timeout=timeout))
            return
        if deadline is not None and deadline - now <= self.config.spin_s:
            while self.clock.now() < deadline:
                time.sleep(0)  # yields the GIL: the input callback is never held up
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
        if not self.internal:
            for ev in self.timing.check(now):
                self._transport(ev, now)
        if self._deadline is None or self._deadline - now > self.config.slack_s:
            self.feed.poll()
            self._pass_feed_log()
        self._choose_bars(now)
        self._poll_capture(now)
        self.feed.maybe_replace(self._to_next_bar_line(now))
        self._announce()
        self._deadline = self._send_due(now)
        return self._deadline

    def _drain(self, now: float) -> None:
        if self.midi_in is not None:
            for t_s, msg in self.midi_in.poll(now):
                self._midi_in(t_s, msg)
        items, self._stash = self._stash, []
        while True:
            try:
                items.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        for item in items:
            if item is _STOP:
                self._stopping = True
            elif isinstance(item, tuple):
                self._midi_in(*item)
            else:
                self._command(item, now)

    # -- input -----------------------------------------------------------------------------------

    def _midi_in(self, t_s: float, msg: list[int]) -> None:
        kind, why = check(msg)
        if kind is None:
            if self.internal:
                return  # the follower is not listening; nothing to log it
            self.timing.feed(t_s, msg)  # logs it, counts it
            return
        if msg[0] < 0xF0:
            self._channel_msg(t_s, kind, msg)
        elif not self.internal:
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

    def _tick_at(self, t_s: float) -> float | None:
        if self.timing.state is not TransportState.PLAYING:
            return None
        tick = self.timing.tick_at(t_s)
        return float(self.timing.pulse_tick) if tick is None else tick

    def _position_tick(self, now: float) -> float:
        tick = self._tick_at(now)
        if tick is not None:
            return tick
        return float(getattr(self.timing, "song_tick", 0))

    # -- commands --------------------------------------------------------------------------------

    def _command(self, cmd: ctl.Command, now: float) -> None:
        handler = _COMMANDS.get(type(cmd))
        if handler is None:
            self._emit(LogLine("warning", f"unknown command {cmd!r}"))
            return
        handler(self, cmd, now)

    def _set_controls(self, cmd, now: float) -> None:
        if isinstance(cmd, ctl.SetPreset):
            controls = replace(self.feed.controls, preset=cmd.name)
        else:
            controls = cmd.apply(self.feed.controls)
        self.feed.set_controls(controls)
        self._emit(ControlsChanged(controls))

    def _regenerate(self, cmd: ctl.Regenerate, now: float) -> None:
        self.feed.regenerate(cmd.role)

    def _arm(self, cmd: ctl.ArmCapture, now: float) -> None:
        bar = self.capture.arm(cmd, self._position_tick(now))
        self._info(f"capture armed: {cmd.bars} bar(s) from bar {bar + 1} into {cmd.role}")

    def _retro(self, cmd: ctl.RetroCapture, now: float) -> None:
        result = self.capture.retro(cmd, self._position_tick(now), self.timing.bpm)
        if result is not None:
            self._captured(result)

    def _latency(self, cmd: ctl.SetLatency, now: float) -> None:
        self.latency_s = cmd.ms / 1000

    def _panic(self, cmd: ctl.Panic, now: float) -> None:
        self._release_all(all_channels=True)

    def _internal(self, cmd, now: float) -> None:
        if not self.internal:
            self._emit(LogLine("warning", "play/stop/tempo commands need --clock internal"))
            return
        if isinstance(cmd, ctl.SetBpm):
            self.timing.set_bpm(cmd.bpm)
        elif isinstance(cmd, ctl.PlayInternal):
            ev = self.timing.play(now)
            if ev is not None:  # Start goes out with the first pulse (see _send_due)
                self._transport(ev, now)
        else:
            ev = self.timing.stop(now)
            if ev is not None:
                self._send([0xFC])
                self._transport(ev, now)

    # -- transport -------------------------------------------------------------------------------

    def _transport(self, ev, now: float) -> None:
        if isinstance(ev, Play):
            self.timeline.clear()
            self.capture.clear()
            self.capture.rearm(ev.tick)
            bar = ev.tick // TICKS_PER_BAR
            self._emit(TransportChanged("playing", ev.kind, ev.tick))
            self._commit(bar, from_tick=ev.tick)
        elif isinstance(ev, Stop):
            tick = self._position_tick(now)
            self._release_all()
            self.timeline.clear()
            self.next_bar = None
            result = self.capture.stop(float(getattr(self.timing, "song_tick", tick)), None)
            self._emit(TransportChanged("stopped", ev.kind, int(tick)))
            if result is not None:
                self._captured(result)
        elif isinstance(ev, Locate):
            self._emit(TransportChanged("located", "locate", ev.tick))

    def _captured(self, result: CaptureResult) -> None:
        self._emit(CaptureTaken(result))
        self.feed.prompt(result.bars, result.role)

    # -- bars ------------------------------------------------------------------------------------

    def _to_next_bar_line(self, now: float) -> float | None:
        if self.next_bar is None:
            return None
        t = self.timing.time_of_tick(self.next_bar * TICKS_PER_BAR)
        return None if t is None else t - self.latency_s - now

    def _choose_bars(self, now: float) -> None:
        if self.next_bar is None or self.timing.state is not TransportState.PLAYING:
            return
        line = self.next_bar * TICKS_PER_BAR
        t = self.timing.time_of_tick(line)
        if t is not None:
            due = t - self.latency_s - now <= self.config.commit_lead_s
        else:
            pulse = self.timing.pulse_tick
            due = pulse is not None and pulse >= line - 2
        if due:
            self._commit(self.next_bar, from_tick=line)

    def _announce(self) -> None:
        """Tell what the next bar line will take, once per change (else one tuple compare)."""
        bar, version = self.next_bar, self.feed.version
        if bar is None or (bar, version) == self._announced:
            return
        self._announced = (bar, version)
        upcoming = self.feed.upcoming()
        if upcoming is not None:
            self._emit(BarQueued(bar, upcoming.plain, upcoming.audible))

    def _commit(self, bar: int, from_tick: int) -> None:
        taken = self.feed.take()
        self._pass_feed_log()
        audible, channels = taken.audible, self.config.channels
        for role, _, notes in taken.plain:
            if role in audible:
                self.timeline.add_notes(bar * TICKS_PER_BAR, notes, channels[role], from_tick)
        self.next_bar = bar + 1
        self.capture.prune(bar * TICKS_PER_BAR)
        if taken.repeated or not taken.plain:
            self._emit(Underrun(bar, self.feed.underruns))
        from_beat = (from_tick - bar * TICKS_PER_BAR) / 24
        self._emit(BarPlayed(bar, taken.plain, audible, taken.repeated, taken.gen_ms, from_beat))

    def _poll_capture(self, now: float) -> None:
        if self.capture.armed is None:
            return
        tick = self._tick_at(now)
        if tick is not None:
            result = self.capture.poll(tick, self.timing.bpm)
            if result is not None:
                self._captured(result)

    # -- output ----------------------------------------------------------------------------------

    def _send_due(self, now: float) -> float | None:
        next_t: float | None = None
        early = now + self.config.early_s
        self._awaiting_pulse = False
        if self.internal:
            pulse_t = self.timing.next_pulse_time()
            while pulse_t is not None and pulse_t <= early:
                if self.timing.start_pending():
                    self._send([0xFA])
                self._send([0xF8])
                self._late(now - pulse_t)
                self.timing.pulse_sent()
                pulse_t = self.timing.next_pulse_time()
            next_t = pulse_t
        timeline = self.timeline
        while len(timeline):
            tick = timeline.next_tick()
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
                    look = t - wait if now < t - wait else now + self.config.pulse_poll_s
                    self._awaiting_pulse = next_t is None or look < next_t
                    next_t = look if next_t is None else min(next_t, look)
                    break
                if wait is None and t > early:
                    next_t = t if next_t is None else min(next_t, t)
                    break
                self._late(now - t)
            _, is_on, serial, channel, pitch, velocity = timeline.pop()
            if is_on:
                msgs = self.notes.note_on(channel, pitch, velocity, serial)
            else:
                msgs = self.notes.note_off(channel, pitch, serial)
            for m in msgs:
                self._send(m)
        return next_t

    def _pulse_wait(self, tick: float) -> float | None:
        """How long past its time a note at ``tick`` may wait for its pulse (None: no wait)."""
        if self.internal or self.latency_s > 0:
            return None  # our own grid, or notes asked for ahead of the clock
        pulse = self.timing.pulse_tick
        if pulse is not None and math.floor(tick) <= pulse:
            return None  # the pulse it is on (or after) came: the model has it
        return self.timing.pulse_wait_s()

    def _late(self, late_s: float) -> None:
        self.lateness.append(late_s)
        if late_s > self.late_max_s:
            self.late_max_s = late_s

    def _send(self, msg: list[int]) -> None:
        if not self.port_ok:
            return
        try:
            self.out.send(msg)
        except PortError as err:
            self.port_ok = False
            self._emit(LogLine("error", f"output port lost: {err}"))

    def _release_all(self, all_channels: bool = False) -> None:
        extra = range(16) if all_channels else self.config.channels.values()
        for m in self.notes.release_all(extra):
            self._send(m)

    # -- events ----------------------------------------------------------------------------------

    def _emit(self, event) -> None:
        self.events.put(event)

    def _info(self, text: str) -> None:
        self._emit(LogLine("info", text))

    def _pass_feed_log(self) -> None:
        while self.feed.log:
            level, text = self.feed.log.pop(0)
            self._emit(LogLine(level, text))

    def _warn(self, text: str) -> None:
        self._emit(LogLine("warning", text))


def _try_realtime(priority: int) -> bool:
    """Ask the OS to run the calling thread SCHED_FIFO at ``priority``; False if not allowed.

    Below JACK's own threads (JACK's default is 70 and up): the loop blocks between deadlines
    and spins at most ``spin_s``, so it cannot hog a core."""
    if priority <= 0 or not hasattr(os, "sched_setscheduler"):
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except (OSError, ValueError):
        return False
    return True


_COMMANDS = {
    ctl.SetTrack: Scheduler._set_controls,
    ctl.SetPreset: Scheduler._set_controls,
    ctl.Regenerate: Scheduler._regenerate,
    ctl.ArmCapture: Scheduler._arm,
    ctl.RetroCapture: Scheduler._retro,
    ctl.SetLatency: Scheduler._latency,
    ctl.Panic: Scheduler._panic,
    ctl.PlayInternal: Scheduler._internal,
    ctl.StopInternal: Scheduler._internal,
    ctl.SetBpm: Scheduler._internal,
}
