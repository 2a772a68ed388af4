"""Swing live: a SetTrack (from the session, the app or a CC knob) reaches the bars the bridge's
bar source yields, from the bar after it, with the procedural engine and the shipped model."""

from __future__ import annotations

import pytest

from jambridge.bridge import controls as ctl
from jambridge.bridge.ccmap import CcMap, parse_action
from jambridge.bridge.playback.bar_source import BarRequest, SourceSpec, build_source
from jambridge.bridge.playback.lookahead import BarFeed
from jambridge.bridge.playback.scheduler import Scheduler
from jambridge.bridge.playback.streaming import InlineGenerator
from jambridge.bridge.playback.timeline import plain_to_bar
from jambridge.bridge.session import BridgeConfig, BridgeSession, controls_from_preset
from jambridge.bridge.timing.internal_clock import InternalClock
from jambridge.bridge.timing.timebase import FakeClock
from jambridge.errors import JamBridgeError
from jambridge.evaluation.groove_check import swing_ratio
from jambridge.music import Bar, Song
from jambridge.preset import load_preset
from tests.support.ports import NullOut


def techno() -> ctl.Controls:
    return controls_from_preset(load_preset("techno"), "techno")


def ratio(*bars: Bar) -> float:
    return swing_ratio(Song.from_bars(bars))


def test_a_swing_set_on_the_session_swings_the_waiting_bar(monkeypatch):
    """session.set_track -> the real-time thread -> the feed asks the source again: the same
    bar, its hats swung, the other tracks as they were."""
    session = BridgeSession(BridgeConfig(engine="procedural"))
    posted: list = []
    monkeypatch.setattr(session, "_post", posted.append)
    session.set_track("drums", swing=0.62)
    assert posted == [ctl.SetTrack("drums", swing=0.62)]
    clock = FakeClock(100.0)
    gen = InlineGenerator(build_source(SourceSpec(engine="procedural", preset="techno", seed=3)))
    feed = BarFeed(gen, techno())
    sched = Scheduler(NullOut(), clock, feed, InternalClock(120.0))
    feed.start()
    feed.poll()
    straight = plain_to_bar(feed.upcoming().plain)
    for command in posted:
        sched.post(command)
    sched.step(clock.now())
    feed.poll()
    swung = plain_to_bar(feed.upcoming().plain)
    assert feed.controls.track("drums").swing == 0.62
    assert ratio(straight) == pytest.approx(0.5) and ratio(swung) == pytest.approx(0.62)
    for role in ("bass", "chords", "lead"):
        assert swung.track(role) == straight.track(role)


@pytest.mark.parametrize("engine", ["procedural", "model"])
def test_the_bar_source_plays_the_swing_the_controls_ask_for(engine):
    source = build_source(SourceSpec(engine=engine, preset="techno", seed=3))
    try:
        for swing in (0.5, 0.62, 0.5):  # and back to straight
            controls = ctl.SetTrack("drums", swing=swing).apply(techno())
            bars = [source.next_bar(BarRequest(controls)) for _ in range(4)]
            assert ratio(*bars) == pytest.approx(swing, abs=0.02), (engine, swing)
    finally:
        source.close()


def test_a_preset_switch_brings_the_presets_swing():
    swung = load_preset("acid").with_track("drums", swing=0.6)
    switch = ctl.SetPreset("acid", controls_from_preset(swung, "acid").tracks)
    after = switch.apply(techno().with_track("bass", swing=0.7))
    assert after.track("drums").swing == 0.6 and after.track("bass").swing == 0.5
    assert after.grooves()["drums"].swing == 0.6


def test_swing_out_of_range_is_refused_by_the_command():
    with pytest.raises(JamBridgeError, match=r"swing must be in range 0.5..0.75, got 0.8"):
        ctl.SetTrack("drums", swing=0.8)
    with pytest.raises(JamBridgeError, match=r"swing must be in range"):
        ctl.TrackControls("drums", swing=0.4)


def test_a_swing_knob_in_the_cc_map_spans_straight_to_the_top():
    cc = CcMap.from_dict({"controls": {"30": "swing:drums", "31": "swing:lead"}})
    assert cc.translate(0, 30, 0, None) == ctl.SetTrack("drums", swing=0.5)
    assert cc.translate(0, 31, 127, 0) == ctl.SetTrack("lead", swing=0.75)
    half = cc.translate(0, 30, 64, 0)
    assert isinstance(half, ctl.SetTrack) and 0.62 < half.swing < 0.63
    assert cc.translate(0, 30, 127, 0).apply(techno()).track("drums").swing == 0.75
    with pytest.raises(JamBridgeError, match="needs a role"):
        parse_action("swing")
