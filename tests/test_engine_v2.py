"""Engine with a v2 vocabulary: controls are forced as set and never sampled otherwise, streaming
never opens fill slots, and infill changes only the chosen track-bars."""

from __future__ import annotations

import pytest

from jambridge.engine.generator import BarGenerator, SamplingSettings
from jambridge.engine.infill import infill, slots_for
from jambridge.engine.session import ModelSession
from jambridge.errors import EngineError
from jambridge.music import ROLES, Song
from jambridge.tokenizer import Header
from tests.support.model_factory import random_onnx, synthetic_song

pytest.importorskip("torch")

HEADER = Header("techno", 130.0, None, {r: 3 for r in ROLES})


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> ModelSession:
    path = random_onnx(tmp_path_factory.mktemp("v2") / "model.onnx", block_size=1024)
    return ModelSession(path)


def _names(gen: BarGenerator) -> list[str]:
    return [gen.tok.vocab.name(i) for i in gen.last_bar_ids[0]]


def test_set_controls_are_written_after_their_track_and_others_never(model):
    gen = BarGenerator(model, seed=1)
    gen.start(HEADER)
    settings = SamplingSettings(controls={"bass": {"density": 3, "rep": 0}})
    for _ in range(4):
        gen.next_bar(settings)
        names = _names(gen)
        at = names.index("TRACK_bass")
        assert names[at + 1 : at + 3] == ["CTRL_density_3", "CTRL_rep_0"]
        assert sum(n.startswith("CTRL_") for n in names) == 2
        assert not any(n.startswith("FILL") for n in names)


def test_unset_controls_leave_the_model_unconditioned(model):
    gen = BarGenerator(model, seed=2)
    gen.start(HEADER)
    for _ in range(3):
        gen.next_bar(SamplingSettings())
        assert not any(n.startswith(("CTRL_", "FILL")) for n in _names(gen))


def test_infill_changes_only_the_chosen_track_bars(model):
    gen = BarGenerator(model, seed=3)
    song = gen.tok.quantize_song(synthetic_song(7, bars=6))
    slots = slots_for(range(2, 4), ["bass", "lead"])
    out = infill(gen, song, slots, SamplingSettings(temperature=1.2))
    assert out.length_bars == song.length_bars
    before, after = song.bars(), out.bars()
    for i in range(song.length_bars):
        for role in ROLES:
            if (i, role) not in slots:
                assert after[i].track(role).notes == before[i].track(role).notes, (i, role)
    changed = [i for i in (2, 3) if after[i].track("bass").notes != before[i].track("bass").notes]
    assert changed  # random weights draw other notes than the synthetic line


def test_infill_refuses_a_song_longer_than_the_context(model):
    gen = BarGenerator(model, seed=0)
    long_song = synthetic_song(1, bars=40)
    with pytest.raises(EngineError, match="does not fit"):
        infill(gen, long_song, {(20, "bass")})


def test_infill_after_streaming_restarts_cleanly(model):
    gen = BarGenerator(model, seed=4)
    gen.start(HEADER)
    gen.next_bar()
    song: Song = infill(gen, synthetic_song(2, bars=4), {(1, "drums")})
    assert song.length_bars == 4
    with pytest.raises(EngineError, match="start"):
        gen.next_bar()  # the stream's context is gone: start again


def test_generate_infill_rewrites_only_the_chosen_bars(tmp_path, model):
    from jambridge.cli import main
    from jambridge.midi_io import read_midi, write_midi

    src = tmp_path / "song.mid"
    write_midi(synthetic_song(5, bars=8), src)
    out = tmp_path / "filled.mid"
    args = ["generate", "--infill", str(src), "--bars", "3-4", "--tracks", "bass",
            "--model", str(model.path), "--seed", "1", "-o", str(out)]  # fmt: skip
    assert main(args) == 0
    before, after = read_midi(src)[0].bars(), read_midi(out)[0].bars()
    assert len(after) == len(before)
    for i, (a, b) in enumerate(zip(before, after)):
        for role in ROLES:
            if not (role == "bass" and i in (2, 3)):
                assert a.track(role).notes == b.track(role).notes, (i, role)


