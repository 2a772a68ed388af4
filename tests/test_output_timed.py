"""NoteOutput with a timed port (JACK through JACK-Client): every event handed over ahead of its
time, with that time; a release drops what was not written and ends every note."""

from __future__ import annotations

from jambridge.bridge.playback.output import NoteOutput, TimedPort
from jambridge.bridge.playback.timeline import PlainNote
from jambridge.bridge.timing.internal_clock import InternalClock


class FakeTimed:
    """Records what it is handed; ``cancel`` drops what is not 'written' (time > written_to)."""

    ahead_s = 0.01

    def __init__(self) -> None:
        self.name = "fake"
        self.handed: list[tuple[list[int], float | None]] = []
        self.written_to = 0.0

    def send(self, msg: list[int]) -> None:
        self.handed.append((msg, None))

    def send_at(self, msg: list[int], t: float) -> None:
        self.handed.append((msg, t))

    def cancel(self) -> None:
        self.handed = [(m, t) for m, t in self.handed if t is None or t <= self.written_to]

    def close(self) -> None:
        pass


def _playing_clock(bpm: float = 120.0) -> InternalClock:
    clock = InternalClock(bpm)
    clock.begin(0.0)
    clock.play(0.0)
    return clock


def test_a_timed_port_is_recognised():
    assert isinstance(FakeTimed(), TimedPort)


def test_events_are_handed_over_ahead_with_their_own_times():
    port, clock = FakeTimed(), _playing_clock()
    out = NoteOutput(port, clock, emit=lambda line: None)
    out.timeline.add_notes(0.0, [PlainNote(60, 1.0, 0.5, 100)], channel=0, from_tick=0.0)
    on_t = clock.time_of_tick(24.0)
    assert on_t is not None
    out.send_due(on_t - 0.02)  # further ahead than the port wants: nothing of the note yet
    assert not [m for m, _ in port.handed if m[0] == 0x90]
    out.send_due(on_t - 0.005)  # inside ahead_s: handed over, stamped with its time
    (on,) = [(m, t) for m, t in port.handed if m[0] == 0x90]
    assert on == ([0x90, 60, 100], on_t)
    # the master's pulses: those already due at the first call go at once, the coming ones timed
    timed = [t for m, t in port.handed if m == [0xF8] and t is not None]
    assert timed and min(timed) > on_t - 0.02


def test_a_release_drops_what_was_not_written_and_ends_the_note():
    port, clock = FakeTimed(), _playing_clock()
    out = NoteOutput(port, clock, emit=lambda line: None)
    out.timeline.add_notes(0.0, [PlainNote(60, 1.0, 0.01, 100)], channel=0, from_tick=0.0)
    on_t = clock.time_of_tick(24.0)
    off_t = clock.time_of_tick(24.0 + 0.01 * 24)
    assert on_t is not None and off_t is not None
    out.send_due(on_t - 0.001)  # the on and (a short note) the off are both handed over
    assert [m[0] for m, _ in port.handed if m[0] in (0x90, 0x80)] == [0x90, 0x80]
    port.written_to = on_t  # the on was written, the off not yet
    out.release_all([0])
    sent_now = [m for m, t in port.handed if t is None]
    assert [0x80, 60, 0] in sent_now  # the dropped off goes out at once
    assert [m for m, t in port.handed if m[0] == 0x80 and t is not None] == []


def test_an_untimed_port_still_gets_each_event_when_it_is_due():
    sent: list[list[int]] = []

    class Plain:
        name = "plain"

        def send(self, msg: list[int]) -> None:
            sent.append(msg)

        def close(self) -> None:
            pass

    clock = _playing_clock()
    out = NoteOutput(Plain(), clock, emit=lambda line: None)
    out.timeline.add_notes(0.0, [PlainNote(60, 1.0, 0.5, 100)], channel=0, from_tick=0.0)
    on_t = clock.time_of_tick(24.0)
    assert on_t is not None
    out.send_due(on_t - 0.005)
    assert [0x90, 60, 100] not in sent
    out.send_due(on_t)
    assert [0x90, 60, 100] in sent
