"""The live controls reach the music: the bar source the bridge's generator process runs, asked
bar by bar as the bridge asks, with the shipped model (and the procedural engine for groove).
The full measurement is ``python -m jambridge.evaluation.live_control_check --json``."""

from __future__ import annotations

from argparse import Namespace

import pytest

from jambridge.engine.offline import open_model
from jambridge.evaluation.live_control_check import bin_hits, density_sweep, grid_share
from jambridge.music import ROLES

ARGS = Namespace(bars=24, preset="techno", seed=3, model=None)


def test_the_density_sliders_ends_differ_at_least_twice_in_every_track():
    sweep = density_sweep("model", ARGS)
    assert all(sweep["ratio"][r] >= 2.0 for r in ROLES), sweep


@pytest.mark.parametrize("kind", ["poly", "dur"])
def test_every_polyphony_and_duration_bin_a_knob_asks_for_is_played(kind):
    hits = bin_hits(kind, Namespace(**{**vars(ARGS), "bars": 20}), open_model().tokenizer())
    assert hits and min(hits.values()) >= 0.9, hits


@pytest.mark.parametrize("engine", ["model", "procedural"])
def test_groove_zero_puts_every_onset_on_the_grid(engine):
    share = grid_share(engine, ARGS)
    assert share["groove_0"] == 1.0 and share["groove_1"] < 0.95, share
