"""Keeping the jam (pytest-qt, offscreen, no JACK): "Keep 8 bars" saves exactly the bars heard
in the current pass -- not an earlier pass's, not a muted track, not the notes before a mid-bar
resume -- at the DAW's tempo when the clock was steady.

The real window runs over the scripted session of ``tests.support.ui_fixtures``: the bridge's own
event values go through the production adapter, live controller and timeline.
"""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt

from jambridge.bridge.events import BarPlayed, TransportChanged
from jambridge.bridge.playback.sources import pattern_bar
from jambridge.bridge.playback.timeline import bar_to_plain
from jambridge.music import ROLES, Bar, Song

pytest_plugins = [
    "tests.support.ui_fixtures"
]  # offscreen Qt, private folders, the scripted session
WAIT_MS = 15_000


def bar_from(source: int, lead_source: int | None = None) -> Bar:
    """A test-pattern bar; ``lead_source``: the lead track from another pattern bar (a lock)."""
    bar = pattern_bar(source)
    if lead_source is not None:
        bar = bar.replace_track(pattern_bar(lead_source).track("lead"))
    return bar


def played(index: int, bar: Bar, audible=ROLES, from_beat: float = 0.0) -> BarPlayed:
    return BarPlayed(index, bar_to_plain(bar), tuple(audible), (), 1.0, from_beat)


def keep(qtbot, w, session) -> Song:
    """Wait until the played bars are in the lanes, click Keep, return the take's song."""
    before = w.studio.shown_take
    qtbot.mouseClick(w.takes.keep_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.studio.shown_take not in (None, before), timeout=WAIT_MS)
    return w.studio.store.song(w.studio.shown_take)


def tracks_of(bars: list[Bar], roles=ROLES) -> dict:
    song = Song.from_bars(bars)
    return {t.role: t.notes for t in song.tracks if t.role in roles}


def send_and_wait(qtbot, w, session, *events) -> None:
    session.send(*events)
    last = [e for e in events if isinstance(e, BarPlayed)][-1]
    timeline, bar = w.studio.timeline, last.bar()
    qtbot.waitUntil(lambda: all(timeline.track(r, last.index) == bar.track(r) for r in ROLES),
                    timeout=WAIT_MS)  # fmt: skip


def test_keep_after_stop_and_restart_saves_only_the_new_pass(qtbot, scripted):
    w, session = scripted
    first = [bar_from(100 + i, lead_source=7) for i in range(12)]  # lead locked on one bar
    second = [bar_from(200 + i) for i in range(5)]  # lead changing every bar
    send_and_wait(
        qtbot, w, session, TransportChanged("playing", "start", 0),
        *[played(i, b) for i, b in enumerate(first)],
    )  # fmt: skip
    session.send(TransportChanged("stopped", "stop", 12 * 96))
    send_and_wait(
        qtbot, w, session, TransportChanged("playing", "start", 0),
        *[played(i, b) for i, b in enumerate(second)],
    )  # fmt: skip
    song = keep(qtbot, w, session)
    assert song.length_bars == 5
    assert {t.role: t.notes for t in song.tracks} == tracks_of(second)
    leads = [b.track("lead").notes for b in song.bars()]
    assert len(set(leads)) == 5  # the lead heard kept changing; no bar left from the lock


def test_keep_leaves_out_what_was_not_heard(qtbot, scripted):
    w, session = scripted
    audible = ("drums", "bass", "lead")  # chords muted
    events = [played(i, bar_from(400 + i), audible) for i in range(4)]
    events[0] = played(0, bar_from(400), audible, from_beat=2.0)  # resumed on beat 3
    send_and_wait(qtbot, w, session, TransportChanged("playing", "continue", 48), *events)
    song = keep(qtbot, w, session)
    assert song.track("chords") is None
    assert all(n.start_beats >= 2.0 for t in song.tracks for n in t.notes if n.start_beats < 4)
    assert song.track("drums").notes  # the rest is there


@pytest.mark.parametrize(
    ("measured", "written"),
    [((127.862, 127.9, 127.84), 128.0), ((127.4, 127.52, 127.49), 127.5),
     ((124.0, 127.0, 131.0), 127.333), ((126.3, 126.31), 126.305)],
)  # fmt: skip
def test_kept_bars_carry_the_daws_tempo_when_the_clock_was_steady(
    qtbot, scripted, measured, written
):
    w, session = scripted
    w.live.timer.stop()  # the test reads the status itself, once per reading
    with qtbot.waitSignal(w.live.adapter.transport_changed, timeout=WAIT_MS):
        session.send(TransportChanged("playing", "start", 0))
    for i, bpm in enumerate(measured):
        session.bpm, session.bar = bpm, i + 1
        w.live.refresh()
        send_and_wait(qtbot, w, session, played(i, bar_from(500 + i)))
        w.live.refresh()
    song = keep(qtbot, w, session)
    assert song.tempo_bpm == pytest.approx(written, abs=1e-3)


def test_the_lane_knobs_steer_the_live_bridge(qtbot, scripted):
    """Polyphony, duration and groove move the running bridge's track (auto: the model's own
    choice, sent as AUTO)."""
    from jambridge.bridge import controls as ctl

    w, session = scripted
    lane = w.lanes["chords"]
    lane.set_knob("poly", 2)
    lane.set_knob("poly", None)
    lane.set_knob("dur", 1)
    calls = [(args, kw) for name, args, kw in session.calls if name == "set_track"]
    assert (("chords",), {"poly": 2}) in calls
    assert (("chords",), {"poly": ctl.AUTO}) in calls
    assert (("chords",), {"dur": 1}) in calls
