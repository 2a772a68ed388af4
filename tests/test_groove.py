"""Groove amount: 0 puts every onset on the grid, 1 leaves it, between scales the offset."""

import pytest

from jambridge.errors import JamBridgeError
from jambridge.groove import TrackGroove, bar_with_groove, grid_offset_beats, with_groove
from jambridge.music import GRID_PER_BEAT, Bar, Note, Track


def test_amount_zero_puts_every_onset_on_the_grid():
    bar = Bar((Track("drums", (Note(42, 0.52, 0.1, 80), Note(36, 1.98, 0.1, 100))),))
    out = bar_with_groove(bar, {"drums": TrackGroove(0.0)})
    for n in out.track("drums").notes:
        assert abs(n.start_beats * GRID_PER_BEAT - round(n.start_beats * GRID_PER_BEAT)) < 1e-9


def test_half_amount_halves_the_offset_and_one_keeps_it():
    n = Note(42, 0.52, 0.1, 80)
    assert grid_offset_beats(with_groove(n, 0.5).start_beats) == pytest.approx(0.01)
    assert with_groove(n, 1.0) == n


def test_amount_out_of_range_is_refused():
    with pytest.raises(JamBridgeError, match="0..1"):
        with_groove(Note(42, 0.5, 0.1, 80), 1.5)
