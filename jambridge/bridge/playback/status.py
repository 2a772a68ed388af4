"""What other threads may know of the real-time thread: a frozen :class:`StatusSnapshot`.

The scheduler builds one at the end of every turn and publishes it by one reference swap
(``Scheduler.snapshot``); any thread reads the newest whole, never half of one, and never the
scheduler's own objects. :func:`bridge_status` turns it into the
:class:`~jambridge.bridge.events.BridgeStatus` the CLI and the app show.

The recent events' lateness is the one costly field (a few thousand numbers): it is copied at
most every ``lateness_every_s``, and the reader sorts it for the 99th percentile.
"""

from __future__ import annotations

from typing import NamedTuple

from jambridge.bridge.controls import Controls
from jambridge.bridge.events import BridgeStatus, RiffInfo
from jambridge.bridge.timing.protocol import ClockView
from jambridge.bridge.timing.transport import Position


class StatusSnapshot(NamedTuple):
    """The real-time thread's state as published at the end of a turn (a NamedTuple: built
    every turn, it must be cheap to build)."""

    t_s: float  # when, on the scheduler's clock
    clock: ClockView  # sync, tempo and how the clock shows itself
    playing: bool  # the transport rolls
    tick: float  # song position (ticks)
    gen_ms_last: float | None  # generation time of the newest bar
    gen_ms_max: float | None  # slowest of the recent bars
    underruns: int  # bar lines that found no new bar
    bar_ready: bool  # a generated bar waits for its bar line
    generator_dead: bool  # the generator is gone: bars repeat
    generator_errors: int  # bars the source failed to make
    lateness_s: tuple[float, ...]  # recent events' lateness on our side of the port
    late_max_s: float  # the latest any event went
    open_notes: int
    notes_on: int
    notes_off: int
    capture_armed: bool
    latency_s: float  # notes go out this much before their time
    port_ok: bool  # the output port takes messages
    realtime: bool  # the thread got real-time scheduling
    controls: Controls
    riff: RiffInfo | None  # the riff playing
    ducked: str | None  # the role kept silent while a capture into it is armed or runs

    @property
    def first_bar_settled(self) -> bool:
        """The first bar is there, or will not come (the generator failed or is gone)."""
        return self.bar_ready or self.generator_dead or self.generator_errors > 0


def bridge_status(snap: StatusSnapshot, port_lost: bool = False) -> BridgeStatus:
    """The status line's values from a snapshot (``port_lost``: the session lost its JACK
    server and waits for it: nothing plays)."""
    sync, bpm, playing = snap.clock.sync, snap.clock.bpm, snap.playing
    if port_lost:
        sync, bpm, playing = "port lost", None, False
    pos = Position.from_ticks(snap.tick)
    late = sorted(snap.lateness_s)
    return BridgeStatus(
        sync=sync,
        playing=playing,
        bpm=bpm,
        bar=pos.bar,
        beat=pos.beat,
        clock=snap.clock.name,
        gen_ms_last=snap.gen_ms_last,
        gen_ms_max=snap.gen_ms_max,
        underruns=snap.underruns,
        late_p99_ms=1000 * late[int(0.99 * (len(late) - 1))] if late else 0.0,
        late_max_ms=1000 * snap.late_max_s,
        open_notes=snap.open_notes,
        notes_on=snap.notes_on,
        notes_off=snap.notes_off,
        ignored_input=snap.clock.ignored_input,
        capture_armed=snap.capture_armed,
        latency_ms=1000 * snap.latency_s,
        generator_ok=not snap.generator_dead and snap.port_ok,
        realtime=snap.realtime,
        follows_pulses=snap.clock.follows_pulses,
        controls=snap.controls,
        riff=snap.riff,
        ducked=snap.ducked,
    )
