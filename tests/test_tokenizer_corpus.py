"""Round trip on real files: decode(encode(x)) equals the quantized, role-assigned x.

A sample of ../shared/data (12 files per corpus, evenly spread) keeps this test in seconds;
`jambridge data build ../shared/data/groove ../shared/data/pop909` measures every file (its
report gives precision and recall of the round trip). Skipped where the corpora are absent.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from jambridge.dataset import find_midi_files
from jambridge.midi_io import read_midi
from jambridge.tokenizer import Tokenizer

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PER_CORPUS = 12


def _sample(corpus: str) -> list[Path]:
    folder = DATA / corpus
    if not folder.is_dir():
        return []
    files = find_midi_files(folder)
    step = max(1, len(files) // PER_CORPUS)
    return files[::step][:PER_CORPUS]


SAMPLE = _sample("groove") + _sample("pop909")


@pytest.mark.skipif(not SAMPLE, reason=f"no corpora under {DATA}")
@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_file_round_trip_is_exact(path):
    tok = Tokenizer()
    song, _ = read_midi(path)
    quantized = tok.quantize_song(song)
    ids = tok.encode(quantized)
    assert tok.grammar.accepts(ids)
    decoded = tok.decode(ids)
    for track in quantized.tracks:
        got = decoded.track(track.role)
        assert got is not None and Counter(got.notes) == Counter(track.notes), track.role
    assert decoded.length_bars == quantized.length_bars
