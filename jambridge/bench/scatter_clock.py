"""A MIDI clock whose pulses scatter around a known, steady grid: a DAW's clock seen through a
driver, the jitter that the follower's fitted-tempo mode is for.

``jack_midi_clock -J`` makes another kind of jitter: each *interval* errs and the errors add up,
so its pulses wander (13 ms from any line within 8 s at 90 BPM) and there is no ideal grid to
measure against. Here pulse ``k`` goes out at frame ``F0 + k * P + e_k``, ``e_k`` uniform in
+-``jitter_pct`` % of the pulse interval ``P`` and independent of the others; the grid ``F0 + k *
P`` is known exactly, so a note's error against it is measured, not estimated.

A JACK client of this process (JACK-Client) writing each pulse at its frame from the process
callback: the frames are exact whatever the callback's wake-up. Start goes out half a pulse
before pulse 0 (the first beat), Stop with :meth:`stop`; pulses run on after Stop, as a DAW's do.
Used by :mod:`jambridge.bench.timing`. Not run on its own.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from jambridge.bridge.io.jack_time import close_client
from jambridge.errors import PortError

PPQN = 24
START, STOP, PULSE = b"\xfa", b"\xfc", b"\xf8"


class ScatterClock:
    """The clock master on ``port`` (see the module docstring). Use as a context manager."""

    def __init__(self, bpm: float, jitter_pct: float, seed: int = 1, name: str = "scatter-clock"):
        try:
            import jack
        except (ImportError, OSError) as err:
            raise PortError(f"JACK-Client cannot load libjack: {err}") from err
        self._client = jack.Client(name, no_start_server=True)
        self._out = self._client.midi_outports.register("out")
        self.port = f"{self._client.name}:out"
        self.rate = self._client.samplerate
        self.pulse_frames = self.rate * 60.0 / (bpm * PPQN)  # P
        self.jitter_pct = jitter_pct
        self._rng = random.Random(seed)
        self.f0: float | None = None  # the grid's pulse 0 (server frames), once started
        self._armed = threading.Event()
        self._stop_frame: int | None = None
        self._pulse = 0  # the next pulse to write
        self._next = 0  # its frame
        self._start_at: int | None = None  # Start's frame until it is written
        self._client.set_process_callback(self._process)
        self._client.activate()

    def play(self) -> None:
        """Start on the cycle after next: Start, then pulse 0 half a pulse later."""
        self._armed.set()

    def stop(self) -> None:
        """Stop goes out on the next cycle; the pulses go on."""
        self._stop_frame = -1

    def grid_error(self, frame: float) -> tuple[int, float]:
        """(the grid pulse nearest to ``frame``, ``frame``'s distance from it in frames)."""
        if self.f0 is None:
            raise PortError("the scatter clock has not started")
        k = round((frame - self.f0) / self.pulse_frames)
        return k, frame - (self.f0 + k * self.pulse_frames)

    def _scattered(self, k: int) -> int:
        shift = self._rng.uniform(-1.0, 1.0) * self.jitter_pct / 100.0 * self.pulse_frames
        assert self.f0 is not None
        return round(self.f0 + k * self.pulse_frames + shift)

    def _process(self, frames: int) -> None:
        out = self._out
        out.clear_buffer()
        first = self._client.last_frame_time
        end = first + frames
        if self.f0 is None:
            if self._armed.is_set():
                self.f0 = first + 2 * frames + self.pulse_frames / 2
                self._next = self._scattered(0)
                self._start_at = round(self.f0 - self.pulse_frames / 2)
            return
        last = 0  # JACK takes a cycle's events in time order
        if self._stop_frame == -1:
            out.write_midi_event(0, STOP)
            self._stop_frame = first
        if self._start_at is not None and self._start_at < end:
            last = max(0, self._start_at - first)
            out.write_midi_event(last, START)
            self._start_at = None
        while self._next < end:
            offset = max(last, self._next - first)
            out.write_midi_event(offset, PULSE)
            last = offset
            self._pulse += 1
            self._next = self._scattered(self._pulse)

    def close(self) -> None:
        close_client(self._client)

    def __enter__(self) -> ScatterClock:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
