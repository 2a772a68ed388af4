"""GilTuning: while a session runs, the switch interval is lowered and what existed at the start
is out of the collector's walk; the first session in applies it, the last one out undoes it."""

from __future__ import annotations

import gc
import sys

import pytest

from jambridge.bridge.gil import GilTuning


def _walked(obj: object) -> bool:
    """Whether a full collection walks ``obj`` (it is in one of the collector's generations)."""
    return any(o is obj for o in gc.get_objects())


@pytest.fixture()
def switch():
    before = sys.getswitchinterval()
    yield before
    sys.setswitchinterval(before)


def test_a_session_freezes_what_was_there_and_restores_it(switch):
    old = [object() for _ in range(3)]  # a list: tracked by the collector
    assert _walked(old) and gc.get_freeze_count() == 0
    tuning = GilTuning(0.0005)
    tuning.enter()
    try:
        assert sys.getswitchinterval() == pytest.approx(0.0005)
        assert not _walked(old) and gc.get_freeze_count() > 0
        young = [1, 2]
        assert _walked(young)  # made since: collected as usual
    finally:
        tuning.leave()
    assert _walked(old) and gc.get_freeze_count() == 0
    assert sys.getswitchinterval() == pytest.approx(switch)


def test_overlapping_sessions_undo_it_when_the_last_one_stops(switch):
    a, b = GilTuning(0.0005), GilTuning(0.0005)
    a.enter()
    b.enter()
    a.leave()
    a.leave()  # twice: once only
    assert gc.get_freeze_count() > 0 and sys.getswitchinterval() == pytest.approx(0.0005)
    b.leave()
    assert gc.get_freeze_count() == 0 and sys.getswitchinterval() == pytest.approx(switch)


def test_entering_twice_counts_once(switch):
    a = GilTuning(0.0005)
    a.enter()
    a.enter()
    a.leave()
    assert gc.get_freeze_count() == 0 and sys.getswitchinterval() == pytest.approx(switch)
