"""Commands to the real-time thread: what each one changes (a part of :class:`Scheduler`).

Commands come from the session (the CLI, the app) through the scheduler's inbox, or from a
hardware controller through the CC map; they are applied in the real-time thread, between two
steps of its loop, so nothing here is shared with another thread. Steering (preset, track
controls, regenerate, refill, the riff's settings) reaches the bar feed and applies at the next
bar line; capture commands reach the capture recorder (an armed one with ``duck`` silences its
role from now: notes of it already queued are dropped); latency applies to the next event sent;
panic (and a lost input
port) ends every note at once; a lost output port is sent nothing more; play/stop/tempo drive
the clock (a master clock plays; a follower refuses, with a warning).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from jambridge.bridge import controls as ctl
from jambridge.bridge.capture import riff_bars
from jambridge.bridge.events import ControlsChanged, LogLine
from jambridge.bridge.playback.barline import BarLine
from jambridge.bridge.timing.protocol import ClockReply
from jambridge.bridge.timing.transport import TICKS_PER_BAR
from jambridge.errors import JamBridgeError


class Steering(BarLine):
    """The command handlers of :class:`~jambridge.bridge.playback.scheduler.Scheduler`
    (a mixin: they use its feed, capture recorder, timing and output)."""

    def _command(self, cmd: ctl.Command, now: float) -> None:
        handler = _COMMANDS.get(type(cmd))
        if handler is None:
            self._emit(LogLine("warning", f"unknown command {cmd!r}"))
            return
        handler(self, cmd, now)

    def _set_controls(self, cmd: ctl.SetTrack | ctl.SetPreset, now: float) -> None:
        controls = cmd.apply(self.feed.controls)
        self.feed.set_controls(controls)
        self._emit(ControlsChanged(controls))

    def _regenerate(self, cmd: ctl.Regenerate, now: float) -> None:
        self.feed.regenerate(cmd.role)

    def _refill(self, cmd: ctl.Refill, now: float) -> None:
        self.feed.refill(cmd.role, cmd.bars)
        self._info(f"{cmd.role}: the next {cmd.bars} bar(s) drawn afresh")

    def _arm(self, cmd: ctl.ArmCapture, now: float) -> None:
        tick = self._position_tick(now)
        bar = self.capture.arm(cmd, tick)
        self._info(f"capture armed: {cmd.bars} bar(s) from bar {bar + 1} into {cmd.role}")
        if cmd.duck:
            self.feed.set_duck(cmd.role)
            channel = self.config.channels[cmd.role]
            self.output.timeline.drop_notes(channel, tick)

    def _retro(self, cmd: ctl.RetroCapture, now: float) -> None:
        result = self.capture.retro(cmd, self._position_tick(now), self.timing.bpm)
        if result is not None:
            self._captured(result, opens_at=self.next_bar)

    def _set_riff(self, cmd: ctl.SetRiff, now: float) -> None:
        riff = self.feed.riff
        if riff is None:
            self._info("no riff is playing: nothing to change")
            return
        try:
            settings = cmd.apply(riff.settings)
            ctl.check_riff(settings, riff.role)
            bars = riff_bars(riff.played, settings.quantize)
        except JamBridgeError as err:
            self._warn(f"the riff keeps its settings: {err}")
            return
        self.feed.update_riff(replace(riff, settings=settings, bars=bars))

    def _drop_riff(self, cmd: ctl.DropRiff, now: float) -> None:
        self.feed.drop_riff()

    def _latency(self, cmd: ctl.SetLatency, now: float) -> None:
        self.output.latency_s = cmd.ms / 1000

    def _panic(self, cmd: ctl.Panic, now: float) -> None:
        self._release_all(all_channels=True)

    def _port_lost(self, cmd: ctl.PortLost, now: float) -> None:
        if cmd.port == "output":
            self.output.port_ok = False  # reported already; nothing more is sent
        else:
            self._release_all(all_channels=True)  # the player's notes may never end: panic

    def _play(self, cmd: ctl.PlayInternal, now: float) -> None:
        self._drive(self.timing.play(now, (cmd.from_bar - 1) * TICKS_PER_BAR), now)

    def _stop(self, cmd: ctl.StopInternal, now: float) -> None:
        self._drive(self.timing.stop(now), now)

    def _set_bpm(self, cmd: ctl.SetBpm, now: float) -> None:
        self._drive(self.timing.set_bpm(cmd.bpm), now)

    def _drive(self, reply: ClockReply, now: float) -> None:
        """What the clock did with a transport command: send, then handle its events."""
        if reply.refused is not None:
            self._emit(LogLine("warning", reply.refused))
        for msg in reply.send:
            self.output.send(list(msg))
        for ev in reply.events:
            self._transport(ev, now)


_COMMANDS: dict[type, Callable[[Any, Any, float], None]] = {
    ctl.SetTrack: Steering._set_controls,
    ctl.SetPreset: Steering._set_controls,
    ctl.Regenerate: Steering._regenerate,
    ctl.Refill: Steering._refill,
    ctl.ArmCapture: Steering._arm,
    ctl.RetroCapture: Steering._retro,
    ctl.SetRiff: Steering._set_riff,
    ctl.DropRiff: Steering._drop_riff,
    ctl.SetLatency: Steering._latency,
    ctl.Panic: Steering._panic,
    ctl.PortLost: Steering._port_lost,
    ctl.PlayInternal: Steering._play,
    ctl.StopInternal: Steering._stop,
    ctl.SetBpm: Steering._set_bpm,
}
