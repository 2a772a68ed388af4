"""Presets: every shipped file loads; broken files name the bad field; save/load round trip."""

from __future__ import annotations

import json

import pytest

from jambridge.errors import PresetError
from jambridge.preset import list_presets, load_preset, preset_from_dict, save_preset

REQUIRED = {"techno", "minimal", "acid", "dub", "peak", "deephouse", "electro"}


def test_the_genre_presets_ship():
    assert set(list_presets()) >= REQUIRED


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_every_shipped_preset_loads_with_sane_values(name):
    p = load_preset(name)
    assert p.enabled_roles and "drums" in p.enabled_roles
    assert p.tracks["drums"].channel == 10
    assert 40 <= p.bpm <= 300


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"bpm": 5}, r"bpm must be in range 40.0..300.0"),
        ({"bpm": "fast"}, r"bpm must be a float"),
        ({"key": "H major"}, r"key:"),
        ({"style": "polka"}, r"style must be one of"),
        ({"tracks": {"bass": {"density": 3}}}, r"tracks.bass.density must be in range 0.0..1.0"),
        ({"tracks": {"bass": {"channel": 0}}}, r"tracks.bass.channel must be in range 1..16"),
        ({"tracks": {"kazoo": {}}}, r"tracks.kazoo is not a role"),
        ({"tracks": {"lead": {"volume": 3}}}, r"unknown field tracks.lead.volume"),
        ({"tempo": 120}, r"unknown field 'tempo'"),
        (
            {"tracks": {r: {"enabled": False} for r in ("drums", "bass", "chords", "lead")}},
            r"at least one track",
        ),
    ],
)
def test_broken_preset_names_the_field(tmp_path, patch, message):
    data = json.loads(json.dumps(load_preset("acid").to_dict()))
    data.update(patch)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    with pytest.raises(PresetError, match=message) as info:
        load_preset(path)
    assert "broken.json" in str(info.value)


def test_invalid_json_and_missing_preset_are_clear(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"name": ')
    with pytest.raises(PresetError, match="not valid JSON"):
        load_preset(path)
    with pytest.raises(PresetError, match="no preset named 'nope'"):
        load_preset("nope")
    with pytest.raises(PresetError, match="name is missing"):
        preset_from_dict({"bpm": 120})


def test_save_and_load_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    p = load_preset("dub").with_track("bass", density=0.9)
    path = save_preset(p.__class__(**{**p.__dict__, "name": "My Dub"}))
    assert path.parent == tmp_path / "jambridge" / "presets"
    loaded = load_preset("my-dub")
    assert loaded.tracks["bass"].density == 0.9 and loaded.name == "My Dub"
    assert "my-dub" in list_presets()
