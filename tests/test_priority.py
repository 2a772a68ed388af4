"""The scheduler's real-time priority stays below the driver threads that feed it (Linux)."""

from __future__ import annotations

import os
import threading

import pytest

from jambridge.bridge.playback.priority import take_realtime, thread_ids

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_setscheduler"), reason="no POSIX scheduling here"
)


def _rt_allowed() -> bool:
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    except (OSError, ValueError):
        return False
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    return True


class Parked:
    """A thread that waits (a stand-in for a driver thread), and a thread that runs ``fn``."""

    def __init__(self, policy=None, priority=0):
        self.ready, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, args=(policy, priority), daemon=True)
        self.thread.start()
        self.ready.wait(5)

    def _run(self, policy, priority):
        self.tid = threading.get_native_id()
        if policy is not None:
            os.sched_setscheduler(0, policy, os.sched_param(priority))
        self.ready.set()
        self.done.wait(10)

    def sched(self):
        return os.sched_getscheduler(self.tid), os.sched_getparam(self.tid).sched_priority

    def end(self):
        self.done.set()
        self.thread.join(5)


def in_thread(fn):
    """Run ``fn`` in a new thread: its result and the thread's policy and priority after."""
    out = {}

    def body():
        out["r"] = fn()
        out["s"], out["p"] = os.sched_getscheduler(0), os.sched_getparam(0).sched_priority

    t = threading.Thread(target=body)
    t.start()
    t.join(5)
    return out


needs_rt = pytest.mark.skipif(not _rt_allowed(), reason="real-time scheduling not allowed here")


def test_thread_ids_see_a_new_thread():
    before = thread_ids()
    p = Parked()
    try:
        assert p.tid in thread_ids() - before
    finally:
        p.end()


@needs_rt
def test_ordinary_driver_threads_are_lifted_above_the_scheduler():
    driver = Parked()
    try:
        got = in_thread(lambda: take_realtime(20, [driver.tid]))
        assert got == {"r": 20, "s": os.SCHED_FIFO, "p": 20}
        assert driver.sched() == (os.SCHED_FIFO, 21)
    finally:
        driver.end()


@needs_rt
def test_the_scheduler_goes_below_real_time_driver_threads_or_stays_ordinary():
    driver = Parked(os.SCHED_FIFO, 10)
    try:
        assert in_thread(lambda: take_realtime(20, [driver.tid]))["p"] == 9
        assert driver.sched() == (os.SCHED_FIFO, 10)  # JACK's own order is left alone
    finally:
        driver.end()
    low = Parked(os.SCHED_FIFO, 1)
    try:
        assert in_thread(lambda: take_realtime(20, [low.tid])) == {
            "r": 0, "s": os.SCHED_OTHER, "p": 0}  # fmt: skip
    finally:
        low.end()


def test_no_priority_asked_or_gone_threads_change_nothing():
    assert in_thread(lambda: take_realtime(0, []))["r"] == 0
    gone = Parked()
    gone.end()
    got = in_thread(lambda: take_realtime(20, [gone.tid]))
    assert got["r"] in (0, 20)  # 20 where allowed; a vanished feeder is skipped
