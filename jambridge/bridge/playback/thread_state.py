"""What the real-time thread owns, and the helpers every part of it uses.

The scheduler is built in layers, one noun each: :class:`ThreadState` (its state, events and
positions), :class:`~jambridge.bridge.playback.barline.BarLine` (the bar line and the
transport), :class:`~jambridge.bridge.playback.steering.Steering` (commands) and
:class:`~jambridge.bridge.playback.scheduler.Scheduler` (the thread: its loop, its input and what
it publishes). Everything here runs in that thread.
"""

from __future__ import annotations

import queue
from collections.abc import Mapping
from dataclasses import dataclass, field

from jambridge.bridge.capture import CaptureRecorder
from jambridge.bridge.events import BridgeEvent, LogLine
from jambridge.bridge.playback.lookahead import BarFeed
from jambridge.bridge.playback.output import NoteOutput
from jambridge.bridge.timing.protocol import Timing
from jambridge.bridge.timing.timebase import Clock
from jambridge.bridge.timing.transport import TransportState
from jambridge.roles import ROLE_SPECS

DEFAULT_CHANNELS: dict[str, int] = {r: s.channel for r, s in ROLE_SPECS.items()}


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
    max_input_per_step: int = 64  # input messages (and commands) one step takes in; more wait
    flood_rest_s: float = 0.001  # after a step that left input waiting: block this long
    retro_bars: int = 8  # bars the retro capture buffer keeps
    # an armed capture is final this long after its end: input stamped before the end is in
    # by then (a JACK period of up to 1,024 frames, a poll, to spare)
    capture_settle_s: float = 0.05
    rt_priority: int = 0  # > 0: SCHED_FIFO at most this, below the port threads (see priority)
    lateness_every_s: float = 0.05  # the snapshot's copy of recent lateness is this fresh


class ThreadState:
    """The real-time thread's state (made by
    :class:`~jambridge.bridge.playback.scheduler.Scheduler`) and the helpers its parts share."""

    clock: Clock
    timing: Timing
    feed: BarFeed
    output: NoteOutput
    capture: CaptureRecorder
    config: SchedulerConfig
    events: queue.SimpleQueue[BridgeEvent]
    next_bar: int | None  # song bar to choose next; None while stopped
    _announced: tuple[int | None, int]  # (next_bar, feed.version) last announced

    # -- positions -------------------------------------------------------------------------------

    def _tick_at(self, t_s: float) -> float | None:
        """The song tick at ``t_s`` while playing (None: not playing)."""
        if self.timing.state is not TransportState.PLAYING:
            return None
        tick = self.timing.tick_at(t_s)
        if tick is None:  # not locked yet: the newest pulse's tick
            pulse = self.timing.pulse_tick
            return None if pulse is None else float(pulse)
        return tick

    def _position_tick(self, now: float) -> float:
        """The song position at ``now``, playing or not."""
        tick = self._tick_at(now)
        return float(self.timing.song_tick) if tick is None else tick

    # -- output ----------------------------------------------------------------------------------

    def _release_all(self, all_channels: bool = False) -> None:
        self.output.release_all(range(16) if all_channels else self.config.channels.values())

    # -- events ----------------------------------------------------------------------------------

    def _emit(self, event: BridgeEvent) -> None:
        self.events.put(event)

    def _info(self, text: str) -> None:
        self._emit(LogLine("info", text))

    def _pass_feed_log(self) -> None:
        while self.feed.log:
            level, text = self.feed.log.pop(0)
            self._emit(LogLine(level, text))

    def _warn(self, text: str) -> None:
        self._emit(LogLine("warning", text))
