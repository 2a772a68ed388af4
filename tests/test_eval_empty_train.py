"""A built dataset whose train split is empty (a small corpus, all hashed to val) is still a
dataset: ``jambridge eval`` works from its val split and says what it skipped (issue 15, item 13;
it crashed with "cannot mmap an empty file")."""

from __future__ import annotations

import pytest

from jambridge.cli import main
from jambridge.dataset import load_split
from tests.support.midi_factory import Part, write_midi_folder


@pytest.fixture(scope="module")
def val_only(tmp_path_factory):
    """A dataset built from three songs, every one in the val split."""
    root = tmp_path_factory.mktemp("empty-train")
    drums = Part(9, None, "Drums", [(36, float(b), 0.25, 110) for b in range(16)])
    basses = [[(33 + i, b + 0.5, 0.25, 100) for b in range(16)] for i in range(3)]
    songs = [[drums, Part(1, 38, "Bass", notes)] for notes in basses]
    src = write_midi_folder(root / "src", songs, ppq=96, tempo_bpm=128)
    out = root / "ds"
    args = ["data", "build", str(src), "--out", str(out), "--val-fraction", "0.999",
            "--workers", "1", "--transpositions", "0"]  # fmt: skip
    assert main(args) == 0
    return out


def test_an_empty_split_loads_as_empty_arrays(val_only):
    assert (val_only / "train.bin").stat().st_size == 0
    tokens, docs = load_split(val_only, "train")
    assert len(tokens) == 0 and len(docs) == 0
    tokens, docs = load_split(val_only, "val")
    assert len(docs) > 0 and len(tokens) == docs[:, 1].sum()


def test_eval_works_without_a_train_split(val_only, tmp_path, capsys):
    code = main(["eval", "--real", str(val_only), "--out", str(tmp_path / "report")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "cannot mmap" not in err
    report = (tmp_path / "report" / "report.md").read_text()
    assert "the train split is empty" in report
