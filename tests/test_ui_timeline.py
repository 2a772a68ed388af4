"""What the lanes show (no Qt): the view window, the playhead between status snapshots, and the
bars held for the live stream and for a whole song."""

from __future__ import annotations

import pytest

from jambridge.bridge.playback.sources import pattern_bar
from jambridge.music import Bar, Note, Song
from jambridge.roles import default_track
from jambridge.ui.timeline_model import (
    LIVE_AHEAD_BEATS,
    LIVE_RECENT_BEATS,
    BarTimeline,
    Playhead,
    ViewWindow,
)


def test_live_window_keeps_the_playhead_in_place_and_covers_the_bars_around_it():
    w = ViewWindow.live(22.5)  # bar 6, beat 3.5
    assert w.playhead_beats - w.start_beats == LIVE_RECENT_BEATS
    assert w.span_beats == LIVE_RECENT_BEATS + LIVE_AHEAD_BEATS
    assert list(w.bar_range()) == [2, 3, 4, 5, 6, 7]  # beats 10.5 .. 28.5
    assert list(ViewWindow.live(0.0).bar_range()) == [0, 1]  # nothing before bar 1


def test_whole_song_window_has_no_playhead_and_a_minimum_width():
    assert ViewWindow.whole(16).span_beats == 64 and ViewWindow.whole(16).playhead_beats is None
    assert ViewWindow.whole(1).span_beats == 16


def test_playhead_runs_on_at_the_tempo_but_never_past_the_next_beat():
    p = Playhead()
    assert p.beats(0.0) is None
    p.update(8.0, 120.0, now_s=10.0)  # 120 BPM: a beat every 0.5 s
    assert p.beats(10.25) == pytest.approx(8.5)
    assert p.beats(11.0) == pytest.approx(8.999)  # held at the next beat until told
    p.update(8.0, 120.0, now_s=10.4)  # same beat again: the anchor stays
    assert p.beats(10.25) == pytest.approx(8.5)
    p.update(9.0, 120.0, now_s=10.5)
    assert p.beats(10.5) == 9.0
    p.update(9.0, None, now_s=10.6)  # stopped: no tempo, no motion
    assert p.beats(20.0) == 9.0


def test_live_bars_replace_a_song_and_old_bars_fall_off():
    t = BarTimeline(keep_bars=4)
    t.set_song(Song.from_bars([pattern_bar(i) for i in range(2)]))
    assert t.song is not None
    for i in range(10):
        t.put_bar(i, pattern_bar(i))
    assert t.song is None
    assert t.indices() == [6, 7, 8, 9]
    assert t.track("lead", 9).notes[0].pitch == 60 + 9


def test_a_captured_track_lands_in_its_role_in_those_bars_only():
    t = BarTimeline()
    t.set_song(Song.from_bars([pattern_bar(i) for i in range(4)], tempo_bpm=125))
    riff = default_track("bass").with_notes([Note(40, 0.0, 0.5, 100), Note(43, 2.0, 0.5, 90)])
    t.put_track(2, riff)
    assert t.track("bass", 2) == riff
    assert t.track("bass", 1) == pattern_bar(1).track("bass")
    assert t.track("drums", 2) == pattern_bar(2).track("drums")
    assert t.song.tempo_bpm == 125 and t.song.bars()[2].track("bass").notes == riff.notes


def test_recent_song_takes_the_last_bars_from_bar_zero():
    t = BarTimeline()
    for i in range(3, 9):
        t.put_bar(i, pattern_bar(i))
    song = t.recent_song(4, tempo_bpm=128.0)
    assert song.length_bars == 4 and song.tempo_bpm == 128.0
    assert [b.track("lead").notes[0].pitch for b in song.bars()] == [65, 66, 67, 68]
    assert BarTimeline().recent_song(8, 120.0) is None
    assert t.recent_song(2, 120.0, until=4).length_bars == 2


def test_revision_moves_on_every_change():
    t = BarTimeline()
    r0 = t.revision
    t.put_bar(0, Bar())
    t.clear()
    assert t.revision == r0 + 2


def test_an_upcoming_bar_is_kept_apart_until_it_is_played():
    t = BarTimeline()
    t.put_bar(0, pattern_bar(0))
    t.put_upcoming(1, pattern_bar(1))
    assert t.track("lead", 1) is None and t.upcoming_track("lead", 1).notes[0].pitch == 61
    assert t.indices() == [0] and t.upcoming_indices() == [1]
    assert t.recent_song(4, 120.0).length_bars == 1  # a take holds only what played
    t.put_upcoming(1, pattern_bar(5))  # regenerated before its bar line: replaces
    assert t.upcoming_track("lead", 1).notes[0].pitch == 65
    t.put_bar(1, pattern_bar(5))
    assert t.upcoming_indices() == [] and t.track("lead", 1).notes[0].pitch == 65
    t.put_upcoming(2, pattern_bar(2))
    r = t.revision
    t.clear_upcoming()
    assert t.upcoming_indices() == [] and t.indices() == [0, 1] and t.revision == r + 1
    t.put_upcoming(3, pattern_bar(3))
    t.set_song(Song.from_bars([pattern_bar(0)]))
    assert t.upcoming_indices() == []
