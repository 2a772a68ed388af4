"""Real-time priority of the scheduler thread, kept below the MIDI driver threads that feed it.

The scheduler asks for SCHED_FIFO so that a busy machine cannot delay a note. It must never
outrank the driver's own threads (JACK's process threads, ALSA's input thread): a thread that
delivers the clock, starved by the thread that waits for that clock, turns a short delay into
a late JACK cycle. And a late cycle is worse than late: python-rtmidi's JACK input
(RtMidi 5.0) does not check ``jack_midi_event_get``, so a cycle read after its producer has
moved on can hand it a garbage event and crash the process (seen here: a segfault in
``jackProcessIn`` after thousands of xruns of a non-real-time ``jackd``).

So: where the driver threads are real-time (a real-time JACK server), the scheduler takes a
priority below theirs (or none); where they are not (``jackd --no-realtime``), they are lifted
just above the scheduler. The driver's threads are the ones a port opening created
(:func:`thread_ids` before and after). Linux only; elsewhere nothing changes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

MAX_PRIORITY = 99  # SCHED_FIFO's highest on Linux
_RT = tuple(getattr(os, name) for name in ("SCHED_FIFO", "SCHED_RR") if hasattr(os, name))


def thread_ids(pid: int | str = "self") -> frozenset[int]:
    """Kernel ids of a process's threads, this one's by default (empty where /proc is not
    there or the process is gone)."""
    try:
        return frozenset(int(t) for t in os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return frozenset()


def _policy(tid: int) -> tuple[int, int] | None:
    """(policy, priority) of a thread, or None when it is gone or cannot be read."""
    try:
        return os.sched_getscheduler(tid), os.sched_getparam(tid).sched_priority
    except OSError:
        return None


def is_realtime(tid: int) -> bool:
    """Does thread ``tid`` run SCHED_FIFO or SCHED_RR?"""
    p = _policy(tid)
    return p is not None and p[0] in _RT


def take_realtime(priority: int, feeders: Iterable[int] = ()) -> int:
    """Make the calling thread SCHED_FIFO at ``priority`` or lower, below every thread in
    ``feeders``; return the priority taken (0: none, e.g. not allowed or not Linux)."""
    if priority <= 0 or not hasattr(os, "sched_setscheduler") or not _RT:
        return 0
    seen = {tid: p for tid in feeders if (p := _policy(tid)) is not None}
    rt = [prio for policy, prio in seen.values() if policy in _RT]
    if rt:
        priority = min(priority, min(rt) - 1)
    priority = min(priority, MAX_PRIORITY - 1)
    if priority < 1:
        return 0
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except (OSError, ValueError):
        return 0
    for tid, (policy, _) in seen.items():
        if policy not in _RT:
            with contextlib.suppress(OSError, ValueError):
                os.sched_setscheduler(tid, os.SCHED_FIFO, os.sched_param(priority + 1))
    return priority
