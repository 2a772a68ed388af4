"""Offline generation for the app (no Qt): the procedural engine, regeneration of one track,
and the auto engine's fallback when the model cannot be used."""

from __future__ import annotations

import pytest

from jambridge.errors import EngineError
from jambridge.preset import load_preset
from jambridge.ui.offline import GenerateRequest, generate_song, regenerate_track


@pytest.fixture(scope="module")
def acid():
    return load_preset("acid")


def test_procedural_generation_follows_the_preset(acid):
    result = generate_song(GenerateRequest(acid, bars=4, seed=3, engine="procedural"))
    song = result.song
    assert result.engine == "procedural" and result.note == ""
    assert song.length_bars == 4 and song.tempo_bpm == acid.bpm
    assert song.roles == acid.enabled_roles  # acid has no chords
    assert song.track("bass").channel == acid.tracks["bass"].channel - 1
    again = generate_song(GenerateRequest(acid, bars=4, seed=3, engine="procedural")).song
    assert again == song


def test_regenerate_changes_only_that_track(acid):
    song = generate_song(GenerateRequest(acid, bars=4, seed=3, engine="procedural")).song
    result = regenerate_track(song, GenerateRequest(acid, bars=4, seed=99, engine="procedural"),
                              "bass")  # fmt: skip
    new = result.song
    assert new.track("bass").notes != song.track("bass").notes
    for role in ("drums", "lead"):
        assert new.track(role) == song.track(role)
    assert new.length_bars == song.length_bars and new.tempo_bpm == song.tempo_bpm


@pytest.mark.parametrize("damaged", [False, True])
def test_auto_falls_back_to_procedural_and_says_why(acid, tmp_path, damaged):
    model = tmp_path / "model.onnx"
    if damaged:
        model.write_bytes(b"not an onnx model")
    result = generate_song(GenerateRequest(acid, bars=2, seed=1, engine="auto", model=str(model)))
    assert result.engine == "procedural"
    assert "model not available" in result.note and "procedural" in result.note


def test_bad_requests_say_what_is_allowed(acid):
    with pytest.raises(EngineError, match="engine must be one of auto, model, procedural"):
        GenerateRequest(acid, engine="magic")
    with pytest.raises(EngineError, match="bars must be in range 1..64"):
        GenerateRequest(acid, bars=0)
    off = acid.with_track("drums", enabled=False).with_track("bass", enabled=False)
    off = off.with_track("lead", enabled=False)
    with pytest.raises(EngineError, match="every track is switched off"):
        generate_song(GenerateRequest(off, engine="procedural"))
