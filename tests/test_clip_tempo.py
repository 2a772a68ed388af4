"""The tempo written into clips from live playing: the DAW's tempo when the clock was steady,
the measured one when it moved."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jambridge.clip_tempo import SNAP_WHOLE_BPM, STEADY_SPREAD_BPM, clip_tempo, snap_tempo


@pytest.mark.parametrize(
    ("measured", "tempo"),
    [
        ([127.862], 128.0),  # the reading of a DAW at 128
        ([127.862, 127.95, 128.04, 127.9], 128.0),
        ([174.12, 173.93], 174.0),
        ([127.46, 127.55], 127.5),
        ([126.3, 126.31], 126.305),  # steady, but not near a step: as measured
        ([120.0, 124.0, 128.0], 124.0),  # a tempo ramp is not rounded ...
        ([119.0, 124.0, 131.0], 124.667),  # ... and written as measured
        ([], 120.0),
        ([None, float("nan")], 120.0),
    ],
)
def test_clip_tempo(measured, tempo):
    assert clip_tempo(measured) == pytest.approx(tempo, abs=1e-3)


def test_one_stray_reading_does_not_make_a_steady_clock_unsteady():
    readings = [128.02] * 20 + [131.0]  # a glitch while the DAW jumped
    assert clip_tempo(readings) == 128.0


@given(st.integers(40, 300), st.floats(-SNAP_WHOLE_BPM * 0.9, SNAP_WHOLE_BPM * 0.9))
def test_a_reading_near_a_whole_bpm_snaps_to_it(whole, off):
    assert snap_tempo(whole + off) == whole


@given(st.lists(st.floats(60, 200), min_size=2, max_size=50))
def test_the_written_tempo_is_never_far_from_the_mean(readings):
    mean = sum(readings) / len(readings)
    written = clip_tempo(readings)
    assert math.isfinite(written) and abs(written - mean) <= SNAP_WHOLE_BPM + 1e-9
    if max(readings) - min(readings) > 3 * STEADY_SPREAD_BPM and len(readings) < 10:
        assert written == pytest.approx(mean, abs=1e-3)
