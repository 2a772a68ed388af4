"""The app's offline generation, run in a process of its own so that the bridge's real-time
work in the app's process never waits for it.

The bridge's JACK callbacks and its real-time thread live in the app's process and need the
GIL for every cycle. Generation in a thread of that process holds the GIL in stretches the
switch interval cannot cut (imports and the model's load at the first generation, the model's
calls): measured with a thread that sleeps 1 ms, a first generation held it for up to 17.6 ms
and later ones for 3-5 ms, against a JACK period of 5.3 ms at 256 frames. In
``python -m jambridge.bench.timing_app`` (the app streaming, a generation every 4 s) the JACK
clients missed cycles at each run's first generation and the DAW lost 2-8 of ~1,660 events in
about one run of three; without the generations, none. Through this process the same thread
waited 0.5-2.8 ms at most: the CPU's share (2 cores), not the GIL. The live bridge's generator
has had its own process from the start (:mod:`jambridge.bridge.playback.streaming`); this
does the same for the window's Generate, track regeneration and bar infill.

:class:`OfflineProcess` runs a module-level function of :mod:`jambridge.ui.offline` in one
``spawn``-ed child (``nice``-d like the live generator, deaf to Ctrl-C: the app decides when
it ends), started at the first call and kept for the next: a first generation took 553 ms
with the spawn (405 ms in a thread), the next ones ~300 ms either way. Arguments and results
pickle (requests, presets, prompts and songs are plain dataclasses). An error raised in the
child comes back as itself (a :class:`~jambridge.errors.JamBridgeError` shows as its
message); a child that dies is an :class:`~jambridge.errors.EngineError`, and the next call
starts a fresh one. No Qt here: the window calls it from its engine worker thread, which waits
for the answer without holding the GIL.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from jambridge.bridge.playback.streaming import GENERATOR_NICE
from jambridge.errors import EngineError

T = TypeVar("T")


def _child_init() -> None:
    """In the child, before any call: below the app in CPU priority, and Ctrl-C in the
    terminal is the app's to handle (the child ends with it)."""
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(GENERATOR_NICE)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class OfflineProcess:
    """One child process that runs offline generation calls, one at a time, in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_child_init,
                )
            return self._pool

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the child; its result, or what it raised.

        Raises:
            EngineError: the child died (it is replaced at the next call).
            Exception: whatever ``fn`` raised in the child.
        """
        pool = self._executor()
        try:
            return pool.submit(fn, *args).result()
        except BrokenProcessPool as err:
            self._drop(pool)
            raise EngineError(
                "the generation process stopped unexpectedly; generate again to restart it"
            ) from err

    def _drop(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """End the child (a call under way is abandoned; waiting callers get an EngineError)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)


OFFLINE = OfflineProcess()  # the app's one generation process
atexit.register(OFFLINE.close)
