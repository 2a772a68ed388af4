"""Input parsing and stamping: glued messages taken apart, stamps that stay in their window
(issue 15, item 8)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jambridge.bridge.io.arrivals import ArrivalClock
from jambridge.bridge.io.messages import check, is_plain, split_stream


def test_real_time_bytes_inside_an_unterminated_sysex_are_delivered_and_the_rest_resyncs():
    """What python-rtmidi's JACK input hands over after ``F0 7E 01``: everything up to the
    next 0xF7 glued on."""
    glued = [0xF0, 0x7E, 0x01, 0xF8, 0xF8, 0xFA, 0xF8, 0x90, 60, 100, 0xF8, 0x80, 60, 0, 0xF7]
    assert split_stream(glued) == [
        [0xF8], [0xF8], [0xFA], [0xF8], [0xF0, 0x7E, 0x01], [0xF8], [0x90, 60, 100],
        [0x80, 60, 0], [0xF7],
    ]  # fmt: skip


def test_a_terminated_sysex_and_plain_messages_are_left_alone():
    for msg in ([0xF0, 1, 2, 0xF7], [0x90, 60, 100], [0xF8], [0x3C, 0x40], [0xF7]):
        assert is_plain(msg)
        assert split_stream(msg) == [msg]


def test_data_bytes_after_a_complete_message_are_a_fragment_check_rejects():
    parts = split_stream([0x90, 60, 100, 61, 100])
    assert parts == [[0x90, 60, 100], [61, 100]]
    assert check(parts[1])[0] is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 255), max_size=60))
def test_splitting_keeps_every_byte_and_each_part_has_at_most_one_status_byte(data):
    parts = split_stream(data)
    assert sorted(b for p in parts for b in p) == sorted(data)
    for p in parts:
        assert sum(b >= 0x80 for b in p[1:]) <= (1 if p[0] == 0xF0 and p[-1] == 0xF7 else 0)


def test_stamps_come_from_the_delta_times_inside_the_poll_window():
    clock = ArrivalClock()
    assert clock.stamp([0.0], 10.0) == [10.0]
    # polled every ms; one message each 20 ms, found 0.4 ms after it came
    stamps = [clock.stamp([0.02], 10.0204 + 0.02 * k)[0] for k in range(5)]
    assert stamps[-1] == pytest.approx(
        10.1, abs=1e-9
    )  # the chained stamp, pulled to the earliest the polls allow
    assert clock.stamp([], 10.2) == []


def test_a_delta_time_that_skips_swallowed_messages_costs_one_window_not_every_stamp():
    """rtmidi's JACK input times a message from the last event it saw, swallowed ones
    included: the delta is short by the swallowed stretch. The stamp lands at the start of its
    window (the previous poll), and the next stamps are right again."""
    clock = ArrivalClock()
    t = 10.0
    clock.stamp([0.0], t)
    for _ in range(5):
        t += 0.02
        clock.stamp([0.02], t)
    clock.stamp([], t + 0.499)  # polls saw nothing while the input was stuck ...
    late = clock.stamp([0.001], t + 0.5)  # ... then a message 0.5 s on, with a 1 ms delta
    assert t + 0.499 <= late[0] <= t + 0.5
    assert clock.stamp([0.02], t + 0.52) == [pytest.approx(late[0] + 0.02, abs=1e-9)]


def test_a_poll_that_left_messages_behind_keeps_its_window_open():
    clock = ArrivalClock()
    clock.stamp([0.0], 1.0)
    first = clock.stamp([0.001, 0.001], 2.0, complete=False)
    rest = clock.stamp([0.001], 2.1)  # arrived before 2.0, found at 2.1
    assert first == pytest.approx([1.001, 1.002]) and rest == pytest.approx([1.003])
