"""Merge built datasets that share a tokenizer: ``jambridge data merge A B --out C``.

A corpus can be built in parts (a new folder added later, a slow source built on another
machine) and joined without rebuilding the rest. Sources with the same name become one source;
documents keep their split. The merged meta.json lists each part's report.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from jambridge.errors import DataError


def _meta(path: Path) -> dict:
    try:
        meta = json.loads((path / "meta.json").read_text())
        (path / "tokenizer.json").read_text()
    except (OSError, ValueError) as err:
        raise DataError(f"{path} is not a built dataset ({err})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("sources", []), list):
        raise DataError(f"{path}/meta.json: sources must be a list")
    if "sources" not in meta:  # an older or hand-made dataset: sources by index
        _, docs = _docs(path)
        meta["sources"] = [
            {"name": f"source {i}"} for i in range(int(docs[:, 2].max(initial=-1)) + 1)
        ]
    return meta


def _docs(path: Path):
    from jambridge.dataset import load_split

    tokens, docs = load_split(path, "train")
    return tokens, np.asarray(docs, dtype=np.int64).reshape(-1, 3)


def merge(inputs: Sequence[str | Path], out: str | Path) -> dict:
    """Write the union of ``inputs`` into ``out``; returns the merged meta. Raises DataError
    when the inputs' vocabularies differ or one is not a built dataset."""
    from jambridge.dataset import load_split

    paths = [Path(p) for p in inputs]
    if len(paths) < 2:
        raise DataError("merge needs at least two datasets")
    metas = [_meta(p) for p in paths]
    hashes = {m.get("vocab_hash") for m in metas}
    if len(hashes) != 1:
        raise DataError(f"the datasets have different vocabularies ({sorted(map(str, hashes))})")
    names: list[str] = []
    sources: list[dict] = []
    for m in metas:
        for s in m["sources"]:
            if s.get("name") not in names:
                names.append(s.get("name"))
                sources.append(s)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for split in ("train", "val"):
        arrays, rows, offset = [], [], 0
        for p, m in zip(paths, metas):
            tokens, docs = load_split(p, split)
            docs = np.asarray(docs, dtype=np.int64).reshape(-1, 3)
            remap = np.array([names.index(s.get("name")) for s in m["sources"]], dtype=np.int64)
            if len(docs):
                docs = docs.copy()
                docs[:, 0] += offset
                docs[:, 2] = remap[docs[:, 2]]
            arrays.append(np.asarray(tokens))
            rows.append(docs)
            offset += len(tokens)
        np.concatenate(arrays).astype(np.uint16).tofile(out / f"{split}.bin")
        np.save(out / f"{split}_docs.npy", np.concatenate(rows))
    (out / "tokenizer.json").write_text((paths[0] / "tokenizer.json").read_text())
    meta = {
        **{k: metas[0][k] for k in ("format", "vocab_size", "vocab_hash", "dtype")},
        "sources": sources,
        "merged_from": [str(p) for p in paths],
        "parts": [{"path": str(p), "report": m.get("report")} for p, m in zip(paths, metas)],
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=1))
    return meta
