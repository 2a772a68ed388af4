"""What the lanes show: bars by song bar index, and the window of beats in view.

No Qt here. The lanes paint from a :class:`BarTimeline`; it holds either a whole song (an
offline take: bars 0..N-1) or the live stream (bars arrive as they are played, the oldest
fall off after :attr:`BarTimeline.keep_bars`). Live, it also holds the *upcoming* bar: the one
the bridge has queued for the next bar line (:meth:`BarTimeline.put_upcoming`), kept apart
from the played ones until that bar is played. :class:`ViewWindow` says which beats are in view
and where the playhead is, so the piano rolls move with the transport.

Live bars belong to a *pass*: the transport starting (or moving) begins a new one
(:meth:`BarTimeline.new_pass`) and the last pass's bars are forgotten, so "Keep"
(:meth:`BarTimeline.recent_song`) saves only bars heard since, each as heard: the tracks that
were sent (muted ones are shown, dimmed, but not kept) and the tempo measured while they played
(:func:`~jambridge.clip_tempo.clip_tempo`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jambridge.clip_tempo import clip_tempo
from jambridge.music import BEATS_PER_BAR, Bar, Song, Track

LIVE_RECENT_BEATS = 3 * BEATS_PER_BAR  # live view: beats shown behind the playhead
LIVE_AHEAD_BEATS = 1.5 * BEATS_PER_BAR  # live view: beats shown ahead of it (the next bar)
MIN_SONG_VIEW_BARS = 4  # a short song is drawn in a window this wide
TEMPO_SAMPLES_PER_BAR = 400  # tempo readings kept per bar (the display reads 25 a second)


@dataclass(frozen=True, slots=True)
class ViewWindow:
    """The beats in view: ``start_beats`` .. ``start_beats + span_beats`` (song beats)."""

    start_beats: float  # song beat at the left edge (may be negative before bar 1)
    span_beats: float  # beats across the width, > 0
    playhead_beats: float | None = None  # song beat of the playhead; None: no playhead

    @classmethod
    def live(cls, playhead_beats: float) -> ViewWindow:
        """Following the transport: the playhead stays put, the bars move past it."""
        return cls(
            playhead_beats - LIVE_RECENT_BEATS, LIVE_RECENT_BEATS + LIVE_AHEAD_BEATS, playhead_beats
        )

    @classmethod
    def whole(cls, bars: int) -> ViewWindow:
        """A whole song of ``bars`` bars, no playhead."""
        return cls(0.0, float(max(bars, MIN_SONG_VIEW_BARS) * BEATS_PER_BAR))

    def bar_range(self) -> range:
        """Indices of the bars that overlap the window."""
        first = int(self.start_beats // BEATS_PER_BAR)
        last = int((self.start_beats + self.span_beats) // BEATS_PER_BAR)
        return range(max(first, 0), max(last + 1, 0))


class BarTimeline:
    """Bars by song bar index (0 = bar 1). Single-threaded: the Qt thread owns it."""

    def __init__(self, keep_bars: int = 64) -> None:
        self.keep_bars = keep_bars  # live: bars older than this many behind the newest drop off
        self._bars: dict[int, Bar] = {}
        self._heard: dict[int, frozenset[str]] = {}  # live: roles sent to the port, per bar
        self._tempo: dict[int, list[float]] = {}  # live: tempo readings while each bar played
        self._upcoming: dict[int, Bar] = {}  # live: queued for a bar line, not played yet
        self.song: Song | None = None  # the song shown, when it is a whole song (offline/take)
        self.revision = 0  # bumped on every change (lanes repaint when it moves)

    def clear(self) -> None:
        """Forget every bar."""
        self._bars.clear()
        self._heard.clear()
        self._tempo.clear()
        self._upcoming.clear()
        self.song = None
        self.revision += 1

    def new_pass(self) -> None:
        """Live: the transport started or moved; the bars played before will not be heard
        again in this pass (a restart from bar 1 plays new ones at the same indices)."""
        self._go_live()
        self._bars.clear()
        self._heard.clear()
        self._tempo.clear()
        self._upcoming.clear()
        self.revision += 1

    def set_song(self, song: Song) -> None:
        """Show ``song`` (replaces whatever was there)."""
        self._bars = dict(enumerate(song.bars()))
        self._upcoming.clear()
        self.song = song
        self.revision += 1

    def put_bar(self, index: int, bar: Bar, heard: Iterable[str] | None = None) -> None:
        """Live: bar ``index`` is (about to be) played as ``bar``, of which the ``heard`` roles
        are sent (None: all); it is upcoming no more."""
        self._go_live()
        self._bars[index] = bar
        if heard is not None:
            self._heard[index] = frozenset(heard)
        for old in [i for i in self._bars if i <= index - self.keep_bars]:
            del self._bars[old]
            self._heard.pop(old, None)
        for old in [i for i in self._tempo if i <= index - self.keep_bars]:
            del self._tempo[old]
        for old in [i for i in self._upcoming if i <= index]:
            del self._upcoming[old]
        self.revision += 1

    def put_upcoming(self, index: int, bar: Bar) -> None:
        """Live: bar ``index`` is queued to play as ``bar`` (replaces what was queued there)."""
        self._go_live()
        self._upcoming[index] = bar
        self.revision += 1

    def clear_upcoming(self) -> None:
        """Forget the queued bars (the transport stopped or moved: they will not play there)."""
        if self._upcoming:
            self._upcoming.clear()
            self.revision += 1

    def put_tempo(self, index: int, bpm: float) -> None:
        """Live: the tempo read ``bpm`` while bar ``index`` played."""
        readings = self._tempo.setdefault(index, [])
        if len(readings) < TEMPO_SAMPLES_PER_BAR:
            readings.append(bpm)

    def _go_live(self) -> None:
        if self.song is not None:
            self._bars.clear()
            self.song = None

    def put_track(self, index: int, track: Track) -> None:
        """Put one track into bar ``index`` (a capture lands in its role's lane)."""
        bar = self._bars.get(index, Bar())
        self._bars[index] = bar.replace_track(track)
        if self.song is not None:
            self.song = Song.from_bars(
                [self._bars.get(i, Bar()) for i in range(max(self._bars) + 1)],
                tempo_bpm=self.song.tempo_bpm,
                key=self.song.key,
                style=self.song.style,
                tracks=self.song.tracks,
            )
        self.revision += 1

    def track(self, role: str, index: int) -> Track | None:
        """The ``role`` track of bar ``index`` (played, or the song's), or None."""
        bar = self._bars.get(index)
        return bar.track(role) if bar is not None else None

    def upcoming_track(self, role: str, index: int) -> Track | None:
        """The ``role`` track of bar ``index`` as queued (not played yet), or None."""
        bar = self._upcoming.get(index)
        return bar.track(role) if bar is not None else None

    def upcoming_indices(self) -> list[int]:
        """Indices of the queued bars, ascending."""
        return sorted(self._upcoming)

    def indices(self) -> list[int]:
        """Bar indices held, ascending."""
        return sorted(self._bars)

    def newest(self) -> int | None:
        """The highest bar index held, or None."""
        return max(self._bars) if self._bars else None

    def recent_song(self, bars: int, tempo_bpm: float, until: int | None = None) -> Song | None:
        """The last ``bars`` bars up to and including ``until`` (default: the newest) as a
        song from bar 0, as heard (muted tracks left out); None when nothing is held. Its tempo
        is :func:`clip_tempo` of the readings while those bars played, else ``tempo_bpm``.
        Programs and channels come from the bars."""
        if not self._bars:
            return None
        end = self.newest() if until is None else until
        first = max(min(self._bars), end - bars + 1)
        chosen = [self._heard_bar(i) for i in range(first, end + 1)]
        readings = [bpm for i in range(first, end + 1) for bpm in self._tempo.get(i, ())]
        song = Song.from_bars(chosen, tempo_bpm=clip_tempo(readings, tempo_bpm))
        return song if song.tracks else None

    def tempo_over(self, first: int, count: int, fallback: float) -> float:
        """:func:`clip_tempo` of the readings while bars ``first`` .. ``first + count - 1``
        played (``fallback`` when there are none)."""
        readings = [bpm for i in range(first, first + count) for bpm in self._tempo.get(i, ())]
        return clip_tempo(readings, fallback)

    def _heard_bar(self, index: int) -> Bar:
        bar = self._bars.get(index, Bar())
        heard = self._heard.get(index)
        if heard is None:
            return bar
        return Bar(tuple(t for t in bar.tracks if t.role in heard))


def heard_from(bar: Bar, from_beat: float) -> Bar:
    """``bar`` without the notes that start before ``from_beat`` (playback resumed mid-bar:
    those were not sent)."""
    if from_beat <= 0:
        return bar
    return Bar(
        tuple(t.with_notes(n for n in t.notes if n.start_beats >= from_beat) for t in bar.tracks)
    )


class Playhead:
    """A smooth song position (in beats) from coarse status snapshots.

    The bridge reports bar and beat (and the tempo); between beat changes the playhead runs on
    at the tempo, never past the next beat, so the rolls glide instead of jumping a beat at a
    time. Time is passed in (``now_s``): tests drive it with a fake clock.
    """

    def __init__(self) -> None:
        self._anchor: tuple[float, float] | None = None  # (song beat, time) of the last change
        self._bpm: float | None = None

    def reset(self) -> None:
        self._anchor, self._bpm = None, None

    def update(self, beats: float, bpm: float | None, now_s: float) -> None:
        """A snapshot: the song is at ``beats`` (whole beats from the start) at ``now_s``."""
        if self._anchor is None or beats != self._anchor[0]:
            self._anchor = (beats, now_s)
        self._bpm = bpm

    def beats(self, now_s: float) -> float | None:
        """The song position now, in beats (None before the first snapshot)."""
        if self._anchor is None:
            return None
        beats, t = self._anchor
        if not self._bpm:
            return beats
        return beats + min(max(now_s - t, 0.0) * self._bpm / 60.0, 0.999)
