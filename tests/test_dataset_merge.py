"""Merging built datasets keeps every document, its split and its source (by name)."""

import json

import numpy as np
import pytest

from jambridge.cli import main
from jambridge.dataset import load_split
from jambridge.errors import DataError
from jambridge.training.data import TokenSplit, read_info
from tests.support.model_factory import write_dataset


def _name(path, names):
    meta = json.loads((path / "meta.json").read_text())
    meta["sources"] = [{"name": n} for n in names]
    (path / "meta.json").write_text(json.dumps(meta))


def test_merge_keeps_every_document_and_joins_sources_by_name(tmp_path):
    a = write_dataset(tmp_path / "a", n_train=3, n_val=1)
    b = write_dataset(tmp_path / "b", n_train=2, n_val=2)
    _name(a, ["groove", "pop", "lmms"])
    _name(b, ["lmms", "other"])
    assert main(["data", "merge", str(a), str(b), "--out", str(tmp_path / "c")]) == 0
    c = tmp_path / "c"
    for split in ("train", "val"):
        ta, da = load_split(a, split)
        tb, db = load_split(b, split)
        tc, dc = load_split(c, split)
        assert len(tc) == len(ta) + len(tb) and len(dc) == len(da) + len(db)
        for off, _, _ in dc:  # every document still starts with BOS
            assert tc[off] == tc[dc[0][0]]
        np.testing.assert_array_equal(np.asarray(tc[len(ta) :]), np.asarray(tb))
    names = [s["name"] for s in json.loads((c / "meta.json").read_text())["sources"]]
    assert names == ["groove", "pop", "lmms", "other"]
    _, dc = load_split(c, "train")
    assert dc[3][2] == names.index("lmms")  # b's first train document was its "lmms"
    assert len(TokenSplit(read_info(c), "train", 192)) == 5


def test_merge_refuses_different_vocabularies(tmp_path):
    a = write_dataset(tmp_path / "a", n_train=1, n_val=1)
    b = write_dataset(tmp_path / "b", n_train=1, n_val=1)
    meta = json.loads((b / "meta.json").read_text())
    meta["vocab_hash"] = "0" * 16
    (b / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match="different vocabularies"):
        from jambridge.dataset_merge import merge

        merge([a, b], tmp_path / "c")
