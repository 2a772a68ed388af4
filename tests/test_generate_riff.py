"""``jambridge generate --prompt riff.mid --riff ...`` as a user runs it: keep by default, develop
and drumify, and a one-line error for every option that cannot work."""

from __future__ import annotations

import pytest

from jambridge.cli import main
from jambridge.commands.generate_args import RIFF_KINDS, RIFF_MODES
from jambridge.midi_io import read_midi
from jambridge.riff import KINDS, MODES
from jambridge.riff.accents import accents
from jambridge.riff.drums import locked_notes
from jambridge.riff.similarity import onset_f1, onset_slots
from tests.support.midi_factory import Part, write_midi_file

BASS = [45, 48, 52, 45, 43, 45, 50, 48]  # A C E A G A D C


@pytest.fixture
def riff_file(tmp_path):
    notes = [(p, i * 0.5, 0.4, 100 if i % 4 else 120) for i, p in enumerate(BASS * 2)]
    return write_midi_file(tmp_path / "riff.mid", [Part(1, 38, "Bass", notes)], ppq=96,
                           tempo_bpm=128)  # fmt: skip


def _generate(capsys, *args):
    rc = main(["generate", "--bars", "8", "--seed", "4", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _bass(path) -> list[list[tuple[int, float]]]:
    song, _ = read_midi(path)
    return [[(n.pitch, n.start_beats) for n in b.track("bass").notes] for b in song.bars()]


def test_the_cli_offers_the_librarys_modes_and_kinds():
    assert RIFF_MODES == MODES and RIFF_KINDS == KINDS


def test_a_riff_prompt_is_kept_by_default(tmp_path, capsys, riff_file):
    out = tmp_path / "o.mid"
    rc, stdout, _ = _generate(capsys, "--prompt", str(riff_file), "-o", str(out))
    assert rc == 0 and "riff: keep: the 2-bar bass riff loops exactly, as played" in stdout
    bars = _bass(out)
    assert len(bars) == 8 and all(bar == bars[i % 2] for i, bar in enumerate(bars))
    assert [p for p, _ in bars[0] + bars[1]] == BASS * 2


def test_develop_varies_the_riff_and_brings_it_back(tmp_path, capsys, riff_file):
    out = tmp_path / "o.mid"
    args = ("--riff", "develop", "--riff-amount", "0.75", "--riff-kind", "rhythm",
            "--riff-return", "4")  # fmt: skip
    rc, stdout, _ = _generate(capsys, "--prompt", str(riff_file), *args, "-o", str(out))
    assert rc == 0 and "comes back exactly every 4 bars" in stdout
    bars = _bass(out)
    assert bars[4:6] == bars[0:2] and bars[2] != bars[0] and bars[3] != bars[1]
    assert [s for _, s in bars[2]] == [s for _, s in bars[0]]  # same rhythm, new notes


def test_drumify_writes_kick_and_snare_on_the_riffs_accents(tmp_path, capsys, riff_file):
    out = tmp_path / "o.mid"
    rc, stdout, _ = _generate(capsys, "--prompt", str(riff_file), "--drumify", "-o", str(out))
    assert rc == 0 and "drumify: kick and snare on the bass riff's accents" in stdout
    song, _ = read_midi(out)
    for bar in song.bars():
        marks = accents(bar.track("bass").notes)
        assert onset_f1(marks, onset_slots(locked_notes(bar.track("drums")))) >= 0.8


def test_four_on_the_floor_under_drumify_only_where_the_preset_asks(tmp_path, capsys, riff_file):
    import json

    from jambridge.evaluation.metrics import four_on_the_floor

    preset = tmp_path / "four.json"
    preset.write_text(json.dumps({"name": "Four", "drumify_four_on_the_floor": True}))
    for path, four in ((preset, True), ("techno", False)):
        out = tmp_path / f"{four}.mid"
        rc, _, _ = _generate(capsys, "--prompt", str(riff_file), "--drumify", "--preset",
                             str(path), "--riff", "continue", "-o", str(out))  # fmt: skip
        assert rc == 0
        for bar in read_midi(out)[0].bars()[2:]:
            kicks = [round(n.start_beats * 12) for n in bar.track("drums").notes if n.pitch == 36]
            assert four_on_the_floor(kicks) == four


def test_develop_is_the_same_for_the_same_seed(tmp_path, capsys, riff_file):
    args = ("--prompt", str(riff_file), "--riff", "develop", "--riff-kind", "free")
    for name in ("a.mid", "b.mid"):
        assert _generate(capsys, *args, "-o", str(tmp_path / name))[0] == 0
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()


def test_procedural_engine_quantizes_and_keeps_the_riff(tmp_path, capsys):
    late = [(p, i * 0.5 + 0.04, 0.4, 100) for i, p in enumerate(BASS)]
    riff = write_midi_file(tmp_path / "late.mid", [Part(1, 38, "Bass", late)], ppq=480)
    out = tmp_path / "o.mid"
    rc, _, _ = _generate(capsys, "--engine", "procedural", "--prompt", str(riff),
                         "--quantize", "1", "-o", str(out))  # fmt: skip
    assert rc == 0
    assert all(bar == [(p, i * 0.5) for i, p in enumerate(BASS)] for bar in _bass(out))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--riff", "keep"], "--riff needs --prompt FILE"),
        (["--drumify"], "--drumify needs --prompt FILE"),
        (["--quantize", "0"], "--quantize needs --prompt FILE"),
        (["PROMPT", "--riff-amount", "0.3"], "--riff-amount works with --riff develop, not "
                                             "--riff keep"),
        (["PROMPT", "--riff", "continue", "--riff-kind", "notes"], "--riff-kind works with "
                                                                  "--riff develop"),
        (["PROMPT", "--riff", "develop", "--riff-return", "2"], "--riff-return 2 must be longer "
                                                              "than the prompt's riff (2 bars)"),
        (["PROMPT", "--drumify", "--tracks", "bass,lead"], "--drumify writes drums; add drums"),
        (["DRUMS", "--drumify"], "--drumify writes drums from a bass, chords or lead riff"),
        (["--infill", "FILE", "--bars", "2-3", "--riff", "develop"], "--riff needs --prompt"),
        (["PROMPT", "--riff", "loop"], "argument --riff: invalid choice: 'loop'"),
        (["PROMPT", "--riff-amount", "2"], "argument --riff-amount: must be in range 0..1"),
        (["PROMPT", "--quantize", "x"], "argument --quantize: must be a number in 0..1"),
        (["PROMPT", "--riff", "develop", "--riff-return", "1"], "argument --riff-return: must "
                                                              "be >= 2"),
    ],
)  # fmt: skip
def test_options_that_cannot_work_are_one_line_errors(tmp_path, capsys, riff_file, args, message):
    drums = write_midi_file(tmp_path / "d.mid", [Part(9, None, "Drums", [(36, 0.0, 0.25, 100)])])
    names = {"PROMPT": ["--prompt", str(riff_file)], "DRUMS": ["--prompt", str(drums)],
             "FILE": [str(riff_file)]}  # fmt: skip
    argv = [x for a in args for x in names.get(a, [a])]
    try:  # argparse's own checks exit; the command's return
        rc = main(["generate", *argv, "-o", str(tmp_path / "o.mid")])
    except SystemExit as exit_:
        rc = exit_.code
    err = capsys.readouterr().err
    assert rc == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("jambridge generate: error: ") and message in last, err
    assert not (tmp_path / "o.mid").exists()


def test_swing_on_the_riffs_role_is_said_to_leave_the_riff_as_given(tmp_path, capsys, riff_file):
    """The riff plays as given; ``--swing`` naming its role (or every role) says so on stderr
    instead of doing nothing silently; swing on another role says nothing."""
    out = tmp_path / "o.mid"
    _, _, err = _generate(capsys, "--prompt", str(riff_file), "--swing", "0.62", "-o", str(out))
    assert "warning: the riff's bass plays as given" in err
    _, _, err = _generate(capsys, "--prompt", str(riff_file), "--swing", "drums=0.62",
                          "-o", str(tmp_path / "p.mid"))  # fmt: skip
    assert "plays as given" not in err
