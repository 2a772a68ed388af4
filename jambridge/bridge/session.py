"""BridgeSession: the one object the CLI and the app drive.

It opens the ports, starts the generator process and the real-time thread, and gives a plain
API: start/stop, steering (applied at the next bar line), captures, a status snapshot and
events. Threads and processes it runs:

* the real-time thread (:class:`~jambridge.bridge.playback.scheduler.Scheduler`), which it talks
  to only by posting commands and reading the snapshot that thread publishes,
* the generator process (:class:`~jambridge.bridge.playback.streaming.GeneratorProcess`),
* a dispatcher thread (:mod:`~jambridge.bridge.dispatch`): the scheduler's events to the log, the
  disk (captures) and the app; ports watched; a JACK server that went away reconnected
  (:mod:`~jambridge.bridge.io.reconnect`).

While a session runs, the GIL is handed over within half a millisecond and the garbage
collector leaves the objects that were there at the start alone (:mod:`~jambridge.bridge.gil`):
the real-time thread and the JACK callbacks wait for it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jambridge.bridge import controls as ctl
from jambridge.bridge.capture import CaptureWriter
from jambridge.bridge.ccmap import CcMap
from jambridge.bridge.events import (
    BridgeEvent,
    BridgeStatus,
)
from jambridge.bridge.gil import GilTuning
from jambridge.bridge.io.opening import PortWatch, new_watch, open_input, open_output
from jambridge.bridge.io.ports import InPort, OutPort, choose_api
from jambridge.bridge.io.reconnect import JackReconnect
from jambridge.bridge.playback.bar_source import SourceSpec
from jambridge.bridge.playback.lookahead import BarFeed
from jambridge.bridge.playback.scheduler import Scheduler, SchedulerConfig
from jambridge.bridge.playback.status import bridge_status
from jambridge.bridge.playback.streaming import GeneratorLink, GeneratorProcess
from jambridge.bridge.timing.clock import ClockFollower
from jambridge.bridge.timing.internal_clock import InternalClock
from jambridge.bridge.timing.link_clock import AalinkSession, LinkClock
from jambridge.bridge.timing.protocol import Timing
from jambridge.bridge.timing.timebase import Clock, MonotonicClock
from jambridge.bridge.timing.transport import BPM_RANGE
from jambridge.errors import JamBridgeError
from jambridge.live_options import CLOCK_MODES, DEFAULTS, FALLBACK_ENGINE
from jambridge.music import ROLES
from jambridge.preset import Preset, load_preset
from jambridge.riff.settings import RiffSettings

log = logging.getLogger("jambridge.bridge")
_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
FIRST_BAR_POLL_S = 0.005  # start() looks this often whether the first bar is there
# clock mode (BridgeConfig.clock) -> the Timing it plays to, made from the tempo
_CLOCKS: dict[str, Callable[[float], Timing]] = {
    "external": lambda bpm: ClockFollower(),  # the DAW's tempo is measured, not given
    "internal": InternalClock,
    "link": lambda bpm: LinkClock(AalinkSession(bpm)),  # Link goes on the network only here
}


@dataclass(frozen=True)
class BridgeConfig:
    """How to run the bridge: the user's settings (defaults from :class:`~jambridge.live_options.
    LiveOptions`, whose ``to_bridge_config`` makes one) and the bridge's own knobs."""

    midi_api: str = DEFAULTS.midi_api  # auto, alsa, jack, coremidi or winmm
    in_port: str | None = None  # existing input port to connect to; None: virtual "JamBridge In"
    out_port: str | None = None  # existing output port; None: virtual "JamBridge Out"
    clock: str = DEFAULTS.clock  # follow the DAW's clock, or "internal": be the master
    bpm: float | None = DEFAULTS.bpm  # internal clock tempo; None: the preset's
    preset: str = DEFAULTS.preset  # preset name or path
    engine: str = FALLBACK_ENGINE  # procedural, model, pattern, module:function (not auto: resolve)
    model: str | None = None  # model directory for the model engine; None: the shipped one
    seed: int = DEFAULTS.seed  # generation seed
    latency_ms: float = DEFAULTS.latency_ms  # send notes this much early (negative: late)
    channels: Mapping[str, int] | None = None  # role -> 0-based channel; None: the preset's
    ccmap: str | None = None  # CC map JSON file; None: the defaults (see ccmap.py)
    capture_dir: str | None = None  # where captures go; None: the platform data folder
    retro_bars: int = 8  # bars the retro capture remembers
    switch_interval_s: float = 0.0005  # GIL hand-over interval while the session runs
    rt_priority: int = 20  # highest SCHED_FIFO priority of the real-time thread (allowed); 0: off
    event_queue_size: int = 256  # events kept for a reader of .events before dropping
    first_bar_timeout_s: float = 10.0  # start() waits this long for the first generated bar
    reconnect_s: float = 1.0  # JACK server gone: look for it again this often

    def __post_init__(self) -> None:
        if self.clock not in CLOCK_MODES:
            raise JamBridgeError(
                f"clock must be one of {', '.join(CLOCK_MODES)}, got {self.clock!r}"
            )
        if self.bpm is not None and not BPM_RANGE[0] <= self.bpm <= BPM_RANGE[1]:
            raise JamBridgeError(
                f"bpm must be in range {BPM_RANGE[0]:g}..{BPM_RANGE[1]:g}, got {self.bpm}"
            )
        ctl.SetLatency(self.latency_ms)  # validates the range
        if self.channels is not None:
            ctl.check_channels(self.channels)


def controls_from_preset(preset: Preset, name: str) -> ctl.Controls:
    """Initial steering from a preset: per-track temperature, density, polyphony, duration,
    groove and swing; disabled = muted."""
    tracks = tuple(
        ctl.TrackControls(
            role=r,
            temperature=min(preset.track_temperature(r), ctl.TEMPERATURE_RANGE[1]),
            density=preset.tracks[r].density,
            mute=not preset.tracks[r].enabled,
            poly=preset.tracks[r].controls.get("poly"),
            dur=preset.tracks[r].controls.get("dur") if r != "drums" else None,
            groove=preset.tracks[r].groove,
            swing=preset.tracks[r].swing,
        )
        for r in ROLES
    )
    return ctl.Controls(preset=name, tracks=tracks)


class BridgeSession(JackReconnect):
    """Runs the bridge. Use as a context manager, or call :meth:`start` and :meth:`stop`.

    ``out_port``, ``in_port``, ``generator`` and ``clock`` replace the real ones (tests, tools).
    """

    def __init__(
        self,
        config: BridgeConfig | None = None,
        *,
        on_event: Callable[[BridgeEvent], None] | None = None,
        out_port: OutPort | None = None,
        generator: GeneratorLink | None = None,
        clock: Clock | None = None,
        connect_input: bool = True,
    ) -> None:
        self.config = config or BridgeConfig()
        self.on_event = on_event
        self.events: queue.Queue = queue.Queue(maxsize=self.config.event_queue_size)
        self.clock = clock or MonotonicClock()
        self._out = out_port
        self._in: InPort | None = None
        self._generator = generator
        self._generator_pid: int | None = None  # read at start, before the thread owns the link
        self._connect_input = connect_input
        self.scheduler: Scheduler | None = None
        self.api: str | None = None
        self.preset: Preset | None = None
        self._dispatcher: threading.Thread | None = None
        self._running = False
        self._gil = GilTuning(self.config.switch_interval_s)
        self.captures: list[Path] = []
        folder = Path(self.config.capture_dir) if self.config.capture_dir else None
        self.capture_writer = CaptureWriter(folder)  # the dispatcher's (then stop()'s) alone
        self._reported_lost: set[str] = set()
        self._watch: PortWatch | None = None  # JACK, ports opened here: hears the server go
        self._port_lost = False  # the JACK server went away; reconnecting (see JackReconnect)
        self._next_probe = 0.0
        self._answers = 0  # probes in a row a JACK server answered
        self._written_closed: int | None = None  # events written by output ports now closed

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> BridgeSession:
        """Open ports, load the source, start the threads. Raises JamBridgeError subclasses."""
        cfg = self.config
        self.preset = load_preset(cfg.preset)
        bpm = cfg.bpm or self.preset.bpm
        ccmap = CcMap.load(cfg.ccmap) if cfg.ccmap else CcMap()
        channels = dict(cfg.channels or {r: self.preset.tracks[r].channel - 1 for r in ROLES})
        ctl.check_channels(channels)  # the preset's own may collide
        self._gil.enter()  # before any JACK client opens: its collection holds the GIL ~12 ms
        try:
            if self._out is None or self._connect_input:  # a port to open: on which API?
                api = self.api = choose_api(cfg.midi_api)
                if self._out is None:
                    self._watch = new_watch(api)
                    self._out = open_output(api, cfg.out_port, self._watch)
            if self._generator is None:
                spec = SourceSpec(
                    engine=cfg.engine,
                    preset=cfg.preset,
                    bpm=bpm,
                    seed=cfg.seed,
                    model=cfg.model,
                )
                process = GeneratorProcess(spec)
                self._generator = process
                process.start()
            feed = BarFeed(self._generator, controls_from_preset(self.preset, cfg.preset))
            timing = _CLOCKS[cfg.clock](bpm)
            sched_cfg = SchedulerConfig(
                latency_ms=cfg.latency_ms,
                channels=channels,
                retro_bars=cfg.retro_bars,
                rt_priority=cfg.rt_priority,
            )
            if self._connect_input and self.api is not None:
                self._in = open_input(self.api, cfg.in_port, self._watch)
            self.scheduler = Scheduler(
                self._out, self.clock, feed, timing, sched_cfg, ccmap, midi_in=self._in
            )
        except BaseException:
            self._close_io()
            self._gil.leave()
            raise
        self._generator_pid = getattr(self._generator, "pid", None)
        self._running = True
        self.scheduler.start()
        self._dispatcher = threading.Thread(
            target=self._dispatch, args=(self.scheduler,), name="jambridge-dispatcher", daemon=True
        )
        self._dispatcher.start()
        self._wait_first_bar(self.scheduler, cfg.first_bar_timeout_s)
        return self

    def _wait_first_bar(self, scheduler: Scheduler, timeout_s: float) -> None:
        """Return when the first bar is generated (so a Start right away finds it), or after
        ``timeout_s`` on the session's clock (then bar 1 repeats nothing: an underrun, logged).
        Reads the published snapshot only."""
        end = self.clock.now() + timeout_s
        while not scheduler.snapshot.first_bar_settled and self.clock.now() < end:
            time.sleep(FIRST_BAR_POLL_S)

    def stop(self) -> None:
        """End every note, stop the threads and the generator, close the ports. Idempotent."""
        self._running = False  # the dispatcher first: it may restart the real-time thread
        if self._dispatcher is not None:
            self._dispatcher.join(timeout=5.0)
            self._dispatcher = None
        if self.scheduler is not None:
            self.scheduler.stop()
            self.scheduler.timing.close()  # the thread is done with it (Link leaves the session)
            self._drain_events()
            self._last_capture_try()
        self._close_io()
        self._gil.leave()

    def _close_io(self) -> None:
        self._close_ports()
        if self._generator is not None:
            self._generator.close()
            self._generator = None
        self._close_out()

    def __enter__(self) -> BridgeSession:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- steering (all applied at the next bar line) ---------------------------------------------

    def set_track(self, role: str, **changes) -> None:
        """Change temperature, density, mute, solo or lock of one track."""
        self._post(ctl.SetTrack(role, **changes))

    def set_preset(self, name: str) -> None:
        """Switch preset from the next bar line, with its temperature and density per track."""
        preset = load_preset(name)  # fail here, clearly, rather than in the generator
        self._post(ctl.SetPreset(name, controls_from_preset(preset, name).tracks))

    def regenerate(self, role: str) -> None:
        self._post(ctl.Regenerate(role))

    def refill(self, role: str, bars: int = 2) -> None:
        """Draw the next ``bars`` bars of ``role`` afresh; its riff or lock then plays on."""
        self._post(ctl.Refill(role, bars))

    def arm_capture(
        self, bars: int = 2, role: str = "bass", channel: int | None = None,
        riff: RiffSettings = ctl.LIVE_RIFF, duck: bool = True,
    ) -> None:  # fmt: skip
        """Record the next ``bars`` bars from the next bar line into ``role``; the riff plays as
        ``riff`` says from the bar line it ends on (``duck``: ``role`` silent until then)."""
        self._post(ctl.ArmCapture(bars, role, channel, riff, duck))

    def retro_capture(
        self, bars: int = 2, role: str = "bass", channel: int | None = None,
        riff: RiffSettings = ctl.LIVE_RIFF,
    ) -> None:  # fmt: skip
        """Take the last ``bars`` bars heard into ``role``; the riff plays from the next bar
        line."""
        self._post(ctl.RetroCapture(bars, role, channel, riff))

    def set_riff(self, **changes: Any) -> None:
        """Change how the riff playing plays (mode, amount, kind, return_every, quantize,
        drumify; see :class:`~jambridge.bridge.controls.SetRiff`) from the next bar line."""
        self._post(ctl.SetRiff(**changes))

    def drop_riff(self) -> None:
        """The riff stops from the next bar line; the model plays its role freely again."""
        self._post(ctl.DropRiff())

    def set_latency(self, ms: float) -> None:
        self._post(ctl.SetLatency(ms))

    def panic(self) -> None:
        self._post(ctl.Panic())

    def play(self, from_bar: int = 1) -> None:
        """Internal clock: play from ``from_bar`` after a bar of count-in; Link: start the
        session (a MIDI clock we follow refuses, with a warning)."""
        self._post(ctl.PlayInternal(from_bar))

    def set_bpm(self, bpm: float) -> None:
        """Internal clock: tempo."""
        self._post(ctl.SetBpm(bpm))

    # -- reading ---------------------------------------------------------------------------------

    def status(self) -> BridgeStatus:
        """The status line's values, from the snapshot the real-time thread published last
        (at most a turn of its loop old)."""
        if self.scheduler is None:
            raise JamBridgeError("the bridge is not running")
        return bridge_status(self.scheduler.snapshot, self._port_lost)

    @property
    def generator_pid(self) -> int | None:
        return self._generator_pid

    # -- the dispatcher thread -------------------------------------------------------------------

    def _dispatch(self, scheduler: Scheduler) -> None:
        """The dispatcher thread (see :mod:`~jambridge.bridge.dispatch`)."""
        ticks = 0
        retry_at = 0.0
        while self._running:
            try:
                event: BridgeEvent | None = scheduler.events.get(timeout=0.2)
            except queue.Empty:
                event = None
            if event is not None:
                self._handle(event)
            ticks += 1
            self._watch_jack()
            if ticks % 5 == 0:
                self._watch_ports()
            if self.capture_writer.unsaved and time.monotonic() >= retry_at:
                retry_at = time.monotonic() + CaptureWriter.RETRY_S
                self._save_captures(say_failure=False)
        self._drain_events()
