"""The timing benchmark's yardstick: the clock-derived ideal of a note (pure, synthetic pulses).

The benchmark itself needs JACK and minutes; ``python -m jambridge.bench.timing`` runs it.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from jambridge.bench.onset_errors import clock_gain
from jambridge.bench.onset_errors import local_errors as _local_errors

CLOCK, PERIOD_MS = (0xF8,), 1.333


def pulse_times(kind: str, n=600, period=27.78, amount=0.1, seed=1) -> np.ndarray:
    """Pulse times (ms) of a clock whose intervals wander, or whose pulses scatter."""
    rng = random.Random(seed)
    if kind == "wander":
        steps = [period * (1 + rng.uniform(-amount, amount)) for _ in range(n - 1)]
        return np.concatenate([[0.0], np.cumsum(steps)])
    return np.array([i * period + period * rng.uniform(-amount, amount) for i in range(n)])


def events(pulses: np.ndarray, note_at) -> list:
    """Start, the pulses, and a note-on every sixth pulse at ``note_at(k)``."""
    out = [(-1.0, (0xFA,))] + [(float(t), CLOCK) for t in pulses]
    out += [(float(note_at(k)), (0x99, 36, 100)) for k in range(0, len(pulses), 6)]
    return sorted(out, key=lambda e: e[0])


def test_clock_gain_reads_the_kind_of_clock_from_its_intervals():
    assert clock_gain(pulse_times("wander")) > 0.9
    assert clock_gain(pulse_times("scatter")) < 0.2
    assert clock_gain(np.arange(200) * 937.5) == 0.0  # a clean clock: the line


def test_notes_on_a_wandering_clocks_pulses_are_on_time():
    pulses = pulse_times("wander")
    stats = _local_errors(events(pulses, lambda k: pulses[k] + 0.2), 1.0, PERIOD_MS)
    assert stats.p99_ms == pytest.approx(0.2, abs=0.05)
    assert stats.p99_beyond_line_ms > 2.0  # the plain line would charge the clock's wander


def test_notes_on_a_scattering_clocks_grid_are_on_time_and_on_its_pulses_are_not():
    pulses, period = pulse_times("scatter"), 27.78
    on_grid = _local_errors(events(pulses, lambda k: k * period), 1.0, PERIOD_MS)
    on_pulses = _local_errors(events(pulses, lambda k: pulses[k]), 1.0, PERIOD_MS)
    assert on_grid.p99_ms < 1.0
    assert on_pulses.p99_ms > 2.0


def test_a_pulse_recorded_twice_shifts_no_later_note():
    """At JACK xruns a pulse was recorded twice on the same frame: it is one pulse, and the
    steady clock is still read as steady (it was read as wandering, and notes exactly on their
    pulses measured 3.4 ms off at p99)."""
    pulses = np.arange(600) * 937.5
    doubled = np.sort(np.concatenate([pulses, pulses[[100, 250, 400]]]))
    notes = [(float(pulses[k]), (0x99, 36, 100)) for k in range(0, 600, 6)]
    recorded = [(-1.0, (0xFA,))] + [(float(t), CLOCK) for t in doubled] + notes
    stats = _local_errors(sorted(recorded, key=lambda e: e[0]), 1.0, PERIOD_MS)
    assert stats is not None and stats.clock_gain == 0.0
    assert stats.max_ms < 1e-6
