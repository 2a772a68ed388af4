"""CC map: defaults, button edges, knob scaling, JSON round trip and validation."""

from __future__ import annotations

import json

import pytest

from jambridge.bridge.ccmap import DEFAULT_CONTROLS, CcMap
from jambridge.bridge.controls import ArmCapture, Regenerate, RetroCapture, SetTrack
from jambridge.errors import JamBridgeError
from jambridge.music import ROLES


def test_defaults_cover_every_action_for_every_role():
    names = set(DEFAULT_CONTROLS.values())
    assert {"arm_capture", "retro_capture"} <= names
    for role in ROLES:
        for action in ("regenerate", "mute", "temperature", "density"):
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
              capture_bars=4, capture_role="lead", capture_channel=0)  # fmt: skip
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
