"""Prompts that say what they did: tracks and roles, key and where it came from, tempo kept, and
one warning line per contradiction with --key / --prompt-role."""

from __future__ import annotations

from jambridge.cli import main
from jambridge.generation import generate
from jambridge.midi_io import read_midi
from jambridge.music import Key
from jambridge.preset import load_preset
from jambridge.prompt import load_prompt, prompt_warnings, report_lines
from tests.support.midi_factory import Part, write_midi_file

A_MINOR_RIFF = [45, 48, 52, 45, 43, 45, 50, 48]  # A C E A G A D C


def _notes(pitches, step=0.5, bars=2):
    """``pitches`` repeated as 8ths over ``bars`` bars."""
    count = int(4 / step) * bars
    return [(p, i * step, step * 0.8, 100) for i, p in enumerate((pitches * bars)[:count])]


def _two_track_riff(tmp_path, **options):
    kick = [(36, float(b), 0.25, 110) for b in range(8)]
    return write_midi_file(
        tmp_path / "riff.mid",
        [Part(9, None, "Drums", kick), Part(1, 38, "Bass", _notes(A_MINOR_RIFF))],
        ppq=96,
        tempo_bpm=128,
        **options,
    )


def _bass_only(tmp_path):
    return write_midi_file(
        tmp_path / "bass.mid", [Part(1, 38, "Bass", _notes(A_MINOR_RIFF))], ppq=96, tempo_bpm=128
    )


def _run(capsys, *args):
    rc = main(["generate", "--engine", "procedural", "--bars", "4", "--seed", "1", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_report_names_each_track_and_the_role_it_plays(tmp_path):
    lines = report_lines(load_prompt(_two_track_riff(tmp_path)))
    assert lines[0].startswith("prompt riff.mid: 2 bars; ")
    assert "drums <- track 1 'Drums' ch 10 program 0 (8 notes)" in lines[0]
    assert "bass <- track 2 'Bass' ch 2 program 38 (16 notes)" in lines[0]
    assert lines[1] == "prompt key: A minor (estimated from the notes)"
    assert lines[2].startswith("prompt tempo: 128 BPM, the file's")


def test_report_says_the_key_came_from_the_key_signature(tmp_path):
    path = _two_track_riff(tmp_path, key=(0, 0))  # C major: the A minor riff's own notes
    prompt = load_prompt(path)
    assert prompt.key == Key(0, "major")
    assert report_lines(prompt)[1] == "prompt key: C major (key signature)"


def test_a_contradicted_key_signature_is_reported_with_the_estimate(tmp_path):
    path = _two_track_riff(tmp_path, key=(-3, 0))  # Eb major: no A, no E
    line = report_lines(load_prompt(path))[1]
    assert line.startswith("prompt key: A minor (estimated from the notes; the key signature")
    assert "the key signature says Eb major" in line


def test_a_multi_track_prompt_uses_every_track(tmp_path):
    prompt = load_prompt(_two_track_riff(tmp_path))
    assert prompt.roles == ("drums", "bass") and prompt.role == "bass"
    song = generate(load_preset("techno"), 4, 1, "procedural", prompt)
    for i, bar in enumerate(song.bars()):
        riff_bar = prompt.bars[i % len(prompt.bars)]
        for role in ("drums", "bass"):
            played = [(n.pitch, n.start_beats) for n in bar.track(role).notes]
            assert played == [(n.pitch, n.start_beats) for n in riff_bar.track(role).notes]


def test_the_model_plays_every_prompt_role_as_given(tmp_path):
    prompt = load_prompt(_two_track_riff(tmp_path))
    song = generate(load_preset("techno"), 3, 1, "model", prompt)
    bars = song.bars()
    for i, riff_bar in enumerate(prompt.bars):
        for role in ("drums", "bass"):
            played = [(n.pitch, n.start_beats) for n in bars[i].track(role).notes]
            assert played == [(n.pitch, n.start_beats) for n in riff_bar.track(role).notes]
    assert bars[2].track("chords").notes or bars[2].track("lead").notes  # the rest answers


def test_the_prompts_tempo_is_kept(tmp_path, capsys):
    out = tmp_path / "o.mid"
    rc, stdout, _ = _run(capsys, "--prompt", str(_two_track_riff(tmp_path)), "-o", str(out))
    assert rc == 0 and read_midi(out)[0].tempo_bpm == 128  # not techno's 130
    assert "prompt tempo: 128 BPM, the file's" in stdout


def test_bpm_overrides_the_prompts_tempo(tmp_path, capsys):
    out = tmp_path / "o.mid"
    args = ("--prompt", str(_two_track_riff(tmp_path)), "--bpm", "140", "-o", str(out))
    rc, stdout, _ = _run(capsys, *args)
    assert rc == 0 and read_midi(out)[0].tempo_bpm == 140
    assert "prompt tempo: 140 BPM as --bpm says (the file's: 128 BPM)" in stdout


def test_a_key_that_contradicts_the_prompt_is_one_warning_naming_both(tmp_path, capsys):
    out = tmp_path / "o.mid"
    args = ("--prompt", str(_two_track_riff(tmp_path)), "--key", "C# major", "-o", str(out))
    rc, _, stderr = _run(capsys, *args)
    lines = stderr.splitlines()
    assert rc == 0 and len(lines) == 1
    assert lines[0].startswith("warning: --key Db major contradicts the prompt's key A minor")
    assert read_midi(out)[0].key == Key(1, "major")  # the user's key still wins


def test_a_relative_key_is_warned_about_as_the_same_notes(tmp_path):
    prompt = load_prompt(_two_track_riff(tmp_path))
    (line,) = prompt_warnings(prompt, Key(0, "major"))
    assert "C major" in line and "A minor" in line and "the same notes" in line


def test_no_warning_when_the_options_agree_with_the_prompt(tmp_path, capsys):
    out = tmp_path / "o.mid"
    args = ("--prompt", str(_bass_only(tmp_path)), "--prompt-role", "bass", "--key", "Am")
    rc, _, stderr = _run(capsys, *args, "-o", str(out))
    assert rc == 0 and stderr == ""


def test_a_bass_riff_given_as_drums_is_warned_about(tmp_path, capsys):
    out = tmp_path / "o.mid"
    args = ("--prompt", str(_bass_only(tmp_path)), "--prompt-role", "drums", "-o", str(out))
    rc, _, stderr = _run(capsys, *args)
    (line,) = stderr.splitlines()
    assert rc == 0 and line.startswith("warning: --prompt-role drums: the prompt's track 1")
    assert "reads as bass" in line


def test_merging_tracks_for_a_missing_role_is_warned_about(tmp_path):
    prompt = load_prompt(_two_track_riff(tmp_path), "lead")
    assert prompt.roles == ("lead",)
    (line,) = prompt_warnings(prompt)
    assert line.startswith("--prompt-role lead: the prompt has no lead track")
