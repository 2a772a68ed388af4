"""Note events on the song-tick axis, and the open-note book that guarantees every note ends.

Bars cross the process boundary and live in the real-time thread as *plain bars*: tuples of
:class:`PlainTrack` ``(role, program, notes)``, each note a :class:`PlainNote` ``(pitch,
start_beats, duration_beats, velocity)``. They pickle in tens of microseconds and need no
validation on the hot path; :func:`bar_to_plain` and :func:`plain_to_bar` convert from and to
:class:`~jambridge.music.Bar` off that path.

:class:`NoteTimeline` is a heap of note-on/note-off events keyed by song tick (note-offs before
note-ons at the same tick, so a repeated note retriggers cleanly). :class:`OpenNotes` is the
book of sounding notes: a note-on on a key that is already sounding first ends it, a note-off
only sounds for the note that owns the key, and :meth:`OpenNotes.release_all` ends everything
(then CC 123 on each channel used), which is what Stop, panic, port loss and exit call.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable
from typing import NamedTuple

from jambridge.music import Bar, Note, Track
from jambridge.roles import ROLE_SPECS


class PlainNote(NamedTuple):
    """A note of a plain bar (the fields of :class:`~jambridge.music.Note`, unchecked)."""

    pitch: int
    start_beats: float  # from the bar line
    duration_beats: float
    velocity: int


class PlainTrack(NamedTuple):
    """One role's notes in a plain bar."""

    role: str
    program: int  # GM program
    notes: tuple[PlainNote, ...]


PlainBar = tuple[PlainTrack, ...]

NOTE_ON, NOTE_OFF, CONTROL_CHANGE = 0x90, 0x80, 0xB0
ALL_NOTES_OFF = 123  # CC number
_OFF, _ON = 0, 1  # event order at equal ticks: offs first


def bar_to_plain(bar: Bar) -> PlainBar:
    """A Bar as plain tuples."""
    return tuple(
        PlainTrack(
            t.role,
            t.program,
            tuple(PlainNote(n.pitch, n.start_beats, n.duration_beats, n.velocity) for n in t.notes),
        )
        for t in bar.tracks
    )


def plain_to_bar(plain: PlainBar) -> Bar:
    """Plain tuples back to a Bar (validates; raises DataError on bad values)."""
    return Bar(
        tuple(
            Track(
                role=role,
                notes=tuple(Note(*n) for n in notes),
                program=program,
                channel=ROLE_SPECS[role].channel,
                name=ROLE_SPECS[role].track_name,
            )
            for role, program, notes in plain
        )
    )


def plain_track(plain: PlainBar, role: str) -> PlainTrack | None:
    """The track of ``role`` in a plain bar, or None."""
    return next((t for t in plain if t.role == role), None)


class NoteTimeline:
    """Pending note events ordered by song tick."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int, int, int, int]] = []
        self._seq = itertools.count()  # tie-breaker, and the serial that pairs on with off

    def add_notes(
        self, bar_tick: float, notes: Iterable[PlainNote], channel: int, from_tick: float
    ) -> int:
        """Queue notes of one track of a bar starting at song tick ``bar_tick``; notes that
        start before ``from_tick`` are skipped. Returns how many were queued."""
        count = 0
        for pitch, start, duration, velocity in notes:
            on_tick = bar_tick + start * 24.0
            if on_tick < from_tick:
                continue
            serial = next(self._seq)
            heapq.heappush(self._heap, (on_tick, _ON, serial, channel, pitch, velocity))
            off_tick = on_tick + duration * 24.0
            heapq.heappush(self._heap, (off_tick, _OFF, serial, channel, pitch, 0))
            count += 1
        return count

    def next_tick(self) -> float | None:
        """Tick of the earliest pending event, or None."""
        return self._heap[0][0] if self._heap else None

    def pop(self) -> tuple[float, bool, int, int, int, int]:
        """Remove the earliest event: (tick, is_note_on, serial, channel, pitch, velocity)."""
        tick, kind, serial, channel, pitch, velocity = heapq.heappop(self._heap)
        return tick, kind == _ON, serial, channel, pitch, velocity

    def drop_notes(self, channel: int, from_tick: float) -> int:
        """Drop the notes on ``channel`` that start at ``from_tick`` or later (their note-offs
        stay: they end nothing, as the notes never started). Returns how many."""
        kept = [e for e in self._heap if e[1] != _ON or e[3] != channel or e[0] < from_tick]
        dropped = len(self._heap) - len(kept)
        if dropped:
            heapq.heapify(kept)
            self._heap = kept
        return dropped

    def clear(self) -> None:
        """Drop every pending event (sounding notes are OpenNotes' business)."""
        self._heap.clear()

    def __len__(self) -> int:
        return len(self._heap)


class OpenNotes:
    """The sounding notes, keyed by (channel, pitch), each owned by the serial that started it."""

    def __init__(self) -> None:
        self._owner: dict[tuple[int, int], int] = {}
        self.channels_used: set[int] = set()
        self.on_count = 0  # note-ons sent, for stuck-note accounting
        self.off_count = 0  # note-offs sent

    def note_on(self, channel: int, pitch: int, velocity: int, serial: int) -> list[list[int]]:
        """Messages that start a note (ending the same key first if it sounds)."""
        msgs = []
        key = (channel, pitch)
        if key in self._owner:
            msgs.append([NOTE_OFF | channel, pitch, 0])
            self.off_count += 1
        self._owner[key] = serial
        self.channels_used.add(channel)
        msgs.append([NOTE_ON | channel, pitch, velocity])
        self.on_count += 1
        return msgs

    def note_off(self, channel: int, pitch: int, serial: int) -> list[list[int]]:
        """Messages that end a note, if it still owns its key."""
        key = (channel, pitch)
        if self._owner.get(key) != serial:
            return []
        del self._owner[key]
        self.off_count += 1
        return [[NOTE_OFF | channel, pitch, 0]]

    def release_all(self, extra_channels: Iterable[int] = ()) -> list[list[int]]:
        """Note-off for every sounding note, then CC 123 on every channel ever used."""
        msgs = [[NOTE_OFF | ch, pitch, 0] for ch, pitch in sorted(self._owner)]
        self.off_count += len(self._owner)
        self._owner.clear()
        channels = sorted(self.channels_used | set(extra_channels))
        msgs += [[CONTROL_CHANGE | ch, ALL_NOTES_OFF, 0] for ch in channels]
        return msgs

    def __len__(self) -> int:
        return len(self._owner)
