"""Training: the dataset loader, the loop (loss goes down, checkpoints, exact resume), the CLI, and
``torchrun --nproc-per-node 2`` on CPU reproducing a single-process run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jambridge.cli import main
from jambridge.errors import DataError
from jambridge.training.config import TrainConfig
from jambridge.training.data import HEADER_TOKENS, TokenSplit, read_info
from jambridge.training.trainer import Trainer, load_checkpoint, lr_at
from tests.support.model_factory import TINY, tiny_config, write_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("data") / "ds")


def small_config(**changes) -> TrainConfig:
    base = dict(model=tiny_config(), batch_size=4, max_steps=12, warmup_steps=2, lr=3e-3,
                min_lr=3e-4, eval_interval=6, eval_batches=2, log_interval=3, seed=7)  # fmt: skip
    return TrainConfig(**{**base, **changes})


# -- data ----------------------------------------------------------------------------------------


def test_rank_batches_partition_the_global_batch(dataset):
    split = TokenSplit(read_info(dataset), "train", 192)
    x, y = split.global_batch(seed=3, step=5, batch_size=4)
    parts = [split.rank_batch(3, 5, 4, rank, 2) for rank in (0, 1)]
    assert np.array_equal(np.concatenate([p[0] for p in parts]), x)
    assert np.array_equal(np.concatenate([p[1] for p in parts]), y)
    assert parts[0][2] == parts[1][2] == int((y >= 0).sum())  # global target count on each rank
    x2, _ = split.global_batch(seed=3, step=5, batch_size=4)
    assert np.array_equal(x, x2)  # a pure function of (seed, step)
    assert not np.array_equal(x, split.global_batch(seed=3, step=6, batch_size=4)[0])


def test_rows_are_shifted_targets_with_padding_ignored(dataset):
    info = read_info(dataset)
    split = TokenSplit(info, "train", 512)  # longer than any document: padded
    x, y = split.global_batch(0, 0, 2)
    for row_x, row_y in zip(x, y, strict=True):
        n = int((row_y >= 0).sum())
        assert row_x[0] == info.bos_id
        assert np.array_equal(row_x[1:n], row_y[: n - 1])
        assert (row_x[n:] == info.pad_id).all() and (row_y[n:] == -1).all()


def test_long_documents_are_cut_at_a_bar_with_the_header_pinned(dataset):
    info = read_info(dataset)
    split = TokenSplit(info, "train", 64)  # documents are ~300 tokens
    x, _ = split.global_batch(0, 1, 8)
    for row in x:
        assert row[0] == info.bos_id
        assert row[HEADER_TOKENS] == info.bar_id  # the window starts at a bar line
        doc_headers = {tuple(split.tokens[o : o + HEADER_TOKENS]) for o, _, _ in split.docs}
        assert tuple(row[:HEADER_TOKENS]) in doc_headers


def test_dataset_errors_say_what_is_wrong(tmp_path, dataset):
    with pytest.raises(DataError, match="does not exist"):
        read_info(tmp_path / "nope")
    broken = tmp_path / "broken"
    shutil.copytree(dataset, broken)
    (broken / "meta.json").unlink()
    with pytest.raises(DataError, match="meta.json is missing"):
        read_info(broken)
    shutil.copy(dataset / "meta.json", broken / "meta.json")
    meta = json.loads((broken / "meta.json").read_text())
    (broken / "meta.json").write_text(json.dumps({**meta, "vocab_hash": "0000"}))
    with pytest.raises(DataError, match="does not match tokenizer.json"):
        read_info(broken)


# -- the loop -------------------------------------------------------------------------------------


def test_lr_schedule_warms_up_then_decays_to_min():
    cfg = small_config(max_steps=100, warmup_steps=10)
    assert lr_at(cfg, 0) == pytest.approx(cfg.lr / 10)
    assert lr_at(cfg, 9) == pytest.approx(cfg.lr)
    assert lr_at(cfg, 55) < cfg.lr
    assert lr_at(cfg, 100) == pytest.approx(cfg.min_lr)


def test_training_lowers_the_loss_and_writes_the_run(dataset, tmp_path):
    trainer = Trainer(dataset, small_config(max_steps=30, eval_interval=30), tmp_path / "run",
                      show_progress=False)  # fmt: skip
    first, _ = trainer.train_step()
    summary = trainer.run()
    assert summary["loss"] < first - 1.0
    assert summary["val_loss"] is not None and summary["val_loss"] < first
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert {"step", "loss", "lr", "tokens_per_s"} <= set(log[0])
    assert log[-1]["step"] == 30 and "val_loss" in log[-1]
    ckpt = load_checkpoint(tmp_path / "run" / "ckpt.pt")
    assert ckpt["step"] == 30 and ckpt["vocab_hash"] == read_info(dataset).vocab_hash
    assert (tmp_path / "run" / "best.pt").exists()
    assert (
        TrainConfig.load(tmp_path / "run" / "config.json").model.vocab_size
        == read_info(dataset).vocab_size
    )


def test_resume_continues_exactly(dataset, tmp_path):
    full = Trainer(dataset, small_config(), tmp_path / "full", show_progress=False)
    full.run()
    half = Trainer(dataset, small_config(), tmp_path / "half", show_progress=False)
    half.run(until=5)  # interrupted between checkpoints: the end of run() saves one
    resumed = Trainer(dataset, small_config(), tmp_path / "half", resume=True, show_progress=False)
    assert resumed.step == 5
    resumed.run()

    def losses(run: str) -> dict[int, float]:
        lines = (tmp_path / run / "log.jsonl").read_text().splitlines()
        return {r["step"]: r["loss"] for r in map(json.loads, lines)}

    assert losses("half") == pytest.approx(losses("full"), abs=1e-6)


def test_checkpoint_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_checkpoint(tmp_path / "none.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(DataError, match="cannot be read"):
        load_checkpoint(tmp_path / "junk.pt")


def test_cli_trains_and_refuses_to_overwrite_a_run(dataset, tmp_path, capsys):
    cfg = tmp_path / "cfg.json"
    small_config(max_steps=4).save(cfg)
    args = ["train", "--data", str(dataset), "--config", str(cfg), "--out", str(tmp_path / "r"),
            "--no-progress", "--json"]  # fmt: skip
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 4
    assert main(args) == 1
    assert "already holds a run" in capsys.readouterr().err
    assert main([*args, "--resume", "--max-steps", "6"]) == 0
    assert load_checkpoint(tmp_path / "r" / "ckpt.pt")["step"] == 6


@pytest.mark.slow
def test_torchrun_two_processes_match_one(dataset, tmp_path):
    """DDP on CPU (gloo): same global batches split over 2 ranks -> the same loss curve."""
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("torchrun is not installed")
    cfg = tmp_path / "cfg.json"
    small_config(max_steps=8, log_interval=1, eval_interval=8).save(cfg)
    common = ["train", "--data", str(dataset), "--config", str(cfg), "--no-progress"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    assert main([*common, "--out", str(tmp_path / "one")]) == 0
    ddp = subprocess.run([str(torchrun), "--nproc-per-node", "2", "--master-port", "29531",
                          "-m", "jambridge.cli", *common, "--out", str(tmp_path / "two")],
                         env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert ddp.returncode == 0, ddp.stderr[-2000:]
    assert "2 process(es)" in ddp.stdout

    def curve(run: str) -> list[float]:
        lines = (tmp_path / run / "log.jsonl").read_text().splitlines()
        return [json.loads(line)["loss"] for line in lines]

    one, two = curve("one"), curve("two")
    assert len(one) == len(two) == 8
    assert one[-1] < one[0]
    assert two == pytest.approx(one, abs=2e-4)  # float summation order only


def test_tiny_config_stays_tiny():
    assert TINY["n_layer"] * TINY["n_embd"] <= 128  # keeps this file fast


def test_header_pin_can_be_switched_off(dataset):
    info = read_info(dataset)
    split = TokenSplit(info, "train", 64, header_pin=False)
    x, _ = split.global_batch(0, 1, 16)
    assert (x[:, 0] != info.bos_id).any()  # plain crops start anywhere
