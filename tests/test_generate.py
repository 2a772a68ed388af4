"""`jambridge generate` as a user runs it: files, stems, variations, prompts and bad arguments."""

from __future__ import annotations

import io
import sys

import mido
import pytest

from jambridge.cli import main
from jambridge.generation import load_prompt
from jambridge.keyfinder import scale_consistency
from jambridge.midi_io import read_midi
from jambridge.music import Key
from jambridge.progress import Progress
from tests.support.midi_factory import Part, write_midi_file


def _tracks(path) -> dict[str, mido.MidiTrack]:
    mid = mido.MidiFile(path)
    assert mid.type == 1
    return {
        next((m.name for m in t if m.type == "track_name"), ""): t
        for t in mid.tracks
        if any(m.type == "note_on" for m in t)
    }


def test_procedural_file_is_type1_with_tempo_names_programs_and_drum_channel(tmp_path, capsys):
    out = tmp_path / "idea.mid"
    assert main(["generate", "--engine", "procedural", "--preset", "acid", "--bars", "8",
                 "--seed", "3", "-o", str(out)]) == 0  # fmt: skip
    line = capsys.readouterr().out
    assert "8 bars" in line and "seed 3" in line and "drums" in line
    tracks = _tracks(out)
    assert {"Drums", "Bass", "Lead"} <= set(tracks)
    drum_channels = {m.channel for m in tracks["Drums"] if m.type == "note_on"}
    assert drum_channels == {9}
    assert any(m.type == "program_change" and m.program == 38 for m in tracks["Bass"])
    tempos = [m for t in mido.MidiFile(out).tracks for m in t if m.type == "set_tempo"]
    assert round(mido.tempo2bpm(tempos[0].tempo)) == 132
    song, _ = read_midi(out)
    assert song.length_bars == 8


def test_stems_variations_and_track_subset(tmp_path):
    out = tmp_path / "v.mid"
    stems = tmp_path / "stems"
    assert main(["generate", "--engine", "procedural", "--bars", "4", "--seed", "1",
                 "--variations", "2", "--tracks", "drums,bass", "--stems", str(stems),
                 "-o", str(out)]) == 0  # fmt: skip
    a, b = tmp_path / "v-1.mid", tmp_path / "v-2.mid"
    assert a.exists() and b.exists() and a.read_bytes() != b.read_bytes()
    assert sorted(p.name for p in stems.iterdir()) == [
        "v-1-bass.mid", "v-1-drums.mid", "v-2-bass.mid", "v-2-drums.mid",
    ]  # fmt: skip
    assert set(_tracks(a)) == {"Drums", "Bass"}


def test_seed_reproduces(tmp_path):
    args = ["generate", "--engine", "procedural", "--bars", "4", "--seed", "9", "-o"]
    main([*args, str(tmp_path / "a.mid")])
    main([*args, str(tmp_path / "b.mid")])
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()


def test_prompt_riff_opens_the_song_and_sets_the_key(tmp_path):
    riff = [(p, i * 0.5, 0.4, 100) for i, p in enumerate([45, 48, 52, 45, 43, 45, 50, 48])]
    prompt = write_midi_file(tmp_path / "riff.mid", [Part(1, 38, "Bass", riff)], ppq=96)
    out = tmp_path / "o.mid"
    assert main(["generate", "--engine", "procedural", "--preset", "peak", "--bars", "8",
                 "--seed", "2", "--prompt", str(prompt), "-o", str(out)]) == 0  # fmt: skip
    song, _ = read_midi(out)
    assert song.key == Key(9, "minor")
    bass = song.track("bass")
    assert [n.pitch for n in bass.notes[:8]] == [45, 48, 52, 45, 43, 45, 50, 48]
    assert scale_consistency(song, Key(9, "minor")) >= 0.9
    assert load_prompt(prompt, "lead").role == "lead"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        # bad input: exit 1
        (["--preset", "polka"], 1, "no preset named 'polka'"),
        (["--prompt", "/nonexistent.mid"], 1, "cannot read"),
        (["--stems", "/proc/no/stems"], 1, "cannot create the stems folder"),
        # bad option values: exit 2, as argparse
        (["--key", "H minor"], 2, "key must look like"),
        (["--bpm", "900"], 2, "bpm must be in range"),
        (["--temperature", "5"], 2, "temperature must be in range"),
        (["--temperature", "nan"], 2, "temperature must be in range"),
        (["--prompt-role", "bass"], 2, "--prompt-role needs --prompt"),
    ],
)
def test_bad_input_is_one_line_its_exit_code_and_no_file(tmp_path, capsys, args, code, message):
    rc = main(["generate", "--engine", "procedural", *args, "-o", str(tmp_path / "x.mid")])
    err = capsys.readouterr().err
    assert rc == code and message in err and "Traceback" not in err
    assert not (tmp_path / "x.mid").exists()


def test_missing_output_folder_is_an_error(tmp_path, capsys):
    rc = main(["generate", "--engine", "procedural", "-o", str(tmp_path / "no" / "x.mid")])
    assert rc == 1 and "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--bars", "0"], ["--bars", "10001"], ["--tracks", "kazoo"], []])
