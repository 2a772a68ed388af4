"""Look-ahead generation: bar N+1 is generated while bar N plays, in its own process.

A generator's Python work between model calls holds the GIL long enough to make a scheduler in
the same process late by milliseconds (FIELD-NOTES.md), so the bar source runs in a child
process (:class:`GeneratorProcess`, ``spawn`` start method, ``nice``-d below the scheduler) and
talks to the real-time thread over a pipe. Bars come back as plain tuples
(:mod:`jambridge.bridge.playback.timeline`), which pickle in microseconds.

The seam is :class:`BarSource`: anything with ``next_bar``, ``retract``, ``prompt`` and
``close``, built in the child by a factory named in :data:`SOURCES` (or any ``module:function``
string) from a picklable :class:`SourceSpec`. The procedural generator and the test pattern
live in :mod:`jambridge.bridge.playback.sources`; the model engine provides
``jambridge.engine.live:model_bar_source``.

Pipe protocol (parent -> child): ``("generate", id, BarRequest, replace)`` -- ``replace``
first retracts the last bar returned (it was never played); ``("prompt", id, bars, role,
retract_last)``; ``("stop",)``. Child -> parent: ``("ready", load_ms)``, ``("failed", text)``,
``("bar", id, PlainBar, gen_ms)``, ``("error", id, text)``, ``("prompted", id)``.

**A bounded window.** At most ``window`` messages are out with the child unanswered; the rest
wait in the parent (:mod:`~jambridge.bridge.playback.pending`), where a newer request replaces an
older one not sent yet. So the real-time thread never blocks in ``send``: a retro-capture button
pressed 100 times a second against a generator that makes 5 bars a second costs a few replaced
requests, not a pipe full of them that both processes wait on (the parent's send blocked while
the child's reply did).
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import select
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from jambridge.bridge.controls import Controls
from jambridge.bridge.playback.pending import PendingRequests
from jambridge.bridge.playback.timeline import PlainBar, bar_to_plain, plain_to_bar
from jambridge.errors import EngineError
from jambridge.music import Bar, Track

# engine name -> "module:function" of a factory taking a SourceSpec and returning a BarSource
SOURCES: dict[str, str] = {
    "procedural": "jambridge.bridge.playback.sources:procedural_source",
    "pattern": "jambridge.bridge.playback.sources:pattern_source",
    "model": "jambridge.engine.live:model_bar_source",
}
GENERATOR_NICE = 5  # the child runs at lower CPU priority than the scheduler's process
WINDOW = 2  # messages the child may have unanswered: the bar it makes and the next request


@dataclass(frozen=True)
class BarRequest:
    """What the next bar should be."""

    controls: Controls  # preset and per-track temperature/density (mute/solo play-side only)
    regenerate: frozenset[str] = frozenset()  # roles to draw afresh instead of continuing
    fixed: tuple[Track, ...] = ()  # tracks that will play as given (locked): context only


class BarSource(Protocol):
    """A stream of bars. Lives in the generator process; may be slow, never in the RT thread."""

    def next_bar(self, request: BarRequest) -> Bar:
        """The bar after the last one returned (and not retracted)."""
        ...

    def retract(self) -> None:
        """Forget the last bar returned: it will not be played (controls changed)."""
        ...

    def prompt(self, bars: Sequence[Bar], role: str) -> None:
        """The producer played ``bars`` (one track, ``role``): continue from them."""
        ...

    def close(self) -> None:
        """Release resources (model sessions, threads)."""
        ...


@dataclass(frozen=True)
class SourceSpec:
    """How to build the bar source in the generator process (picklable)."""

    engine: str = "procedural"  # a key of SOURCES, or "package.module:function"
    preset: str = "techno"  # preset name (the source resolves it)
    bpm: float = 128.0  # tempo hint for sources that shape parts by tempo
    seed: int = 0  # random seed; the same seed gives the same bars
    key: str | None = None  # "A minor" etc.; None: the preset's or the source's choice
    model: str | None = None  # model directory for engine "model"; None: the shipped default
    busy_ms: float = 0.0  # benchmarks only: extra CPU work per bar, like a slow model
    options: dict[str, Any] = field(default_factory=dict)  # engine-specific extras


def build_source(spec: SourceSpec) -> BarSource:
    """Import and call the factory ``spec.engine`` names."""
    target = SOURCES.get(spec.engine, spec.engine)
    if ":" not in target:
        raise EngineError(
            f"engine must be one of {', '.join(SOURCES)} or 'module:function', got {spec.engine!r}"
        )
    module_name, func_name = target.split(":", 1)
    try:
        factory = getattr(importlib.import_module(module_name), func_name)
    except (ImportError, AttributeError) as err:
        raise EngineError(f"bar source {spec.engine!r} ({target}) is not available: {err}") from err
    source = factory(spec)
    if spec.busy_ms > 0:
        from jambridge.bridge.playback.sources import BusySource

        source = BusySource(source, spec.busy_ms)
    return source


# -- the child process -------------------------------------------------------------------------


def _child_main(conn, spec: SourceSpec) -> None:
    """Generator process: build the source, then answer requests until told to stop."""
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(GENERATOR_NICE)
    t0 = time.perf_counter()
    try:
        source = build_source(spec)
    except Exception as err:  # reported to the parent, which raises it as EngineError
        conn.send(("failed", f"{type(err).__name__}: {err}"))
        return
    conn.send(("ready", (time.perf_counter() - t0) * 1000))
    try:
        _serve(conn, source)
    finally:
        source.close()


def _serve(conn, source: BarSource) -> None:
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        op = msg[0]
        if op == "stop":
            return
        if op == "generate":
            _, req_id, request, replace = msg
            t0 = time.perf_counter()
            try:
                if replace:
                    source.retract()
                bar = source.next_bar(request)
                reply = ("bar", req_id, bar_to_plain(bar), (time.perf_counter() - t0) * 1000)
            except Exception as err:  # a bad bar must not kill the jam: the parent repeats
                reply = ("error", req_id, f"{type(err).__name__}: {err}")
            conn.send(reply)
        elif op == "prompt":
            _, req_id, plain_bars, role, retract_last = msg
            try:
                if retract_last:
                    source.retract()
                source.prompt([plain_to_bar(b) for b in plain_bars], role)
            except Exception as err:  # the old riff plays on
                conn.send(("error", req_id, f"prompt: {type(err).__name__}: {err}"))
                continue
            conn.send(("prompted", req_id))


# -- the parent side ---------------------------------------------------------------------------


class GeneratorLink(Protocol):
    """What the scheduler needs from a generator (process or inline)."""

    def request(self, request: BarRequest, replace: bool) -> int: ...

    def prompt(self, bars: Sequence[PlainBar], role: str, retract_last: bool) -> None: ...

    def poll(self) -> list[tuple]: ...

    def close(self) -> None: ...


class GeneratorProcess:
    """The bar source in a child process. Methods are called from the scheduler thread only
    (after :meth:`start`, which the session calls before the thread runs); none blocks."""

    def __init__(
        self, spec: SourceSpec, ready_timeout_s: float = 120.0, window: int = WINDOW
    ) -> None:
        self.spec = spec
        self._ready_timeout_s = ready_timeout_s
        self.window = window  # messages the child may have unanswered
        self._ids = 0
        self._conn = None
        self._proc = None
        self._pending = PendingRequests()
        self._out: set[int] = set()  # ids sent and not answered
        self.load_ms: float | None = None
        self.dead = False

    def start(self) -> float:
        """Spawn the child and wait until its source is built; returns the load time in ms.

        Raises:
            EngineError: the source could not be built, or the child did not answer in time.
        """
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        self._proc = ctx.Process(
            target=_child_main, args=(child, self.spec), name="jambridge-generator", daemon=True
        )
        self._proc.start()
        child.close()
        self._conn = parent
        if not parent.poll(self._ready_timeout_s):
            self.close()
            raise EngineError(
                f"the bar source {self.spec.engine!r} did not start in {self._ready_timeout_s} s"
            )
        try:
            reply = parent.recv()
        except EOFError as err:
            self.close()
            raise EngineError(f"the generator process for {self.spec.engine!r} died") from err
        if reply[0] != "ready":
            self.close()
            raise EngineError(f"the bar source {self.spec.engine!r} failed to load: {reply[1]}")
        self.load_ms = reply[1]
        return self.load_ms

    def request(self, request: BarRequest, replace: bool) -> int:
        self._ids += 1
        self._pending.generate(self._ids, request, replace)
        self._flush()
        return self._ids

    def prompt(self, bars: Sequence[PlainBar], role: str, retract_last: bool) -> None:
        self._ids += 1
        self._pending.prompt(self._ids, tuple(bars), role, retract_last)
        self._flush()

    def _flush(self) -> None:
        """Send what waits, while the window has room (and the pipe takes it at once)."""
        while self._pending and len(self._out) < self.window and _writable(self._conn):
            msg = self._pending.pop()
            self._out.add(msg[1])
            self._send(msg)

    def _send(self, msg: tuple) -> None:
        if self.dead or self._conn is None:
            return
        try:
            self._conn.send(msg)
        except (OSError, EOFError):
            self.dead = True

    @property
    def coalesced(self) -> int:
        """Requests replaced before they were sent."""
        return self._pending.dropped

    def poll(self) -> list[tuple]:
        """Replies that have arrived (never blocks). A dead child yields one ("dead", text)."""
        out: list[tuple] = []
        if self.dead or self._conn is None:
            return out
        try:
            while self._conn.poll():
                reply = self._conn.recv()
                if reply[0] in ("bar", "error", "prompted"):
                    self._out.discard(reply[1])
                if reply[0] != "prompted":
                    out.append(reply)
        except (EOFError, OSError):
            self.dead = True
            out.append(("dead", "the generator process ended"))
        self._flush()
        return out

    def close(self) -> None:
        """Ask the child to stop, then make sure it is gone (within about a second: a child
        busy with a slow bar is terminated)."""
        if self._conn is not None and _writable(self._conn):
            with contextlib.suppress(OSError, EOFError):
                self._conn.send(("stop",))
        if self._proc is not None and self._proc.pid is not None:
            self._proc.join(timeout=0.4)
            for end in (self._proc.terminate, self._proc.kill):
                if not self._proc.is_alive():
                    break
                end()
                self._proc.join(timeout=0.4)
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._proc = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None


def _writable(conn) -> bool:
    """Will a send on ``conn`` (a pipe end) go through at once? (Assumed where there is no
    ``select`` for pipes: the window alone bounds what is in flight.)"""
    if conn is None or sys.platform == "win32":
        return conn is not None
    try:
        return bool(select.select([], [conn.fileno()], [], 0)[1])
    except (OSError, ValueError):
        return False


class InlineGenerator:
    """A BarSource run synchronously in the caller's thread, with the same interface as
    :class:`GeneratorProcess`. For tests and tools only: a heavy source here would make the
    real-time thread late. While ``hold`` is set, replies are held back (a late bar)."""

    def __init__(self, source: BarSource) -> None:
        self.source = source
        self._ids = 0
        self._replies: deque[tuple] = deque()
        self.hold = False  # hold replies back (simulates a slow source)
        self.requests: list[tuple[BarRequest, bool]] = []  # every request seen, for tests
        self.prompts: list[tuple[tuple[PlainBar, ...], str]] = []

    def request(self, request: BarRequest, replace: bool) -> int:
        self._ids += 1
        self.requests.append((request, replace))
        if replace:
            self.source.retract()
        try:
            reply = ("bar", self._ids, bar_to_plain(self.source.next_bar(request)), 0.0)
        except Exception as err:
            reply = ("error", self._ids, f"{type(err).__name__}: {err}")
        self._replies.append(reply)
        return self._ids

    def prompt(self, bars: Sequence[PlainBar], role: str, retract_last: bool) -> None:
        if retract_last:
            self.source.retract()
        self.prompts.append((tuple(bars), role))
        self.source.prompt([plain_to_bar(b) for b in bars], role)

    def poll(self) -> list[tuple]:
        if self.hold:
            return []
        out = list(self._replies)
        self._replies.clear()
        return out

    def close(self) -> None:
        self.source.close()
