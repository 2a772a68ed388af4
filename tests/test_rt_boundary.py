"""The real-time thread's boundary: other threads post commands, take events and read the
snapshot it publishes, and touch nothing else (checked with JAMBRIDGE_CHECK_THREADS=1: while the
thread runs, its state refuses other threads, see jambridge/bridge/playback/ownership.py)."""

from __future__ import annotations

import time

import pytest

from jambridge.bridge.events import BarPlayed, BridgeStatus
from jambridge.bridge.playback.ownership import CHECK_ENV, CrossThreadAccess
from jambridge.bridge.playback.sources import PatternSource
from jambridge.bridge.playback.status import StatusSnapshot
from jambridge.bridge.playback.streaming import InlineGenerator
from jambridge.bridge.session import BridgeConfig, BridgeSession


class VanishingOut:
    """An output port that takes everything until it is told it is gone."""

    name = "vanishing out"

    def __init__(self) -> None:
        self.sent: list[list[int]] = []
        self.there = True

    def send(self, msg) -> None:
        self.sent.append(list(msg))

    def still_there(self) -> bool:
        return self.there

    def close(self) -> None:
        pass


@pytest.fixture
def checked(monkeypatch):
    monkeypatch.setenv(CHECK_ENV, "1")


def session(events: list, out: VanishingOut) -> BridgeSession:
    config = BridgeConfig(clock="internal", bpm=240.0, engine="pattern", rt_priority=0)
    return BridgeSession(
        config, on_event=events.append, out_port=out,
        generator=InlineGenerator(PatternSource()), connect_input=False,
    )  # fmt: skip


def wait_until(done, timeout_s: float = 20.0) -> bool:
    """Poll ``done`` until it holds (a guard against hanging, not a timing assertion)."""
    end = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def test_the_session_only_posts_and_reads_what_the_thread_publishes(checked):
    events: list = []
    out = VanishingOut()
    bridge = session(events, out)
    with bridge:
        bridge.play()
        assert wait_until(lambda: len([e for e in events if isinstance(e, BarPlayed)]) >= 2)
        bridge.set_track("bass", mute=True)
        bridge.set_preset("acid")
        bridge.regenerate("lead")
        bridge.arm_capture(1, "bass")
        bridge.retro_capture(1, "bass")
        bridge.set_latency(2.0)
        bridge.set_bpm(200.0)
        bridge.panic()
        statuses = [bridge.status() for _ in range(50)]
        assert wait_until(lambda: bridge.status().controls.preset == "acid")
        out.there = False  # the dispatcher notices and posts PortLost("output")
        assert wait_until(lambda: not bridge.status().generator_ok)
        sent = len(out.sent)
        assert wait_until(lambda: bridge.status().notes_on > statuses[-1].notes_on)
    assert bridge.scheduler.ownership.violations == []
    assert all(isinstance(s, BridgeStatus) and s.playing for s in statuses)
    assert bridge.status().latency_ms == 2.0 and bridge.status().open_notes == 0
    assert len(out.sent) == sent  # a lost output is sent nothing more, not even note-offs


def test_the_threads_state_refuses_another_thread_while_it_runs(checked):
    events: list = []
    bridge = session(events, VanishingOut())
    with bridge:
        bridge.play()
        assert wait_until(lambda: bridge.status().playing)
        scheduler = bridge.scheduler
        with pytest.raises(CrossThreadAccess, match="Scheduler.feed"):
            _ = scheduler.feed.controls  # what status() read before the snapshot
        with pytest.raises(CrossThreadAccess, match="Scheduler.output"):
            scheduler.output.port_ok = False  # what the port watch wrote before PortLost
        with pytest.raises(CrossThreadAccess, match="InlineGenerator.poll"):
            bridge._generator.poll()  # the same link, held by the session: guarded too
    assert len(scheduler.ownership.violations) == 3
    assert scheduler.feed.controls.preset == "techno"  # the thread ended: anyone may look


def test_the_snapshot_is_published_whole_and_never_changed(checked):
    events: list = []
    bridge = session(events, VanishingOut())
    with bridge:
        first = bridge.scheduler.snapshot
        bridge.play()
        assert wait_until(lambda: bridge.scheduler.snapshot.playing)
        later = bridge.scheduler.snapshot
    assert isinstance(later, StatusSnapshot) and later is not first and later.t_s > first.t_s
    with pytest.raises(AttributeError):
        later.playing = False  # type: ignore[misc]