def test_argument_errors_exit_2(tmp_path, args):
    argv = ["generate", "--engine", "procedural", *args]
    if args:
        argv += ["-o", str(tmp_path / "x.mid")]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_output_without_midi_suffix_gets_one_and_a_folder_is_refused(tmp_path, capsys):
    args = ["generate", "--engine", "procedural", "--bars", "1", "--seed", "1"]
    assert main([*args, "--variations", "2", "-o", str(tmp_path / "idea")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idea-1.mid", "idea-2.mid"]
    assert main([*args, "-o", str(tmp_path)]) == 1
    assert "is a folder" in capsys.readouterr().err
    assert not (tmp_path.parent / f"{tmp_path.name}.mid").exists()


def _bass_riff(tmp_path, name="riff.mid", start_beats=0.0):
    riff = [(p, start_beats + i * 0.5, 0.4, 100) for i, p in enumerate([45, 48, 52, 45])]
    kick = [(36, start_beats + b, 0.25, 110) for b in range(4)]
    return write_midi_file(
        tmp_path / name, [Part(9, None, "Drums", kick), Part(1, 38, "Bass", riff)], ppq=96
    )


def test_output_that_is_the_prompt_is_refused_and_the_riff_kept(tmp_path, capsys):
    prompt = _bass_riff(tmp_path)
    before = prompt.read_bytes()
    rc = main(["generate", "--engine", "procedural", "--prompt", str(prompt), "-o", str(prompt)])
    assert rc == 1 and "would overwrite your riff" in capsys.readouterr().err
    assert prompt.read_bytes() == before


def test_named_key_wins_over_the_prompts_estimate(tmp_path):
    prompt = _bass_riff(tmp_path)
    out = tmp_path / "o.mid"
    assert main(["generate", "--engine", "procedural", "--bars", "2", "--seed", "1", "--prompt",
                 str(prompt), "--key", "C major", "-o", str(out)]) == 0  # fmt: skip
    assert read_midi(out)[0].key == Key(0, "major")


def test_prompt_starts_at_its_first_note_and_a_named_role_takes_that_track(tmp_path):
    prompt = _bass_riff(tmp_path, start_beats=8.0)  # a clip exported from bar 3
    default = load_prompt(prompt)  # every track, the bass line the riff's main role
    assert default.role == "bass" and default.roles == ("drums", "bass")
    assert [n.pitch for n in default.bars[0].track("bass").notes] == [45, 48, 52, 45]
    as_drums = load_prompt(prompt, "drums")  # the file's drum track, not everything merged
    assert {n.pitch for b in as_drums.bars for n in b.tracks[0].notes} == {36}
    as_lead = load_prompt(prompt, "lead")  # the pitched notes only: kicks are not pitches
    assert {n.pitch for b in as_lead.bars for n in b.tracks[0].notes} == {45, 48, 52}


def test_the_shipped_model_writes_the_readme_idea(tmp_path, capsys):
    out = tmp_path / "idea.mid"
    assert main(["generate", "--preset", "acid", "--bars", "16", "-o", str(out)]) == 0
    assert "(model, seed" in capsys.readouterr().out
    song, _ = read_midi(out)
    assert song.length_bars == 16 and {"drums", "bass", "lead"} <= set(song.roles)
    assert all(t.notes for bar in song.bars() for t in bar.tracks)  # no empty bars


def test_the_model_continues_an_a_minor_bass_riff_in_key_without_the_scale_lock(tmp_path):
    from dataclasses import replace

    from jambridge.generation import generate
    from jambridge.music import Song
    from jambridge.preset import load_preset

    notes = [45, 48, 52, 45, 43, 45, 50, 48] * 2
    riff = [(p, i * 0.5, 0.4, 100) for i, p in enumerate(notes)]
    prompt = load_prompt(write_midi_file(tmp_path / "riff.mid", [Part(1, 38, "Bass", riff)]))
    preset = replace(load_preset("techno"), scale_lock=False)
    song = generate(preset, 8, 0, "model", prompt)
    assert [n.pitch for n in song.track("bass").notes[:16]] == notes  # the riff opens the song
    after = Song.from_bars(song.bars()[len(prompt.bars) :], tracks=song.tracks)
    assert {"drums", "chords", "lead"} <= {t.role for t in after.tracks if t.notes}
    assert after.track("bass").notes  # the riff's role is continued
    assert scale_consistency(after, Key(9, "minor")) >= 0.9


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("engine", ["procedural", "model"])
def test_a_long_generation_shows_progress_on_a_terminal(tmp_path, monkeypatch, engine):
    from jambridge.engine.session import default_model_path

    if engine == "model" and not default_model_path(must_exist=False).exists():
        pytest.skip("the shipped model is not installed")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    seen: list[int] = []
    update = Progress.update
    monkeypatch.setattr(Progress, "update", lambda p, n=1, **kw: (seen.append(p.done + n),
                                                                  update(p, n, **kw)))  # fmt: skip
    bars = 6 if engine == "model" else 64
    out = tmp_path / "long.mid"
    assert main(["generate", "--engine", engine, "--bars", str(bars), "-o", str(out)]) == 0
    shown = terminal.getvalue()
    assert f"{bars}/{bars} bars" in shown and "generating long.mid" in shown
    if engine == "model":
        assert seen == list(range(1, bars + 1))  # bar by bar, as they are made


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, capsys):
    assert main(["generate", "--engine", "procedural", "--bars", "8", "-o",
                 str(tmp_path / "x.mid")]) == 0  # fmt: skip
    assert capsys.readouterr().err == ""


def test_stems_are_reported(tmp_path, capsys):
    stems = tmp_path / "stems"
    assert main(["generate", "--engine", "procedural", "--bars", "2", "--tracks", "drums,bass",
                 "--stems", str(stems), "-o", str(tmp_path / "s.mid")]) == 0  # fmt: skip
    out = capsys.readouterr().out
    written = sorted(stems.iterdir())
    assert len(written) == 2
    assert "2 stems" in out and all(str(p) in out for p in written)
