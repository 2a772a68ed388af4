"""A lane's Swing knob in the real window (pytest-qt, offscreen): it shows a preset's swing,
sends the swing to the bridge while it runs (a scripted session records the call), follows a
change the bridge reports (a hardware knob), and swings the next take offline."""

from __future__ import annotations

import pytest

from jambridge.bridge.events import ControlsChanged
from jambridge.bridge.session import controls_from_preset
from jambridge.evaluation.groove_check import swing_ratio
from jambridge.preset import load_preset
from tests.support.ui_fixtures import click_generate

pytest_plugins = ["tests.support.ui_fixtures"]  # offscreen Qt, private folders, the window
WAIT_MS = 15_000


def test_the_swing_knob_shows_a_presets_swing_and_gives_it_back(qtbot, window):
    preset = load_preset("techno").with_track("drums", swing=0.58)
    window.studio.preset_loaded.emit("techno", preset)
    lane = window.lanes["drums"]
    assert lane._slider_labels["swing"].text() == "0.58"
    assert lane.settings() == preset.tracks["drums"]
    assert (lane.sliders["swing"].minimum(), lane.sliders["swing"].maximum()) == (500, 750)
    assert window.lanes["bass"].slider_value("swing") == 0.5


def test_moving_the_swing_knob_sends_it_to_the_bridge(qtbot, scripted):
    w, session = scripted
    lane = w.lanes["drums"]
    with qtbot.waitSignal(lane.control_changed, timeout=1000) as moved:
        lane.sliders["swing"].setValue(620)
    assert moved.args == ["drums", "swing", 0.62]
    assert lane._slider_labels["swing"].text() == "0.62"
    qtbot.waitUntil(lambda: ("set_track", ("drums",), {"swing": 0.62}) in session.calls,
                    timeout=WAIT_MS)  # fmt: skip


def test_a_swing_the_bridge_reports_moves_the_knob(qtbot, scripted):
    w, session = scripted
    changed = controls_from_preset(load_preset("techno"), "techno").with_track("bass", swing=0.667)
    session.send(ControlsChanged(changed))
    qtbot.waitUntil(lambda: w.lanes["bass"]._slider_labels["swing"].text() == "0.67",
                    timeout=WAIT_MS)  # fmt: skip
    assert w.lanes["bass"].sliders["swing"].value() == 667
    assert w.lanes["drums"].slider_value("swing") == 0.5
    assert ("set_track", ("bass",), {"swing": 0.667}) not in session.calls  # shown, not sent


def test_the_swing_knob_swings_the_next_take(qtbot, window):
    straight = window.studio.store.song(click_generate(qtbot, window, "procedural", 4, seed=2))
    window.lanes["drums"].sliders["swing"].setValue(620)
    swung = window.studio.store.song(click_generate(qtbot, window, "procedural", 4, seed=2))
    assert swing_ratio(straight) == pytest.approx(0.5, abs=0.01)
    assert swing_ratio(swung) == pytest.approx(0.62, abs=0.01)
    assert swung.track("bass").notes == straight.track("bass").notes
