"""Look-ahead generation: bar N+1 is generated while bar N plays, in its own process.

A generator's Python work between model calls holds the GIL long enough to make a scheduler in
the same process late by milliseconds (FIELD-NOTES.md), so the bar source
(:mod:`~jambridge.bridge.playback.bar_source`) runs in a child process
(:class:`GeneratorProcess`, ``spawn`` start method, ``nice``-d below the scheduler) and talks to
the real-time thread over a pipe, in the messages of :mod:`~jambridge.bridge.playback.pipe`. Bars
come back as plain tuples (:mod:`~jambridge.bridge.playback.timeline`), which pickle fast.

**A bounded window.** At most ``window`` messages are out with the child unanswered; the rest
wait in the parent (:mod:`~jambridge.bridge.playback.pending`), where a newer request replaces an
older one not sent yet. So the real-time thread never blocks in ``send``: a retro-capture button
pressed 100 times a second against a generator that makes 5 bars a second costs a few replaced
requests, not a pipe full of them that both processes wait on (the parent's send blocked while
the child's reply did).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import sys
import time
from collections import deque
from multiprocessing.connection import Connection
from typing import Any, Protocol

from jambridge.bridge.playback.bar_source import BarRequest, BarSource, SourceSpec, build_source
from jambridge.bridge.playback.pending import PendingRequests
from jambridge.bridge.playback.pipe import (
    BarFailed,
    BarMade,
    Dead,
    Failed,
    Generate,
    Prompt,
    Prompted,
    Quit,
    Ready,
    Reply,
    Request,
    RiffCue,
)
from jambridge.bridge.playback.riff_source import RiffJam
from jambridge.bridge.playback.timeline import bar_to_plain
from jambridge.errors import EngineError

GENERATOR_NICE = 5  # the child runs at lower CPU priority than the scheduler's process
WINDOW = 2  # messages the child may have unanswered: the bar it makes and the next request


# -- the child process -------------------------------------------------------------------------


def lower_priority() -> None:
    """In a generator process: run below the scheduler's process (``nice``), where the OS
    allows it."""
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(GENERATOR_NICE)


def _child_main(conn: Connection, spec: SourceSpec) -> None:
    """Generator process: build the source, then answer requests until told to stop."""
    lower_priority()
    t0 = time.perf_counter()
    try:
        source = RiffJam(build_source(spec), spec.seed)
    except Exception as err:  # reported to the parent, which raises it as EngineError
        conn.send(Failed(f"{type(err).__name__}: {err}"))
        return
    conn.send(Ready((time.perf_counter() - t0) * 1000))
    try:
        _serve(conn, source)
    finally:
        source.close()


def _serve(conn: Connection, source: RiffJam) -> None:
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if isinstance(msg, Generate):
            conn.send(_generate(source, msg))
        elif isinstance(msg, Prompt):
            conn.send(_prompt(source, msg))
        else:
            return  # Quit


def _generate(source: RiffJam, msg: Generate) -> BarMade | BarFailed:
    t0 = time.perf_counter()
    try:
        if msg.replace:
            source.retract()
        plain = bar_to_plain(source.next_bar(msg.request))
    except Exception as err:  # a bad bar must not kill the jam: the parent repeats
        return BarFailed(msg.id, f"{type(err).__name__}: {err}")
    return BarMade(msg.id, plain, (time.perf_counter() - t0) * 1000)


def _prompt(source: RiffJam, msg: Prompt) -> Prompted | BarFailed:
    try:
        if msg.retract_last:
            source.retract()
        key = source.prompt(msg.cue)
    except Exception as err:  # the old riff plays on
        return BarFailed(msg.id, f"prompt: {type(err).__name__}: {err}")
    return Prompted(msg.id, key)


# -- the parent side ---------------------------------------------------------------------------


class GeneratorLink(Protocol):
    """What the scheduler needs from a generator (process or inline)."""

    def request(self, request: BarRequest, replace: bool) -> int: ...

    def prompt(self, cue: RiffCue, retract_last: bool) -> int: ...

    def poll(self) -> list[Reply]: ...

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
        self._conn: Connection | None = None
        self._proc: Any = None  # multiprocessing's SpawnProcess
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
        if not isinstance(reply, Ready):
            self.close()
            why = reply.text if isinstance(reply, Failed) else repr(reply)
            raise EngineError(f"the bar source {self.spec.engine!r} failed to load: {why}")
        self.load_ms = reply.load_ms
        return reply.load_ms

    def request(self, request: BarRequest, replace: bool) -> int:
        self._ids += 1
        self._pending.generate(self._ids, request, replace)
        self._flush()
        return self._ids

    def prompt(self, cue: RiffCue, retract_last: bool) -> int:
        self._ids += 1
        self._pending.prompt(self._ids, cue, retract_last)
        self._flush()
        return self._ids

    def _flush(self) -> None:
        """Send what waits, while the window has room (and the pipe takes it at once)."""
        while self._pending and len(self._out) < self.window and _writable(self._conn):
            msg = self._pending.pop()
            self._out.add(msg.id)
            self._send(msg)

    def _send(self, msg: Request | Quit) -> None:
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

    def poll(self) -> list[Reply]:
        """Replies that have arrived (never blocks). A dead child yields one :class:`Dead`."""
        out: list[Reply] = []
        if self.dead or self._conn is None:
            return out
        try:
            while self._conn.poll():
                reply = self._conn.recv()
                self._out.discard(reply.id)  # BarMade, BarFailed or Prompted: answered
                out.append(reply)
        except (EOFError, OSError):
            self.dead = True
            out.append(Dead("the generator process ended"))
        self._flush()
        return out

    def close(self) -> None:
        """Ask the child to stop, then make sure it is gone (within about a second: a child
        busy with a slow bar is terminated)."""
        if self._conn is not None and _writable(self._conn):
            with contextlib.suppress(OSError, EOFError):
                self._conn.send(Quit())
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


def _writable(conn: Connection | None) -> bool:
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
    :class:`GeneratorProcess` (riffs played by a :class:`RiffJam` around it, as there). For
    tests and tools only: a heavy source here would make the real-time thread late. While
    ``hold`` is set, replies are held back (a late bar)."""

    def __init__(self, source: BarSource, seed: int = 0) -> None:
        self.source = RiffJam(source, seed)
        self._ids = 0
        self._replies: deque[Reply] = deque()
        self.hold = False  # hold replies back (simulates a slow source)
        self.requests: list[Generate] = []  # every request seen, for tests
        self.prompts: list[Prompt] = []  # ... and every prompt

    def request(self, request: BarRequest, replace: bool) -> int:
        self._ids += 1
        self.requests.append(Generate(self._ids, request, replace))
        if replace:
            self.source.retract()
        try:
            reply: Reply = BarMade(self._ids, bar_to_plain(self.source.next_bar(request)), 0.0)
        except Exception as err:
            reply = BarFailed(self._ids, f"{type(err).__name__}: {err}")
        self._replies.append(reply)
        return self._ids

    def prompt(self, cue: RiffCue, retract_last: bool) -> int:
        self._ids += 1
        msg = Prompt(self._ids, cue, retract_last)
        self.prompts.append(msg)
        self._replies.append(_prompt(self.source, msg))
        return self._ids

    def poll(self) -> list[Reply]:
        if self.hold:
            return []
        out = list(self._replies)
        self._replies.clear()
        return out

    def close(self) -> None:
        self.source.close()
