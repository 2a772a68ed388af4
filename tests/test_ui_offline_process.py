"""The app's generation process (no Qt): calls run in a niced child that is kept between calls,
songs come back equal to an in-process generation, errors come back as themselves, and a child
that dies is an error once and then replaced."""

from __future__ import annotations

import os
import signal

import pytest

from jambridge.bench.jack import wait_until
from jambridge.errors import EngineError
from jambridge.preset import load_preset
from jambridge.ui.offline import GenerateRequest, generate_song
from jambridge.ui.offline_process import OfflineProcess


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


def test_a_child_that_dies_is_one_error_then_a_new_child(offline):
    first = offline.call(os.getpid)
    os.kill(first, signal.SIGKILL)
    with pytest.raises(EngineError, match="generation process stopped unexpectedly"):
        offline.call(os.getpid)
    second = offline.call(os.getpid)
    assert second not in (first, os.getpid())


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):  # gone (and reaped) while read
        return False


def test_close_ends_the_child(offline):
    child = offline.call(os.getpid)
    offline.close()
    assert wait_until(lambda: not _running(child), timeout_s=5)
    assert offline.call(os.getpid) not in (child, os.getpid())  # a later call starts another
