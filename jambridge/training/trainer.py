"""The training loop: AdamW, warmup + cosine, gradient clipping, bf16 autocast where the hardware
has it, validation loss, checkpoints and resume, a progress bar and a JSONL log.

Runs on CPU, on one GPU, or on several processes under ``torchrun`` (DistributedDataParallel;
gloo on CPU, nccl on GPU). The global batch of a step is fixed by ``(seed, step)`` and split over
ranks and accumulation micro-steps; each rank's loss is its token sum over the step's global
token count, so gradients (averaged by DDP) and the loss curve are the same as a single
process's, up to float summation order.

Run directory::

    config.json   the TrainConfig (model config inside)
    ckpt.pt       latest checkpoint (model, optimizer, step, configs, tokenizer JSON)
    best.pt       the checkpoint with the lowest validation loss so far
    log.jsonl     one JSON object per log line / validation pass
"""

from __future__ import annotations

import json
import math
import os
import pickle
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

from jambridge.errors import DataError
from jambridge.files import check_regular
from jambridge.progress import Progress
from jambridge.training.config import TrainConfig
from jambridge.training.data import ControlDropout, TokenSplit, read_info
from jambridge.training.model import GPT

CHECKPOINT_FORMAT = "jambridge-checkpoint/1"


@dataclass(frozen=True)
class Dist:
    """Where this process sits in a (possibly one-process) run."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: str = "cpu"

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_distributed(device: str | None = None) -> Dist:
    """Join the torchrun process group when launched by torchrun; pick the device."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    if device is None:
        device = f"cuda:{local}" if torch.cuda.is_available() else "cpu"
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if device.startswith("cuda") else "gloo"
        if device.startswith("cuda"):
            torch.cuda.set_device(device)
        dist.init_process_group(backend=backend)
    return Dist(rank, world, local, device)


