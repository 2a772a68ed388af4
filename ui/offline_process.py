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
message). A child that dies during a call, or takes over :data:`CALL_TIMEOUT_S` (then it is
killed), is an :class:`~jambridge.errors.EngineError`; one that died between calls is replaced
before the next. :meth:`OfflineProcess.close` kills it, a call under way too (the window does
so as it closes: quitting never waits for a generation). No Qt here: the window calls it
from its engine worker thread, which waits for the answer without holding the GIL.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from jambridge.bridge.playback.streaming import lower_priority
from jambridge.errors import EngineError

T = TypeVar("T")


CALL_TIMEOUT_S = 300.0  # a call this long means a hung child: it is ended (64 bars take ~3 s)
STOPPED = "the generation process stopped unexpectedly; generate again to restart it"


def _child_init() -> None:
    """In the child, before any call: below the app in CPU priority, and Ctrl-C in the
    terminal is the app's to handle (the child ends with it). SIGINT came blocked from the
    parent (:func:`_sigint_blocked`), so a Ctrl-C while the child started is dropped here."""
    lower_priority()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread while it may spawn the child: the child inherits the mask
    through exec, so a Ctrl-C during its start-up is no KeyboardInterrupt traceback there."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _end(pool: ProcessPoolExecutor) -> None:
    """Kill ``pool``'s child (SIGKILL: it holds nothing to save, and a stopped one dies too),
    then let the pool go (its shutdown forgets the child); a call waiting on it gets
    BrokenProcessPool or CancelledError."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


class OfflineProcess:
    """One child process that runs offline generation calls, one at a time, in order."""

    def __init__(self, timeout_s: float = CALL_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
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

    def _submit(self, fn: Callable[..., T], args: tuple) -> tuple[ProcessPoolExecutor, Future]:
        """Hand the call over; a child that died since the last call is replaced first."""
        for _ in range(2):
            pool = self._executor()
            try:
                with _sigint_blocked():
                    return pool, pool.submit(fn, *args)
            except BrokenProcessPool:  # it died between calls (killed, out of memory)
                self._drop(pool)
        raise EngineError(STOPPED)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the child; its result, or what it raised.

        Raises:
            EngineError: the child died or was ended during the call, or took over
                :attr:`timeout_s` (then it is ended); the next call starts a fresh one.
            Exception: whatever ``fn`` raised in the child.
        """
        pool, future = self._submit(fn, args)
        try:
            return future.result(timeout=self.timeout_s)
        except BrokenProcessPool as err:
            self._drop(pool)
            raise EngineError(STOPPED) from err
        except CancelledError as err:
            raise EngineError("the generation was stopped") from err
        except TimeoutError as err:
            self._forget(pool)
            _end(pool)
            raise EngineError(
                f"the generation took over {self.timeout_s:g} s and was stopped; try again"
            ) from err

    def _forget(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None

    def _drop(self, pool: ProcessPoolExecutor) -> None:
        """Let a broken pool go (its child is dead already)."""
        self._forget(pool)
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """End the child now, a call under way too (its caller gets an EngineError)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            _end(pool)


OFFLINE = OfflineProcess()  # the app's one generation process
atexit.register(OFFLINE.close)
