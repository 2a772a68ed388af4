"""Dataset builder: a real build over small generated files, with a corrupt file among them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jambridge.dataset import BuildConfig, build, load_split
from jambridge.dataset_jobs import process_file
from jambridge.dataset_sources import parse_source
from jambridge.errors import DataError
from jambridge.tokenizer import Tokenizer
from tests.support.midi_factory import Part, write_midi_file, write_midi_folder, write_raw


def _song_parts(shift: int) -> list[Part]:
    drums = [(36, float(b), 0.25, 110) for b in range(16)] + [
        (42, b + 0.5, 0.1, 70) for b in range(16)
    ]
    bass = [(33 + shift, b + 0.5, 0.25, 100) for b in range(16)]
    chords = [(p + shift, float(b), 2.0, 80) for b in range(0, 16, 2) for p in (57, 60, 64)]
    return [
        Part(9, None, "Drums", drums),
        Part(1, 38, "Bass", bass),
        Part(2, 89, "Pad", chords),
    ]


@pytest.fixture
def corpus(tmp_path):
    songs = (_song_parts(i % 5) for i in range(12))
    src = write_midi_folder(tmp_path / "mine", songs, ppq=96, tempo_bpm=128)
    write_raw(src / "broken.mid", b"MThd\x00\x00\x00\x06\x00\x01")
    (src / "notes.txt").write_text("not a midi file, not picked up")
    return src


def test_build_writes_memmapped_splits_and_reports(corpus, tmp_path):
    out = tmp_path / "ds"
    cfg = BuildConfig(
        sources=((str(corpus), "techno"),),
        out=str(out),
        transpositions=2,
        val_fraction=0.3,
        workers=2,
        max_doc_tokens=256,
    )
    report = build(cfg, show_progress=False)
    assert report["files_used"] == 12 and report["files_skipped"] == 1
    assert any("broken" in v["example"] for v in report["skipped_reasons"].values())
    assert report["round_trip"]["precision"] == 1.0 and report["round_trip"]["recall"] == 1.0
    meta = json.loads((out / "meta.json").read_text())
    tok = Tokenizer.load(out / "tokenizer.json")
    assert meta["vocab_hash"] == tok.vocab_hash
    train, train_docs = load_split(out, "train")
    val, val_docs = load_split(out, "val")
    assert len(train) == report["tokens_train"] > 0 and len(val) == report["tokens_val"] > 0
    for tokens, docs in ((train, train_docs), (val, val_docs)):
        assert docs[:, 1].sum() == len(tokens)
        for offset, length, source in docs:
            doc = np.asarray(tokens[offset : offset + length])
            assert length <= 256 and source == 0
            assert doc[0] == tok.bos_id
            assert tok.grammar.accepts(doc.tolist())  # every document is a valid sequence
    # transposed copies only in train: train files hold 1 + 2 versions
    n_train = report["per_source"][0]["files_train"]
    assert len(train_docs) >= 3 * n_train


def test_split_is_stable_when_files_are_added(corpus, tmp_path):
    def val_names(out):
        build(
            BuildConfig(
                sources=((str(corpus), "techno"),),
                out=str(out),
                val_fraction=0.3,
                workers=1,
                transpositions=0,
            ),
            show_progress=False,
        )
        return json.loads((out / "meta.json").read_text())["report"]["per_source"][0]["files_val"]

    before = val_names(tmp_path / "a")
    write_midi_file(corpus / "zzz_new.mid", _song_parts(7)[:1], ppq=480)
    after = val_names(tmp_path / "b")
    assert after in (before, before + 1)


def test_procedural_songs_are_added(tmp_path):
    report = build(
        BuildConfig(
            sources=(), out=str(tmp_path / "p"), procedural=4, workers=1, procedural_bars=(4, 8)
        ),
        show_progress=False,
    )
    assert report["files_used"] == 4
    assert report["tokens_per_4track_bar"] > 0


def test_empty_sources_are_an_error(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no MIDI files"):
        build(BuildConfig(sources=((str(empty), "other"),), out=str(tmp_path / "o")))
    with pytest.raises(DataError, match="neither a folder nor a file"):
        build(BuildConfig(sources=((str(tmp_path / "missing"), "other"),), out=str(tmp_path)))


def test_source_style_defaults_from_folder_name(tmp_path):
    assert parse_source(str(tmp_path / "groove")) == (str(tmp_path / "groove"), "groove")
    assert parse_source("x/pop909") == ("x/pop909", "pop")
    assert parse_source("x/mine:acid") == ("x/mine", "acid")
    assert parse_source("x/mine")[1] == "other"
    assert parse_source("x/mine:Acid") == ("x/mine", "acid")
    # a Windows drive and a folder whose name holds a colon stay paths
    assert parse_source("C:\\midi\\set") == ("C:\\midi\\set", "other")
    odd = tmp_path / "live:set"
    odd.mkdir()
    assert parse_source(str(odd)) == (str(odd), "other")
    with pytest.raises(DataError, match="style must be one of techno, .*got 'acidd'"):
        parse_source("x/mine:acidd")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("workers", 0, "workers must be >= 1, got 0"),
        ("val_fraction", 1.0, "val_fraction must be in range 0..1"),
        ("max_doc_tokens", 5, "max_doc_tokens must be in range 64..1000000, got 5"),
        ("procedural", -3, "procedural must be >= 0, got -3"),
        ("transpositions", -1, "transpositions must be >= 0"),
        ("procedural_bars", (8, 4), "procedural_bars must be a range within 1..10000"),
    ],
)
def test_build_config_names_the_bad_field(tmp_path, field, value, message):
    with pytest.raises(DataError, match=message):
        BuildConfig(sources=(), out=str(tmp_path), **{field: value})


def test_output_that_cannot_be_a_folder_is_a_data_error(corpus, tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for out, message in ((a_file, "is a file"), (a_file / "sub", "cannot create")):
        cfg = BuildConfig(sources=((str(corpus), "techno"),), out=str(out), workers=1)
        with pytest.raises(DataError, match=message):
            build(cfg, show_progress=False)


def test_no_usable_file_is_an_error_that_keeps_the_old_dataset(tmp_path):
    src = tmp_path / "bad"
    src.mkdir()
    write_raw(src / "a.mid", b"")
    write_raw(src / "b.mid", b"")
    out = tmp_path / "ds"
    out.mkdir()
    (out / "meta.json").write_text("the old build")
    cfg = BuildConfig(sources=((str(src), "other"),), out=str(out), workers=1)
    with pytest.raises(
        DataError, match=r"no tokens from 2 file\(s\): 2 skipped \(2x DataError: empty"
    ):
        build(cfg, show_progress=False)
    assert (out / "meta.json").read_text() == "the old build"


def test_an_unexpected_reader_failure_skips_the_file(corpus, tmp_path, monkeypatch):
    import jambridge.midi_io

    def explode(data, where, roles=None):  # the worker reads through song_files.read_song
        raise ZeroDivisionError("a reader bug")

    monkeypatch.setattr(jambridge.midi_io, "midi_bytes_to_song", explode)
    cfg = BuildConfig(sources=(), out=str(tmp_path), workers=1)
    result = process_file((str(corpus / "song0.mid"), 0, "other", cfg))
    assert result.skipped == "unreadable (ZeroDivisionError)" and not result.docs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing"], "is neither a folder nor a file"),
        (["--procedural", "1", "--workers", "0"], "workers must be >= 1, got 0"),
    ],
)
def test_data_build_errors_are_one_line(tmp_path, capsys, args, message):
    from jambridge.cli import main

    argv = ["data", "build", *(str(tmp_path / a) if a == "missing" else a for a in args)]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("jambridge data: error: ") and message in err
    assert err.count("\n") == 1 and not (tmp_path / "o").exists()