def lr_at(cfg: TrainConfig, step: int) -> float:
    """Linear warmup to ``lr``, then cosine decay to ``min_lr`` at ``max_steps``."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    span = max(1, cfg.max_steps - cfg.warmup_steps)
    progress = min(1.0, (step - cfg.warmup_steps) / span)
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (cfg.lr - cfg.min_lr)


def autocast_dtype(cfg: TrainConfig, device: str) -> torch.dtype | None:
    """bf16 autocast: always for ``bfloat16``; for ``auto`` only on GPUs that support it."""
    if cfg.dtype == "bfloat16":
        return torch.bfloat16
    if cfg.dtype == "auto" and device.startswith("cuda") and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return None


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices only (not on norms)."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [
        {"params": decay, "weight_decay": cfg.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2))


def save_checkpoint(path: Path, payload: dict) -> None:
    """Write atomically (a crash mid-write never leaves a half checkpoint)."""
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: str | Path) -> dict:
    """A checkpoint written by :func:`train`; DataError if it is not one. Only tensors and
    plain data are unpickled (``weights_only=True``): a crafted file cannot run code."""
    check_regular(path, "a checkpoint", DataError)  # a FIFO would block torch.load
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # what torch's restricted unpickler raises for both
        raise DataError(
            f"checkpoint {path} cannot be read: not a JamBridge checkpoint (not a torch file, or "
            "it holds Python objects besides tensors and plain data, which are never loaded)"
        ) from None
    except Exception as err:  # torch raises many types for a corrupt file
        first = (str(err).strip().splitlines() or [""])[0][:200]
        why = f"{type(err).__name__}: {first}"
        raise DataError(f"checkpoint {path} cannot be read ({why})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise DataError(f"{path} is not a JamBridge checkpoint (written by `jambridge train`)")
    return ckpt


class Trainer:
    """One training run. ``run()`` trains to ``cfg.max_steps`` and returns a summary dict."""

    def __init__(
        self,
        data_dir: str | Path,
        cfg: TrainConfig,
        out_dir: str | Path,
        resume: bool = False,
        device: str | None = None,
        show_progress: bool = True,
        init_from: str | Path | None = None,
    ) -> None:
        self.info = read_info(data_dir)
        self.cfg = cfg.with_model(vocab_size=self.info.vocab_size)
        self.out = Path(out_dir)
        self.dist = setup_distributed(device)
        self.show_progress = show_progress and self.dist.main
        self.micro = self.cfg.micro_batch(self.dist.world)
        block = self.cfg.model.block_size
        pin = self.cfg.header_pin
        drop = ControlDropout(self.cfg.controls_off, self.cfg.control_keep)
        self.train_split = TokenSplit(self.info, "train", block, self.cfg.source_weights, pin, drop)
        self.val_split = TokenSplit(self.info, "val", block, header_pin=pin, controls=drop)
        if not len(self.train_split):
            raise DataError(f"{data_dir}: the train split has no documents")
        torch.manual_seed(self.cfg.seed)
        self.model = GPT(self.cfg.model).to(self.dist.device)
        self.opt = make_optimizer(self.model, self.cfg)
        self.step, self.best_val = 0, float("inf")
        self.init_report = None
        if init_from is not None and not resume:  # before the optimizer sees the weights
            from jambridge.tokenizer import Tokenizer
            from jambridge.training.warm_start import load_into

            tok = Tokenizer.from_json(self.info.tokenizer_json)
            self.init_report = load_into(self.model, init_from, tok)
            self.opt = make_optimizer(self.model, self.cfg)
        if resume:
            self._resume()
        elif self.dist.main:
            self.out.mkdir(parents=True, exist_ok=True)
            self.cfg.save(self.out / "config.json")
            (self.out / "log.jsonl").write_text("")
        torch.manual_seed(self.cfg.seed + 1000 * self.dist.rank + self.step)  # dropout stream
        self.ddp = (
            DDP(
                self.model,
                device_ids=[self.dist.local_rank] if "cuda" in self.dist.device else None,
            )
            if self.dist.world > 1
            else None
        )
        self.amp = autocast_dtype(self.cfg, self.dist.device)

    # -- checkpoints -------------------------------------------------------------------------

    def _payload(self, val_loss: float | None) -> dict:
        return {
            "format": CHECKPOINT_FORMAT,
            "model": self.model.state_dict(),
            "optimizer": self.opt.state_dict(),
            "step": self.step,
            "val_loss": val_loss,
            "best_val": self.best_val,
            "train_config": self.cfg.to_dict(),
            "model_config": self.cfg.model.to_dict(),
            "vocab_hash": self.info.vocab_hash,
            "tokenizer_json": self.info.tokenizer_json,
        }

    def _resume(self) -> None:
        path = self.out / "ckpt.pt"
        ckpt = load_checkpoint(path)
        if ckpt["model_config"] != self.cfg.model.to_dict():
            raise DataError(
                f"{path}: its model config differs from this run's; resume with the same "
                f"--config (checkpoint: {ckpt['model_config']})"
            )
        if ckpt["vocab_hash"] != self.info.vocab_hash:
            raise DataError(
                f"{path} was trained on vocabulary {ckpt['vocab_hash']}, the dataset has "
                f"{self.info.vocab_hash}"
            )
        self.model.load_state_dict(ckpt["model"])
        self.opt.load_state_dict(ckpt["optimizer"])
        self.step, self.best_val = int(ckpt["step"]), float(ckpt["best_val"])

    # -- steps ---------------------------------------------------------------------------------

    def _autocast(self):
        if self.amp is None:
            return nullcontext()
        return torch.autocast(self.dist.device.split(":")[0], dtype=self.amp)

    def _tensor(self, a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a).to(self.dist.device, non_blocking=True)

    def train_step(self) -> tuple[float, int]:
        """One optimizer step; returns (mean loss over the global batch, target tokens)."""
        cfg, d = self.cfg, self.dist
        x, y, n_global = self.train_split.rank_batch(cfg.seed, self.step, cfg.batch_size,
                                                     d.rank, d.world)  # fmt: skip
        lr = lr_at(cfg, self.step)
        for group in self.opt.param_groups:
            group["lr"] = lr
        net = self.ddp or self.model
        total = torch.zeros((), device=d.device)
        for m in range(cfg.grad_accum_steps):
            sl = slice(m * self.micro, (m + 1) * self.micro)
            xb, yb = self._tensor(x[sl]), self._tensor(y[sl])
            last = m == cfg.grad_accum_steps - 1
            sync = nullcontext() if (self.ddp is None or last) else self.ddp.no_sync()
            with sync, self._autocast():
                logits, _ = net(xb)
                loss_sum = torch.nn.functional.cross_entropy(
                    logits.float().view(-1, logits.size(-1)), yb.view(-1),
                    ignore_index=-1, reduction="sum",
                )  # fmt: skip
                # DDP averages gradients over ranks: scale so the result is sum / n_global.
                (loss_sum * d.world / max(1, n_global)).backward()
            total += loss_sum.detach()
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        if d.world > 1:
            dist.all_reduce(total)
        self.step += 1
        return total.item() / max(1, n_global), n_global

    @torch.no_grad()
    def evaluate(self) -> float | None:
        """Mean validation loss over the fixed validation batches (None: no val split)."""
        if not len(self.val_split):
            return None
        cfg, d = self.cfg, self.dist
        self.model.eval()
        sums = torch.zeros(2, device=d.device)
        for i, (x, y) in enumerate(self.val_split.eval_batches(cfg.seed, cfg.eval_batches,
                                                               cfg.batch_size)):  # fmt: skip
            if i % d.world != d.rank:
                continue
            with self._autocast():
                logits, _ = self.model(self._tensor(x))
            yt = self._tensor(y)
            sums[0] += torch.nn.functional.cross_entropy(
                logits.float().view(-1, logits.size(-1)), yt.view(-1),
                ignore_index=-1, reduction="sum",
            )  # fmt: skip
            sums[1] += (yt >= 0).sum()
        if d.world > 1:
            dist.all_reduce(sums)
        self.model.train()
        return (sums[0] / sums[1].clamp(min=1)).item()

    def _log(self, record: dict) -> None:
        if self.dist.main:
            with open(self.out / "log.jsonl", "a") as f:
                f.write(json.dumps(record) + "\n")

    def _checkpoint(self, val_loss: float | None) -> None:
        if not self.dist.main:
            return
        if val_loss is not None and val_loss < self.best_val:
            self.best_val = val_loss
            save_checkpoint(self.out / "best.pt", self._payload(val_loss))
        save_checkpoint(self.out / "ckpt.pt", self._payload(val_loss))

    def run(self, until: int | None = None) -> dict:
        """Train to ``cfg.max_steps`` (or stop early at step ``until``, keeping the schedule).
        A checkpoint is written at every validation pass, at the end, and on Ctrl-C."""
        cfg = self.cfg
        stop = cfg.max_steps if until is None else min(until, cfg.max_steps)
        self.model.train()
        start_step, t0 = self.step, time.monotonic()
        tokens, last_loss, val, saved = 0, float("nan"), None, self.step
        try:
            with Progress(stop - start_step, "steps", "train", enabled=self.show_progress) as bar:
                while self.step < stop:
                    last_loss, n = self.train_step()
                    tokens += n
                    elapsed = time.monotonic() - t0
                    record = {"step": self.step, "loss": round(last_loss, 5),
                              "lr": lr_at(cfg, self.step - 1), "tokens": tokens,
                              "tokens_per_s": round(tokens / max(elapsed, 1e-9), 1),
                              "elapsed_s": round(elapsed, 2)}  # fmt: skip
                    if self.step % cfg.eval_interval == 0 or self.step == cfg.max_steps:
                        val = self.evaluate()
                        record["val_loss"] = None if val is None else round(val, 5)
                        self._checkpoint(val)
                        saved = self.step
                    if self.step % cfg.log_interval == 0 or "val_loss" in record:
                        self._log(record)
                    bar.update(1, loss=last_loss, tok_s=record["tokens_per_s"],
                               **({"val": val} if val is not None else {}))  # fmt: skip
        except KeyboardInterrupt:
            if saved != self.step:
                self._checkpoint(None)
            raise
        if saved != self.step:
            self._checkpoint(None)
        return {"steps": self.step, "loss": last_loss, "val_loss": val, "best_val": self.best_val,
                "tokens": tokens, "seconds": time.monotonic() - t0, "out": str(self.out),
                "world_size": self.dist.world, "device": self.dist.device}  # fmt: skip

    def close(self) -> None:
        if self.dist.world > 1 and dist.is_initialized():
            # Wait for every rank (rank 0 may still be writing its checkpoint): tearing gloo down
            # under a peer that is still inside it aborts the process ("terminate called...").
            dist.barrier()
            dist.destroy_process_group()
