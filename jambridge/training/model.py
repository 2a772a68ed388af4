"""The decoder: a nanoGPT-sized transformer with rotary positions (torch; training side only).

Shape of the network (the ONNX graph in ``jambridge.export.graph`` builds exactly this):
token embedding (tied with the output head) -> ``n_layer`` pre-norm blocks
(LayerNorm -> fused QKV -> rotary on q, k (GPT-NeoX half split) -> causal attention -> proj,
LayerNorm -> MLP with exact GELU) -> final LayerNorm -> logits. No biases in linears or norms.

Rotary positions make attention depend on token distance only, so the engine can slide its
window past ``block_size`` forever. The KV cache is a tuple of per-layer ``(key, value)``
tensors shaped ``(B, n_kv_head, T, head_size)`` with rotary already applied to the keys.
:meth:`GPT.generate_naive` recomputes the whole sequence every step: the slow, obvious
reference the cached paths are tested against.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from jambridge.training.config import ModelConfig

KVCache = tuple[tuple[torch.Tensor, torch.Tensor], ...]


def rope_tables(cfg: ModelConfig, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin tables for integer ``positions`` (T,) -> each (T, head_size / 2)."""
    half = cfg.head_size // 2
    inv_freq = 1.0 / (cfg.rope_theta ** (torch.arange(half, dtype=torch.float32) / half))
    angles = positions.to(torch.float32)[:, None] * inv_freq[None, :]
    return torch.cos(angles), torch.sin(angles)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate ``x`` (B, nh, T, hs) by position; half split (not interleaved)."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    cos, sin = cos.to(x.dtype), sin.to(x.dtype)
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.n_head, self.n_kv_head, self.head_size = cfg.n_head, cfg.n_kv_head, cfg.head_size
        self.attn_dim, self.kv_dim = cfg.attn_dim, cfg.kv_dim
        self.qkv = nn.Linear(cfg.n_embd, cfg.attn_dim + 2 * cfg.kv_dim, bias=False)
        self.proj = nn.Linear(cfg.attn_dim, cfg.n_embd, bias=False)
        self.dropout = cfg.dropout

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        past: tuple[torch.Tensor, torch.Tensor] | None,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        B, T, _ = x.shape
        q, k, v = self.qkv(x).split((self.attn_dim, self.kv_dim, self.kv_dim), dim=2)
        q = q.view(B, T, self.n_head, self.head_size).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_kv_head, self.head_size).transpose(1, 2)  # (B, nkv, T, hs)
        v = v.view(B, T, self.n_kv_head, self.head_size).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if past is not None:
            k = torch.cat((past[0], k), dim=2)  # (B, nkv, P+T, hs)
            v = torch.cat((past[1], v), dim=2)
        P = k.shape[2] - T
        if P == 0:
            mask, causal = None, True
        else:  # query i (absolute P+i) sees keys 0..P+i: built from comparisons, not tril
            mask = torch.arange(P + T, device=x.device)[None, :] <= (
                P + torch.arange(T, device=x.device)[:, None]
            )
            causal = False
        y = F.scaled_dot_product_attention(
            q,
            k,
            v,
            attn_mask=mask,
            is_causal=causal,
            dropout_p=self.dropout if self.training else 0.0,
            enable_gqa=self.n_kv_head != self.n_head,
        )  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, self.attn_dim)
        return F.dropout(self.proj(y), self.dropout, self.training), (k, v)


class MLP(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.fc = nn.Linear(cfg.n_embd, cfg.mlp_ratio * cfg.n_embd, bias=False)
        self.out = nn.Linear(cfg.mlp_ratio * cfg.n_embd, cfg.n_embd, bias=False)
        self.dropout = cfg.dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(self.out(F.gelu(self.fc(x))), self.dropout, self.training)


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd, eps=cfg.norm_eps, bias=False)
        self.attn = CausalSelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.n_embd, eps=cfg.norm_eps, bias=False)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, past):
        a, present = self.attn(self.ln1(x), cos, sin, past)
        x = x + a
        return x + self.mlp(self.ln2(x)), present


class GPT(nn.Module):
    """Decoder-only transformer over token ids. ``forward`` takes an optional KV cache."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd, eps=cfg.norm_eps, bias=False)
        self.apply(self._init_weights)
        for name, p in self.named_parameters():  # GPT-2: scale residual projections by depth
            if name.endswith(("attn.proj.weight", "mlp.out.weight")):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(
        self, idx: torch.Tensor, past: KVCache | None = None
    ) -> tuple[torch.Tensor, KVCache]:
        """Logits for every position of ``idx`` (B, T) and the updated KV cache.

        With ``past`` the tokens continue the cached sequence (positions start at its length).
        """
        t = idx.shape[1]
        p = 0 if past is None else past[0][0].shape[2]
        if p + t > self.cfg.block_size:
            raise ValueError(f"sequence length {p + t} exceeds block_size {self.cfg.block_size}")
        cos, sin = rope_tables(self.cfg, torch.arange(p, p + t, device=idx.device))
        x = self.drop(self.wte(idx))  # (B, T, C)
        presents = []
        for i, block in enumerate(self.blocks):
            x, present = block(x, cos, sin, None if past is None else past[i])
            presents.append(present)
        logits = F.linear(self.ln_f(x), self.wte.weight)  # (B, T, vocab)
        return logits, tuple(presents)

    def loss(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean next-token cross entropy; ``targets`` (B, T), -1 = ignore."""
        logits, _ = self(idx)
        return F.cross_entropy(
            logits.float().view(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-1
        )

    @torch.no_grad()
    def generate_naive(self, idx: torch.Tensor, n_new: int) -> torch.Tensor:
        """Greedy decoding by full recompute each step: the reference. Returns (B, T + n_new)."""
        for _ in range(n_new):
            logits, _ = self(idx[:, -self.cfg.block_size :])
            idx = torch.cat((idx, logits[:, -1].argmax(-1, keepdim=True)), dim=1)
        return idx

    @torch.no_grad()
    def generate_cached(self, idx: torch.Tensor, n_new: int) -> torch.Tensor:
        """Greedy decoding with the KV cache (prefill, then one token per step)."""
        if idx.shape[1] + n_new > self.cfg.block_size:
            raise ValueError(
                f"prompt + new tokens ({idx.shape[1] + n_new}) exceed block_size "
                f"{self.cfg.block_size}"
            )
        logits, past = self(idx)
        out = [idx]
        for _ in range(n_new):
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            out.append(nxt)
            logits, past = self(nxt, past)
        return torch.cat(out, dim=1)
