"""The corpus mix of the training config: source weights set each source's share of tokens."""

from __future__ import annotations

import pytest

from jambridge.dataset import BuildConfig, build
from jambridge.errors import DataError
from jambridge.training.data import TokenSplit, read_info
from tests.support.midi_factory import Part, write_midi_folder


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("mix")
    drums = Part(9, None, "Drums", [(36, float(b), 0.25, 100) for b in range(8)])
    src = write_midi_folder(root / "real", [[drums]] * 6, ppq=96)
    cfg = BuildConfig(sources=((str(src), "groove"),), out=str(root / "ds"), procedural=6,
                      procedural_bars=(8, 8), val_fraction=0.0, workers=1)  # fmt: skip
    build(cfg, show_progress=False)
    return read_info(root / "ds")


def test_weights_set_the_token_share(dataset):
    assert dataset.sources == ("real", "procedural")
    natural = TokenSplit(dataset, "train", 256).source_shares()
    assert natural["procedural"] > 0.8  # procedural songs are far longer here
    mixed = TokenSplit(dataset, "train", 256, {"real": 0.5})
    assert mixed.source_shares() == {"real": 0.5, "procedural": 0.5}


def test_unknown_source_or_bad_sum_is_an_error(dataset):
    with pytest.raises(DataError, match="sources are"):
        TokenSplit(dataset, "train", 256, {"lakh": 0.5})
    with pytest.raises(DataError, match="sum to <= 1"):
        TokenSplit(dataset, "train", 256, {"real": 0.8, "procedural": 0.7})
