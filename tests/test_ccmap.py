"""CC map: defaults, button edges, knob scaling, JSON round trip and validation."""

from __future__ import annotations

import json

import pytest

from jambridge.bridge.ccmap import DEFAULT_CONTROLS, CcMap
from jambridge.bridge.controls import (
    AUTO,
    ArmCapture,
    Refill,
    Regenerate,
    RetroCapture,
    SetRiff,
    SetTrack,
)
from jambridge.errors import JamBridgeError
from jambridge.music import ROLES


def test_defaults_cover_every_action_for_every_role():
    names = set(DEFAULT_CONTROLS.values())
    assert {"arm_capture", "retro_capture"} <= names
    for role in ROLES:
        for action in ("regenerate", "refill", "mute", "temperature", "density", "groove", "poly",
                       "dur"):  # fmt: skip
            assert f"{action}:{role}" in names
    assert 1 not in DEFAULT_CONTROLS and 64 not in DEFAULT_CONTROLS  # mod wheel, sustain


def test_buttons_fire_once_per_press():
    m = CcMap()
    assert m.translate(0, 20, 127, None) == ArmCapture(2, "bass", None)
    assert m.translate(0, 20, 127, 127) is None  # still held
    assert m.translate(0, 20, 0, 127) is None  # release
    assert m.translate(0, 20, 100, 0) == ArmCapture(2, "bass", None)
    assert m.translate(3, 21, 127, 0) == RetroCapture(2, "bass", None)
    assert m.translate(0, 23, 127, None) == Regenerate("bass")
    assert m.translate(0, 26, 127, 0) == SetTrack("drums", mute=True, toggle=True)


def test_knobs_scale_onto_the_control_range():
    m = CcMap()
    assert m.translate(0, 102, 0, None) == SetTrack("drums", temperature=0.0)
    assert m.translate(0, 102, 127, 3) == SetTrack("drums", temperature=2.0)
    assert m.translate(0, 109, 127, None) == SetTrack("lead", density=1.0)
    assert m.translate(0, 106, 64, None).density == pytest.approx(64 / 127, abs=1e-3)


def test_control_knobs_go_from_auto_through_every_bin():
    m = CcMap()
    assert m.translate(0, 113, 0, None) == SetTrack("lead", poly=AUTO)  # poly:lead
    assert m.translate(0, 113, 127, None) == SetTrack("lead", poly=4)
    assert [m.translate(0, 115, v, None).dur for v in (0, 30, 50, 80, 110, 127)] == [
        AUTO, 0, 1, 2, 4, 4]  # fmt: skip
    assert m.translate(0, 88, 0, None) == SetTrack("lead", groove=0.0)  # groove:lead


def test_riff_and_refill_controls():
    m = CcMap(refill_bars=3, capture_mode="develop", capture_quantize=0.5, capture_duck=False)
    assert m.translate(0, 119, 127, None) == Refill("lead", 3)  # refill:lead
    armed = m.translate(0, 20, 127, None)
    assert (armed.riff.mode, armed.riff.quantize, armed.duck) == ("develop", 0.5, False)
    mode = CcMap(controls={30: "riff_mode", 31: "riff_amount"})
    assert [mode.translate(0, 30, v, None) for v in (0, 64, 127)] == [
        SetRiff(mode="keep"), SetRiff(mode="develop"), SetRiff(mode="continue")]  # fmt: skip
    assert mode.translate(0, 31, 127, None) == SetRiff(amount=1.0)


def test_unmapped_controllers_and_other_channels_do_nothing():
    m = CcMap(channel=15)
    assert m.translate(15, 1, 127, None) is None  # mod wheel
    assert m.translate(0, 20, 127, None) is None  # wrong channel
    assert m.translate(15, 20, 127, None) is not None


def test_mute_toggle_flips_the_track():
    from jambridge.bridge.controls import Controls

    c = Controls()
    cmd = CcMap().translate(0, 27, 127, 0)
    c = cmd.apply(c)
    assert c.track("bass").mute
    c = cmd.apply(c)
    assert not c.track("bass").mute


def test_json_round_trip(tmp_path):
    m = CcMap(controls={30: "lock:lead", 31: "solo:drums", 110: "density:chords"}, channel=9,
              capture_bars=4, capture_role="lead", capture_channel=0, capture_mode="continue",
              capture_quantize=0.25, capture_duck=False, refill_bars=4)  # fmt: skip
    path = tmp_path / "cc.json"
    m.save(path)
    data = json.loads(path.read_text())
    assert data["channel"] == 10 and data["capture_channel"] == 1  # 1-based in the file
    assert CcMap.load(path) == m


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"controls": {"20": "explode"}}, "CC action must be one of"),
        ({"controls": {"20": "mute"}}, "needs a role"),
        ({"controls": {"20": "mute:kazoo"}}, "role must be one of"),
        ({"controls": {"200": "mute:bass"}}, "0..119"),
        ({"channel": 17}, "1..16"),
        ({"capture_bars": 99}, "capture bars must be in range 1..8"),
        ({"colour": "red"}, "unknown field"),
        ({"capture_mode": "loop"}, "riff mode must be one of keep, develop, continue"),
        ({"capture_quantize": 2}, "riff quantize must be in range 0..1"),
        ({"capture_quantize": "full"}, "capture_quantize must be a number"),
        ({"capture_duck": 1}, "capture_duck must be true or false"),
        ({"refill_bars": 0}, "refill bars must be in range 1..8"),
    ],
)
def test_bad_maps_are_clear_errors(tmp_path, data, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(JamBridgeError, match=message):
        CcMap.load(path)


def test_unreadable_file_names_itself(tmp_path):
    path = tmp_path / "cc.json"
    path.write_text("{nope")
    with pytest.raises(JamBridgeError, match="cc.json: not valid JSON"):
        CcMap.load(path)
