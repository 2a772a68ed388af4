"""Presets: every shipped file loads; broken files name the bad field; save/load round trip."""

from __future__ import annotations

import json

import pytest

from jambridge.errors import PresetError
from jambridge.music import Key
from jambridge.preset import (
    STYLES,
    list_presets,
    load_preset,
    preset_from_dict,
    save_preset,
    with_overrides,
)
from jambridge.tokenizer import TokenizerConfig

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
        ({"name": "  "}, r"name must not be empty"),
        ({"tracks": {"bass": {"program": 38.5}}}, r"tracks.bass.program must be an int"),
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


def test_a_file_that_is_not_text_or_a_folder_is_a_preset_error(tmp_path):
    midi = tmp_path / "riff.mid"
    midi.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0")
    with pytest.raises(PresetError, match="riff.mid: not UTF-8 text"):
        load_preset(midi)
    with pytest.raises(PresetError, match="it is a folder, not a preset"):
        load_preset(f"{tmp_path}/")


def test_every_preset_style_is_a_tokenizer_style():
    assert set(STYLES) <= set(TokenizerConfig().styles)


def test_overrides_use_the_preset_rules():
    p = with_overrides(load_preset("acid"), bpm=140, temperature=0.5, key="F#m")
    assert p.bpm == 140.0 and p.key == Key(6, "minor") and p.temperature == 1.0
    assert {t.temperature for t in p.tracks.values()} == {0.5}
    assert with_overrides(p) == p
    with pytest.raises(PresetError, match=r"--bpm must be in range 40.0..300.0, got nan"):
        with_overrides(p, bpm=float("nan"))
    with pytest.raises(PresetError, match=r"--temperature must be in range 0.0..2.0, got 5"):
        with_overrides(p, temperature=5.0)
