"""`jambridge tokenize` as a user runs it: the summary, the audible round trip, bad files."""

from __future__ import annotations

import json

import pytest

from jambridge.cli import main
from jambridge.midi_io import read_midi
from jambridge.tokenizer import Tokenizer
from tests.support.midi_factory import Part, midi_bytes, write_midi_file, write_raw

KICKS = [(36, float(b), 0.25, 110) for b in range(8)]
BASS = [(33 + (i % 3), i * 0.5 + 0.25, 0.25, 90) for i in range(16)]
# off the grid by a 96th of a beat, and one drum key below the tokenizer's range
LOOSE_HATS = [(42, b + 0.51, 0.1, 60) for b in range(8)] + [(20, 0.0, 0.1, 60)]


def test_summary_and_decode_write_what_the_model_hears(tmp_path, capsys):
    src = write_midi_file(
        tmp_path / "in.mid",
        [Part(9, None, "Drums", KICKS + LOOSE_HATS), Part(1, 38, "Bass", BASS)],
        ppq=96,
    )
    out = tmp_path / "heard.mid"
    assert main(["tokenize", str(src), "--decode", str(out), "--tokens", "5", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    summary = json.loads(lines[-1])
    assert lines[0].startswith(f"{src}: 2 bars")
    assert summary["roles"] == {"drums": 16, "bass": 16}
    assert summary["quantization"] == {"drum_key_out_of_range": 1}
    assert summary["round_trip_exact"] is True
    assert any(line.strip().startswith("BOS STYLE_") for line in lines)
    assert any("<- track 2 'Bass'" in line for line in lines)
    heard, _ = read_midi(out)
    quantized = Tokenizer().quantize_song(read_midi(src)[0])
    assert {t.role: t.notes for t in heard.tracks} == {t.role: t.notes for t in quantized.tracks}


def test_drums_only_file_tokenizes(tmp_path, capsys):
    src = write_midi_file(tmp_path / "beat.mid", [Part(9, None, "Drums", KICKS)], ppq=480)
    assert main(["tokenize", str(src), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["roles"] == {"drums": 8} and summary["bars"] == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: write_raw(d / "empty.mid", b""), "empty file"),
        (lambda d: write_raw(d / "junk.mid", b"\x00garbage" * 10), "not a MIDI file"),
        (
            lambda d: write_raw(d / "cut.mid", midi_bytes([Part(1, 38, "B", BASS)])[:40]),
            "truncated",
        ),
        (lambda d: d, "cannot read the file"),
        (lambda d: d / "missing.mid", "cannot read the file"),
    ],
)
def test_bad_files_are_one_line_and_exit_1(tmp_path, capsys, make, message):
    path = make(tmp_path)
    assert main(["tokenize", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("jambridge tokenize: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_negative_token_count_is_an_argument_error(tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["tokenize", str(tmp_path / "x.mid"), "--tokens", "-1"])
    assert info.value.code == 2
