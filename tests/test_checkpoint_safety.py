"""A checkpoint is data, never code: a crafted .pt whose pickle would run a command on load is
refused by ``jambridge export`` and ``jambridge train --resume`` with one line, and runs nothing
(issue 15, item 1)."""

from __future__ import annotations

import os

import pytest

torch = pytest.importorskip("torch")

from jambridge.cli import main  # noqa: E402
from jambridge.training.trainer import CHECKPOINT_FORMAT  # noqa: E402
from tests.support.model_factory import write_dataset  # noqa: E402


class _Payload:
    """Pickles as a call to ``os.makedirs(marker)``: loading it with full pickle runs that."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.makedirs, (self.marker,))


def _evil_checkpoint(path, marker) -> None:
    torch.save({"format": CHECKPOINT_FORMAT, "model": _Payload(str(marker))}, path)


def _refused_running_nothing(code: int, err: str, marker) -> None:
    """The command refused the checkpoint in one line (exit 1) and ran none of its code."""
    assert not marker.exists()
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "not a JamBridge checkpoint" in err


def test_export_of_a_crafted_checkpoint_runs_nothing(tmp_path, capsys):
    marker = tmp_path / "ran"
    _evil_checkpoint(tmp_path / "evil.pt", marker)
    code = main(["export", str(tmp_path / "evil.pt"), "-o", str(tmp_path / "m.onnx")])
    _refused_running_nothing(code, capsys.readouterr().err, marker)


def test_resume_from_a_crafted_checkpoint_runs_nothing(tmp_path, capsys):
    marker = tmp_path / "ran"
    data = write_dataset(tmp_path / "ds")
    run = tmp_path / "run"
    run.mkdir()
    _evil_checkpoint(run / "ckpt.pt", marker)
    code = main(["train", "--data", str(data), "--out", str(run), "--resume", "--no-progress"])
    _refused_running_nothing(code, capsys.readouterr().err, marker)


def test_a_fifo_given_as_a_checkpoint_is_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "ckpt.pt"
    os.mkfifo(fifo)
    assert main(["export", str(fifo), "-o", str(tmp_path / "m.onnx")]) == 1
    assert "it is a FIFO" in capsys.readouterr().err