def test_a_v1_model_cannot_infill(tmp_path, capsys):
    from jambridge.cli import main
    from jambridge.export.onnx_export import export_random
    from jambridge.midi_io import write_midi
    from jambridge.tokenizer import Tokenizer, TokenizerConfig
    from tests.support.model_factory import tiny_config

    v1 = Tokenizer(TokenizerConfig.legacy())
    path = export_random(tiny_config(vocab_size=v1.vocab_size), tmp_path / "v1.onnx",
                         v1.vocab_hash, v1.to_json())  # fmt: skip
    src = tmp_path / "song.mid"
    write_midi(synthetic_song(5, bars=4), src)
    args = ["generate", "--infill", str(src), "--bars", "2", "--model", str(path), "-o",
            str(tmp_path / "o")]  # fmt: skip
    assert main(args) == 1
    assert "no fill tokens" in capsys.readouterr().err


def test_preset_controls_and_groove_reach_the_sampler_and_the_song(tmp_path, model):
    from jambridge.engine.offline import settings_for
    from jambridge.generation import generate
    from jambridge.music import GRID_PER_BEAT
    from jambridge.preset import load_preset, with_overrides

    preset = with_overrides(load_preset("techno"), controls={"chords": {"poly": 2}},
                            groove={r: 0.0 for r in ROLES})  # fmt: skip
    settings = settings_for(preset)
    assert settings.controls["chords"]["poly"] == 2 and "density" in settings.controls["chords"]
    song = generate(preset, 4, seed=3, model_path=model.path)
    for t in song.tracks:
        for n in t.notes:  # random weights play off the grid; groove 0 puts them back on it
            assert abs(n.start_beats * GRID_PER_BEAT - round(n.start_beats * GRID_PER_BEAT)) < 1e-6


def test_preset_json_controls_are_checked():
    from jambridge.errors import PresetError
    from jambridge.preset import preset_from_dict

    good = preset_from_dict({"name": "x", "tracks": {"bass": {"controls": {"rep": 4}}}})
    assert good.tracks["bass"].controls == {"rep": 4}
    for bad, why in (({"rep": 5}, "range"), ({"density": 1}, "not a control"),
                     ({"poly": 1.5}, "integer|int")):  # fmt: skip
        with pytest.raises(PresetError, match=why):
            preset_from_dict({"name": "x", "tracks": {"bass": {"controls": bad}}})


def test_generate_infill_plays_the_new_bars_at_the_asked_swing(tmp_path, model):
    """``--swing`` with ``--infill`` swings the new bars (it was silently ignored); the bars
    around them stay exactly as they were."""
    from jambridge.cli import main
    from jambridge.groove import with_swing
    from jambridge.midi_io import read_midi, write_midi

    src = tmp_path / "song.mid"
    write_midi(synthetic_song(5, bars=8), src)

    def infill(name: str, *options: str):
        out = tmp_path / name
        args = ["generate", "--infill", str(src), "--bars", "3-4", "--tracks", "drums",
                "--model", str(model.path), "--seed", "1", *options, "-o", str(out)]  # fmt: skip
        assert main(args) == 0
        return read_midi(out)[0].bars()

    straight, swung = infill("a.mid"), infill("b.mid", "--swing", "0.7")
    before = read_midi(src)[0].bars()
    for i in (0, 1, 4, 5, 6, 7):
        assert swung[i].track("drums").notes == before[i].track("drums").notes
    for i in (2, 3):  # the same model bars (same seed), swung
        want = [with_swing(n, 0.7).start_beats for n in straight[i].track("drums").notes]
        got = [n.start_beats for n in swung[i].track("drums").notes]
        assert got == pytest.approx(want, abs=1 / 240)
        assert got != pytest.approx([n.start_beats for n in straight[i].track("drums").notes])
