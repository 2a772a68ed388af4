"""The app's generation process (no Qt): calls run in a niced child that is kept between calls,
songs come back equal to an in-process generation, errors come back as themselves, and a child
that dies is an error once and then replaced."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from jambridge.bench.jack import wait_until
from jambridge.errors import EngineError
from jambridge.preset import load_preset
from jambridge.ui.offline import GenerateRequest, generate_song
from jambridge.ui.offline_process import OfflineProcess
from tests.support.pids import running


@pytest.fixture()
def offline():
    proc = OfflineProcess()
    yield proc
    proc.close()


def test_calls_run_in_one_kept_child_below_the_app(offline):
    child = offline.call(os.getpid)
    assert child != os.getpid()
    assert offline.call(os.getpid) == child  # kept for the next call, not one per call
    assert offline.call(os.nice, 0) >= os.nice(0) + 5  # below the app, like the live generator


@pytest.mark.parametrize("engine", ["model", "procedural"])
def test_a_song_from_the_child_equals_one_made_here(offline, engine):
    request = GenerateRequest(load_preset("techno"), bars=2, seed=5, engine=engine)
    there = offline.call(generate_song, request)
    here = generate_song(request)
    assert there.engine == engine and there.song == here.song
    assert sum(len(t.notes) for t in there.song.tracks) > 0


def test_an_error_in_the_child_comes_back_as_itself(offline):
    acid = load_preset("acid")
    off = acid.with_track("drums", enabled=False).with_track("bass", enabled=False)
    off = off.with_track("lead", enabled=False)
    with pytest.raises(EngineError, match="every track is switched off"):
        offline.call(generate_song, GenerateRequest(off, engine="procedural"))
    assert offline.call(os.getpid) != os.getpid()  # and the child is still there


def test_a_child_that_dies_during_a_call_is_an_error_then_a_new_child(offline):
    first = offline.call(os.getpid)
    killer = threading.Timer(0.5, os.kill, (first, signal.SIGKILL))
    killer.start()
    with pytest.raises(EngineError, match="generation process stopped unexpectedly"):
        offline.call(time.sleep, 30)
    second = offline.call(os.getpid)
    assert second not in (first, os.getpid())


def test_a_child_that_died_between_calls_is_replaced_without_an_error(offline):
    first = offline.call(os.getpid)
    os.kill(first, signal.SIGKILL)
    assert wait_until(lambda: not running(first), timeout_s=5)
    time.sleep(0.5)  # the pool's own thread notices the death
    assert offline.call(os.getpid) not in (first, os.getpid())


def test_a_call_past_the_timeout_is_an_error_and_its_child_is_killed():
    offline = OfflineProcess(timeout_s=1.0)
    try:
        first = offline.call(os.getpid)
        with pytest.raises(EngineError, match="took over 1 s and was stopped"):
            offline.call(time.sleep, 30)
        assert wait_until(lambda: not running(first), timeout_s=5)
        assert offline.call(os.getpid) not in (first, os.getpid())
    finally:
        offline.close()


def test_close_during_a_call_ends_it_at_once(offline):
    first = offline.call(os.getpid)
    threading.Timer(0.5, offline.close).start()
    began = time.monotonic()
    with pytest.raises(EngineError):
        offline.call(time.sleep, 30)
    assert time.monotonic() - began < 20  # not the 30 s the call asked for
    assert wait_until(lambda: not running(first), timeout_s=5)


def test_ctrl_c_while_the_child_starts_is_ignored_there(offline, capfd):
    """Ctrl-C in a terminal reaches the whole process group, the child too, maybe before its
    initializer ran: SIGINT comes blocked from the parent, so no traceback and no dead child."""
    pool, future = offline._submit(os.getpid, ())
    for proc in list(pool._processes.values()):
        os.kill(proc.pid, signal.SIGINT)
    child = future.result(timeout=60)
    os.kill(child, signal.SIGINT)  # and once it runs
    assert offline.call(os.getpid) == child
    assert "KeyboardInterrupt" not in capfd.readouterr().err


def test_close_ends_the_child(offline):
    child = offline.call(os.getpid)
    offline.close()
    assert wait_until(lambda: not running(child), timeout_s=5)
    assert offline.call(os.getpid) not in (child, os.getpid())  # a later call starts another
