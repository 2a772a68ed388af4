"""JACK's clock against ours: the time of a frame, for the JACK-Client ports
(:mod:`~jambridge.bridge.io.jack_ports`).

JACK's cycle times are in its own microseconds (``jack_get_time``), a fixed offset from our
monotonic clock on Linux; :class:`JackTime` measures it (and again every second, in case the
clocks drift) outside the process callback. :class:`FrameLine` maps a cycle's frames to JACK's
microseconds, one line for the whole process (one JACK server per process).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import time
from collections.abc import Iterator
from typing import Any

from jambridge.errors import PortError

RESYNC_S = 1.0  # how often the JACK-to-monotonic offset is measured again


_LIBJACK_LOG = logging.getLogger("jambridge.libjack")


def load_jack() -> Any:
    """The ``jack`` module (JACK-Client), or a PortError when libjack cannot load."""
    try:
        import jack
    except (ImportError, OSError) as err:
        raise PortError(f"JACK-Client cannot load libjack: {err}") from err
    return jack


def close_client(client: Any) -> None:
    """Deactivate and close a JACK-Client client; one whose server is gone closes quietly."""
    try:
        client.deactivate()
        client.close()
    except Exception:
        pass


@contextlib.contextmanager
def libjack_quiet() -> Iterator[None]:
    """While a client opens, libjack's own messages ("Cannot connect to server socket", "Client
    name ... conflits", ...) go to the ``jambridge.libjack`` logger (debug) instead of stderr:
    what they mean reaches the user as one line of ours. Only then: a Python callback would
    otherwise run in libjack's real-time threads when they print."""
    jack = load_jack()
    jack.set_error_function(_LIBJACK_LOG.debug)
    jack.set_info_function(_LIBJACK_LOG.debug)
    try:
        yield
    finally:
        jack.set_error_function(None)
        jack.set_info_function(None)


class FrameLine:
    """A smooth line from JACK frames to JACK's microseconds, shared by this process's ports.

    JACK's cycle times come from a delay-locked loop on the driver's wake-ups; a dummy or busy
    driver wakes with a jitter of tens of microseconds, and a time mapped to a frame through one
    cycle's values inherits it (measured here: pulses of our own clock 931-939 frames apart for
    937.5 at period 256). This second, slower loop (phase gain :data:`PHASE_GAIN` per cycle,
    rate gain a quarter of its square: critically damped) follows JACK's cycle start times with
    its own rate, so neighbouring events keep their distance to the frame. Every port of the
    process reads the same line (they are on one server), so what the input stamps and what the
    output places agree. A jump of more than :data:`RESET_PERIODS` periods (a new server, a
    frame counter that restarted) starts over.
    """

    PHASE_GAIN = 0.01
    SMOOTH = False  # off: under hundreds of xruns the slow line drifted (a kept riff 15 -> 30 ms
    # late in bench.jam); JACK's own values give a steady offset instead. On: pulse intervals of
    # our own clock within 0.5 frame at periods 256 and 1,024 (bench.master)
    RESET_PERIODS = 4.0

    def __init__(self) -> None:
        self._frame: int | None = None  # first frame of the newest cycle seen
        self._usecs = 0.0  # its time on the line
        self._rate = 0.0  # microseconds per frame
        self._xrun = False  # an xrun happened: start over from JACK's own values

    def mark_xrun(self) -> None:
        """An xrun: the driver's clock and JACK's frame timer jump; the next cycle starts the
        line over (a slow line would otherwise trail the jump for seconds: notes drifted up to
        58 ms late under hundreds of xruns)."""
        self._xrun = True

    def update(self, frame: int, usecs: float, next_usecs: float, frames: int) -> float:
        """A cycle's values from JACK; returns the line's time of ``frame`` (microseconds)."""
        if not self.SMOOTH:
            self._frame, self._usecs, self._rate = frame, usecs, (next_usecs - usecs) / frames
            return usecs
        last = self._frame
        if last is None or frame < last or self._xrun:
            self._xrun = False
            return self._reset(frame, usecs, (next_usecs - usecs) / frames)
        if frame == last:
            return self._usecs
        predicted = self._usecs + (frame - last) * self._rate
        error = usecs - predicted
        if abs(error) > self.RESET_PERIODS * frames * self._rate:
            return self._reset(frame, usecs, (next_usecs - usecs) / frames)
        gain = self.PHASE_GAIN
        self._rate += gain * gain / 4 * error / frames
        self._frame, self._usecs = frame, predicted + gain * error
        return self._usecs

    def _reset(self, frame: int, usecs: float, rate: float) -> float:
        self._frame, self._usecs, self._rate = frame, usecs, rate
        return usecs

    @property
    def usecs_per_frame(self) -> float:
        return self._rate


LINE = FrameLine()  # the process's line (one JACK server per process)


class JackTime:
    """JACK's clock (``jack_get_time``, cycle times) against our monotonic clock."""

    def __init__(self, client: Any) -> None:
        jack = load_jack()
        self.frames = client.blocksize  # frames per cycle
        lib = ctypes.CDLL(jack._libname)  # the library JACK-Client loaded: one state
        lib.jack_get_time.restype = ctypes.c_uint64
        lib.jack_get_cycle_times.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_uint32),
            ctypes.POINTER(ctypes.c_uint64),
            ctypes.POINTER(ctypes.c_uint64),
            ctypes.POINTER(ctypes.c_float),
        ]
        lib.jack_get_cycle_times.restype = ctypes.c_int
        self._lib = lib
        self._client = ctypes.c_void_p(int(jack._ffi.cast("uintptr_t", client._ptr)))
        self._frames = ctypes.c_uint32()
        self._usecs = ctypes.c_uint64()
        self._next = ctypes.c_uint64()
        self._period = ctypes.c_float()
        self.offset_us = 0.0  # jack_get_time() - monotonic() * 1e6
        self._measured = -1e9
        self.resync()

    def resync(self) -> None:
        """Measure the offset: the closest of a few bracketed reads."""
        best: tuple[float, float] | None = None
        for _ in range(5):
            a = time.monotonic()
            j = float(self._lib.jack_get_time())
            b = time.monotonic()
            if best is None or b - a < best[0]:
                best = (b - a, j - (a + b) * 5e5)
        assert best is not None
        self.offset_us = best[1]
        self._measured = time.monotonic()

    def maybe_resync(self, now: float) -> None:
        if now - self._measured >= RESYNC_S:
            self.resync()

    def cycle(self) -> tuple[int, float, float] | None:
        """(first frame, its time, the next cycle's time) of the current cycle, times on our
        clock in seconds; None if JACK has none (not running)."""
        if self._lib.jack_get_cycle_times(
            self._client,
            ctypes.byref(self._frames),
            ctypes.byref(self._usecs),
            ctypes.byref(self._next),
            ctypes.byref(self._period),
        ):
            return None
        frame, usecs, next_usecs = self._frames.value, self._usecs.value, self._next.value
        if next_usecs <= usecs:
            return None
        start = LINE.update(frame, usecs, next_usecs, self.frames)
        off = self.offset_us
        end = start + self.frames * LINE.usecs_per_frame
        return frame, (start - off) / 1e6, (end - off) / 1e6
