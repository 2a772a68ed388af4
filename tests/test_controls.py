"""Steering values: a preset switch brings the new preset's temperature and density to every
track and leaves what the producer set by hand on the play side (mute, solo, lock)."""

from __future__ import annotations

import pytest

from jambridge.bridge import controls as ctl
from jambridge.bridge.events import ControlsChanged
from jambridge.bridge.playback.lookahead import BarFeed
from jambridge.bridge.playback.scheduler import Scheduler
from jambridge.bridge.playback.sources import PatternSource
from jambridge.bridge.playback.streaming import InlineGenerator
from jambridge.bridge.session import BridgeConfig, BridgeSession, controls_from_preset
from jambridge.bridge.timing.internal_clock import InternalClock
from jambridge.bridge.timing.timebase import FakeClock
from jambridge.preset import load_preset
from tests.support.ports import NullOut


def generation_side(controls: ctl.Controls) -> dict[str, tuple[float, float]]:
    return {t.role: (t.temperature, t.density) for t in controls.tracks}


def preset_values(name: str) -> dict[str, tuple[float, float]]:
    return generation_side(controls_from_preset(load_preset(name), name))


def test_a_preset_switch_takes_the_new_presets_temperature_and_density():
    techno = controls_from_preset(load_preset("techno"), "techno")
    played_with = techno.with_track("bass", mute=True, temperature=1.7).with_track(
        "lead", lock=True
    )
    acid = load_preset("acid")
    switched = ctl.SetPreset("acid", controls_from_preset(acid, "acid").tracks).apply(played_with)
    assert switched.preset == "acid"
    assert generation_side(switched) == preset_values("acid") != preset_values("techno")
    assert switched.track("bass").mute and switched.track("lead").lock  # play side kept


def test_a_live_preset_switch_brings_its_temperature_and_density(monkeypatch):
    """session.set_preset -> the real-time thread -> ControlsChanged (what the app's sliders
    show) carries the new preset's values."""
    session = BridgeSession(BridgeConfig(engine="pattern"))
    posted = []
    monkeypatch.setattr(session, "_post", posted.append)
    session.set_preset("acid")
    clock = FakeClock(100.0)
    techno = controls_from_preset(load_preset("techno"), "techno")
    feed = BarFeed(InlineGenerator(PatternSource()), techno)
    sched = Scheduler(NullOut(), clock, feed, InternalClock(120.0))
    for command in posted:
        sched.post(command)
    sched.step(clock.now())
    events = []
    while not sched.events.empty():
        events.append(sched.events.get())
    changed = [e.controls for e in events if isinstance(e, ControlsChanged)]
    assert changed and changed[-1].preset == "acid"
    assert generation_side(changed[-1]) == preset_values("acid") != preset_values("techno")
    assert generation_side(feed.controls) == preset_values("acid")


def test_a_switch_without_values_keeps_the_tracks():
    before = ctl.Controls().with_track("drums", density=0.9)
    after = ctl.SetPreset("acid").apply(before)
    assert after.preset == "acid" and after.tracks == before.tracks


@pytest.mark.parametrize("bad", [("drums",), "x"])
def test_preset_values_must_be_track_controls(bad):
    with pytest.raises(Exception, match="track"):
        ctl.SetPreset("acid", bad)


def test_two_roles_on_one_channel_are_refused_where_the_app_and_cli_open_the_bridge():
    from jambridge.errors import JamBridgeError

    with pytest.raises(JamBridgeError, match="drums and bass are both on MIDI channel 2"):
        BridgeConfig(channels={"drums": 1, "bass": 1, "chords": 2, "lead": 3})
    with pytest.raises(JamBridgeError, match="lead channel must be in range 1..16"):
        ctl.check_channels({"lead": 16})
    ctl.check_channels({"drums": 9, "bass": 1, "chords": 2, "lead": 3})  # the defaults are fine
