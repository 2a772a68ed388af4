"""LinkClock over a fake Link session (pure logic; no network): bar 1 on the session's next bar
line, tempo and start/stop followed, JamBridge's own tempo and play proposed to the session."""

from __future__ import annotations

import pytest

from jambridge.bridge.timing.link_clock import LinkClock, LinkSnapshot
from jambridge.bridge.timing.transport import Play, Stop, TransportState


class FakeSession:
    """A Link session on a fake clock: the beat line is a straight line through (t0, beat0)."""

    def __init__(self, bpm: float = 120.0, beat0: float = 0.0) -> None:
        self.now = 100.0
        self.t0, self.beat0, self.bpm = self.now, beat0, bpm
        self.playing = False
        self.peers = 1
        self.enabled_with: float | None = None
        self.proposed: list[float] = []

    def beat(self, t: float) -> float:
        return self.beat0 + (t - self.t0) * self.bpm / 60.0

    def retempo(self, bpm: float) -> None:  # a peer (or we) changed the tempo, beat kept
        self.beat0, self.t0, self.bpm = self.beat(self.now), self.now, bpm

    def enable(self, quantum: float) -> None:
        self.enabled_with = quantum

    def snapshot(self) -> LinkSnapshot:
        return LinkSnapshot(self.now, self.beat(self.now), self.bpm, self.playing, self.peers)

    def set_tempo(self, bpm: float) -> None:
        self.proposed.append(bpm)
        self.retempo(bpm)

    def set_playing(self, playing: bool) -> None:
        self.playing = playing

    def close(self) -> None:
        self.enabled_with = None


@pytest.fixture
def link():
    session = FakeSession(beat0=5.3)
    clock = LinkClock(session)
    clock.begin(session.now)
    return session, clock


def test_joins_with_a_quantum_of_one_bar(link):
    session, _ = link
    assert session.enabled_with == 4


def test_a_session_that_starts_plays_bar_1_on_its_next_bar_line(link):
    session, clock = link
    assert clock.check(session.now) == [] and clock.state is TransportState.STOPPED
    session.playing = True
    (play,) = clock.check(session.now)
    assert isinstance(play, Play) and play.tick == 0
    assert play.t_s == pytest.approx(session.now + (8 - 5.3) * 0.5)  # beat 8 at 120 BPM
    assert clock.state is TransportState.WAITING
    session.now = play.t_s + 0.001
    clock.check(session.now)
    assert clock.state is TransportState.PLAYING and clock.pulse_tick == 0
    assert clock.time_of_tick(96) == pytest.approx(play.t_s + 2.0)  # bar 2: 4 beats later
    assert clock.check(session.now) == []  # no second Play


def test_a_tempo_a_peer_sets_moves_the_notes_from_the_next_step(link):
    session, clock = link
    session.playing = True
    (play,) = clock.check(session.now)
    session.now = play.t_s + 0.5  # beat 9
    clock.check(session.now)
    session.retempo(150.0)
    clock.check(session.now)
    assert clock.bpm == 150.0
    # bar 2 (beat 12) is 3 beats after beat 9, at 150 BPM
    assert clock.time_of_tick(96) == pytest.approx(session.now + 3 * 0.4)
    assert clock.tick_at(session.now) == pytest.approx(24.0)


def test_a_session_that_stops_ends_the_song(link):
    session, clock = link
    session.playing = True
    clock.check(session.now)
    session.now += 3.0
    clock.check(session.now)
    session.playing = False
    session.now += 0.1
    (stop,) = clock.check(session.now)
    assert isinstance(stop, Stop) and stop.t_s == session.now
    assert clock.state is TransportState.STOPPED and clock.time_of_tick(0) is None


def test_our_play_and_tempo_are_proposed_to_the_session(link):
    session, clock = link
    reply = clock.play(session.now)
    assert session.playing is True
    (play,) = reply.events
    assert play.t_s == pytest.approx(session.now + (8 - 5.3) * 0.5)
    assert clock.check(session.now) == []  # the session playing now is our own start
    clock.set_bpm(128.0)
    assert session.proposed == [128.0] and clock.bpm == 128.0
    reply = clock.stop(session.now)
    assert session.playing is False and isinstance(reply.events[0], Stop)


def test_a_start_exactly_on_a_bar_line_starts_there(link):
    session, clock = link
    session.now += (8 - 5.3) * 0.5  # beat 8.0 exactly
    session.playing = True
    (play,) = clock.check(session.now)
    assert play.t_s == pytest.approx(session.now)


def test_the_status_shows_the_peers(link):
    session, clock = link
    session.peers = 2
    clock.check(session.now)
    view = clock.view(session.now)
    assert view.name == "link, 2 peers" and view.bpm == 120.0 and view.sync == "stopped"


def test_midi_clock_input_is_not_listened_to(link):
    session, clock = link
    assert clock.handle(session.now, "clock", [0xF8]) == []
    assert clock.handle(session.now, "start", [0xFA]) == []
    assert clock.state is TransportState.STOPPED
