"""Standard MIDI Files in and out: any real-world file -> :class:`~jambridge.music.Song`, and a
Song -> a type-1 file a DAW takes (tempo map, track names, GM programs, drums on channel 10).

Reading parses with mido and pairs notes in one pass of our own rather than through
miditoolkit: miditoolkit (itself built on mido) walks every event seven times, silently drops
notes that never end, and was about 50% slower here (20.6 vs 13.4 ms per file on POP909 and
Groove). Streams are split per (track, channel, program), so type-0 files come apart by channel;
:func:`jambridge.roles.assign_roles` turns the streams into role tracks.

Every problem with the input is a :class:`~jambridge.errors.DataError` naming the file: empty,
not MIDI, truncated, corrupt, type 2, SMPTE or zero division, no notes, or a note beyond
:data:`MAX_SONG_BARS` (a corrupt delta time would otherwise make a song of millions of bars).
Before mido parses, the path must be a regular file (a FIFO would block) and the bytes keep
within :mod:`jambridge.midi_scan`'s size, track and event limits (memory stays bounded).
Non-4/4 meters are read as 4/4 beats and flagged in the :class:`ReadReport`.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import mido

from jambridge.errors import DataError
from jambridge.files import read_capped
from jambridge.midi_scan import MAX_MIDI_BYTES, check_midi_bytes
from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT, Key, Note, Song
from jambridge.roles import (
    DEFAULT_ROLE_CONFIG,
    DRUM_CHANNEL,
    ROLE_SPECS,
    RoleConfig,
    Source,
    assign_roles,
    tidy_notes,
)

WRITE_PPQ = 480  # ticks per quarter note in written files (divisible by 3 and 4: triplets)
MAX_SONG_BARS = 10_000  # a note starting later than this is a corrupt file (5.5 h at 120 BPM)
MAX_SONG_BEATS = MAX_SONG_BARS * BEATS_PER_BAR
MIN_NOTE_BEATS = 1 / GRID_PER_BEAT  # length given to zero-length notes: one grid step
TEMPO_RANGE_BPM = (10.0, 1000.0)  # Song's range; tempos outside are clamped, with a warning
DEFAULT_TEMPO_US = 500_000  # MIDI's default tempo (120 BPM) when a file sets none at tick 0

_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTAL = {"": 0, "#": 1, "b": -1}
# Key -> a spelling mido's key_signature accepts (it has no D# major, no Db minor, ...)
_MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_NAMES = ("Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm")


@dataclass(frozen=True)
class ReadReport:
    """What :func:`read_midi` found in a file, kept and left out."""

    path: str  # the file read
    file_type: int  # SMF type, 0 or 1
    ticks_per_beat: int  # the file's PPQ
    track_count: int  # MTrk chunks in the file
    sources: tuple[str, ...]  # one title per stream with notes: (track, channel, program)
    assigned: tuple[tuple[str, str, str], ...]  # (source title, role, why)
    role_sources: dict[str, tuple[str, ...]]  # role -> titles of the sources merged into it
    dropped: tuple[tuple[str, str], ...]  # (track or source title, reason)
    notes_kept: int  # notes in the song
    notes_dropped: int  # notes in the file that are not in the song
    drop_reasons: dict[str, int] = field(default_factory=dict)  # reason -> notes dropped
    notes_lengthened: int = 0  # zero-length notes given MIN_NOTE_BEATS
    bass_split_notes: int = 0  # chord notes moved to the bass (no bass source)
    time_signatures: tuple[tuple[float, str], ...] = ()  # (beat, "3/4") as in the file
    warnings: tuple[str, ...] = ()  # non-4/4 meters, clamped tempos

    @property
    def is_4_4(self) -> bool:
        """True when every meter in the file tiles 4/4 bars (see :func:`tiles_4_4`)."""
        return all(tiles_4_4(*map(int, ts.split("/"))) for _, ts in self.time_signatures)


def tiles_4_4(numerator: int, denominator: int) -> bool:
    """True when bars of this meter are a whole number of beats that divides, or is a multiple
    of, a 4-beat bar: 4/4, 2/4, 1/4, 2/2, 8/8, 8/4 do; 3/4, 6/8, 5/4, 7/8, 12/8 do not.
    POP909 writes 1/4 and 2/4 everywhere: its music is in 4, and it is not flagged."""
    beats = numerator * 4 / denominator
    return beats > 0 and beats == int(beats) and (4 % beats == 0 or beats % 4 == 0)


def read_midi(
    path: str | os.PathLike[str], roles: RoleConfig = DEFAULT_ROLE_CONFIG
) -> tuple[Song, ReadReport]:
    """Read a type-0 or type-1 MIDI file into a Song with one track per role found.

    Times become beats (ticks / PPQ); the first tempo is ``tempo_bpm``, later ones go to
    ``tempo_changes``; the first key signature becomes ``key``. The song is named after the
    file's stem; its ``style`` is Song's default (set it with ``dataclasses.replace``).

    Raises:
        DataError: the file cannot be read, is not a usable MIDI file, or has no usable notes;
            the message names the file and the problem.
    """
    data = read_capped(path, MAX_MIDI_BYTES, "a MIDI file")  # a FIFO or device is refused
    return midi_bytes_to_song(data, str(path), roles)


def midi_bytes_to_song(
    data: bytes, where: str = "<bytes>", roles: RoleConfig = DEFAULT_ROLE_CONFIG
) -> tuple[Song, ReadReport]:
    """:func:`read_midi` for bytes in memory (a dropped clip); ``where`` names it in errors."""
    data, (file_type, ntracks, ppq) = _checked_header(data, where)
    check_midi_bytes(data, where, ntracks)  # size, tracks and events, before mido's objects
    try:
        midi = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except EOFError as err:
        raise DataError(
            f"{where}: truncated: the file ends inside a track "
            f"(its header promises {ntracks} track(s))"
        ) from err
    except Exception as err:  # mido raises OSError, ValueError, KeySignatureError, ... on junk
        raise DataError(f"{where}: corrupt MIDI data ({type(err).__name__}: {err})") from err
    scan = _Scan(where, ppq)
    for index, track in enumerate(midi.tracks):
        scan.track(index, track)
    return scan.song(file_type, len(midi.tracks), Path(where).stem, roles)


def _checked_header(data: bytes, where: str) -> tuple[bytes, tuple[int, int, int]]:
    """The SMF bytes (unwrapped from RIFF RMID) and (type, tracks, PPQ), checked."""
    if not data:
        raise DataError(f"{where}: empty file (0 bytes), not a MIDI file")
    if data[:4] == b"RIFF" and data[8:12] == b"RMID" and b"MThd" in data[12:64]:
        data = data[data.index(b"MThd", 12) :]
    if data[:4] != b"MThd":
        raise DataError(f"{where}: not a MIDI file (no 'MThd' header; starts with {data[:8]!r})")
    if len(data) < 14 or int.from_bytes(data[4:8], "big") < 6:
        raise DataError(f"{where}: truncated header: a MIDI header is 14 bytes, got {len(data)}")
    file_type, ntracks, division = struct.unpack(">HHH", data[8:14])
    if file_type == 2:
        raise DataError(f"{where}: type-2 (sequential patterns) not supported; use type 0 or 1")
    if file_type > 2:
        raise DataError(f"{where}: unknown MIDI file type {file_type}; allowed types are 0, 1")
    if division & 0x8000:
        raise DataError(
            f"{where}: SMPTE time division ({256 - (division >> 8)} frames/s) not supported; "
            "only ticks per quarter note (1..32767)"
        )
    if division == 0:
        raise DataError(f"{where}: division 0 ticks per quarter note; must be in range 1..32767")
    if ntracks == 0:
        raise DataError(f"{where}: the header declares 0 tracks: no notes")
    return data, (file_type, ntracks, division)


class _Scan:
    """One pass over the tracks of a parsed file, collecting streams and the tempo map."""

    def __init__(self, where: str, ppq: int) -> None:
        self.where, self.ppq = where, ppq
        self.sources: list[Source] = []
        self.tempos: list[tuple[int, int]] = []  # (tick, microseconds per beat)
        self.meters: list[tuple[int, int, int]] = []  # (tick, numerator, denominator)
        self.keys: list[tuple[int, str]] = []  # (tick, mido key name)
        self.empty_tracks: list[str] = []
        self.unterminated = 0
        self.lengthened = 0

    def track(self, index: int, track: mido.MidiTrack) -> None:
        tick = 0
        programs = [0] * 16
        names: list[str] = []
        open_notes: dict[tuple[int, int], list[tuple[int, int, int]]] = {}  # FIFO (tick, vel, prog)
        streams: dict[tuple[int, int], list[tuple[int, int, int, int]]] = {}
        for msg in track:
            tick += msg.time
            kind = msg.type
            if kind == "note_on" and msg.velocity > 0:
                queue = open_notes.setdefault((msg.channel, msg.note), [])
                queue.append((tick, msg.velocity, programs[msg.channel]))
            elif kind == "note_off" or kind == "note_on":
                pending = open_notes.get((msg.channel, msg.note))
                if pending:  # a note-off without a note-on is ignored
                    start, velocity, program = pending.pop(0)
                    notes = streams.setdefault((msg.channel, program), [])
                    notes.append((start, tick, msg.note, velocity))
            elif kind == "program_change":
                programs[msg.channel] = msg.program
            elif kind == "set_tempo":
                self.tempos.append((tick, msg.tempo))
            elif kind == "time_signature":
                self.meters.append((tick, msg.numerator, msg.denominator))
            elif kind == "key_signature":
                self.keys.append((tick, msg.key))
            elif kind in ("track_name", "instrument_name") and msg.name.strip():
                names.append(msg.name.strip())
        self.unterminated += sum(len(q) for q in open_notes.values())
        name = " / ".join(dict.fromkeys(names))
        if not streams:
            self.empty_tracks.append(f"track {index} {name!r}" if name else f"track {index}")
        one_channel = len({channel for channel, _ in streams}) == 1
        for (channel, program), raw in streams.items():
            label = f"track {index} {name!r} ch {channel + 1} program {program}"
            self.sources.append(
                Source(
                    notes=self._notes(raw),
                    program=program,
                    channel=channel,
                    name=name if one_channel else "",  # a shared name says nothing per channel
                    is_drum=channel == DRUM_CHANNEL,
                    label=label,
                )
            )

    def _notes(self, raw: list[tuple[int, int, int, int]]) -> tuple[Note, ...]:
        ppq, limit = self.ppq, MAX_SONG_BEATS * self.ppq
        last = max(end for _, end, _, _ in raw)  # ends are >= starts
        if last > limit:
            raise DataError(
                f"{self.where}: a note reaches beat {last / ppq:.0f}, beyond the "
                f"{MAX_SONG_BARS}-bar limit ({MAX_SONG_BEATS} beats): corrupt delta time"
            )
        notes = []
        for start, end, pitch, velocity in raw:
            if end <= start:
                self.lengthened += 1
                duration = MIN_NOTE_BEATS
            else:
                duration = (end - start) / ppq
            notes.append(Note(pitch, start / ppq, duration, velocity))
        return tuple(notes)

    def song(
        self, file_type: int, ntracks: int, name: str, config: RoleConfig
    ) -> tuple[Song, ReadReport]:
        where, ppq = self.where, self.ppq
        found = sum(len(s.notes) for s in self.sources)
        if found == 0:
            raise DataError(f"{where}: no notes in {ntracks} track(s)")
        tracks, roles = assign_roles(self.sources, config)
        kept = sum(len(t.notes) for t in tracks)
        if kept == 0:
            why = "; ".join(f"{title}: {reason}" for title, reason in roles.dropped)
            raise DataError(f"{where}: no usable notes; every stream was dropped ({why})")
        warnings: list[str] = []
        end_beats = max(n.end_beats for t in tracks for n in t.notes)
        tempo_bpm, changes = self._tempo_map(end_beats, warnings)
        meters = tuple(sorted(self.meters))
        for tick, num, den in meters:
            if not tiles_4_4(num, den):
                warnings.append(f"{num}/{den} at beat {tick / ppq:g} read as 4/4 beats")
        song = Song(
            tracks=tracks,
            tempo_bpm=tempo_bpm,
            tempo_changes=changes,
            key=_key_from_mido(min(self.keys)[1]) if self.keys else None,
            name=name,
        )
        reasons = {
            "note-on without note-off": self.unterminated,
            "duplicate (same pitch and onset)": roles.duplicates_removed,
            "in a dropped stream": sum(
                len(s.notes) for s in self.sources if s.title in dict(roles.dropped)
            ),
        }
        reasons = {k: v for k, v in reasons.items() if v}
        report = ReadReport(
            path=where,
            file_type=file_type,
            ticks_per_beat=ppq,
            track_count=ntracks,
            sources=tuple(s.title for s in self.sources),
            assigned=roles.assigned,
            role_sources=roles.role_sources,
            dropped=tuple((t, "no notes") for t in self.empty_tracks) + roles.dropped,
            notes_kept=kept,
            notes_dropped=sum(reasons.values()),
            drop_reasons=reasons,
            notes_lengthened=self.lengthened,
            bass_split_notes=roles.bass_split_notes,
            time_signatures=tuple((tick / ppq, f"{n}/{d}") for tick, n, d in meters),
            warnings=tuple(warnings),
        )
        return song, report

    def _tempo_map(
        self, end_beats: float, warnings: list[str]
    ) -> tuple[float, tuple[tuple[float, float], ...]]:
        """First tempo and later changes (beat, bpm) up to the last note; repeats removed."""
        tempos = sorted(self.tempos, key=lambda t: t[0])  # stable: later events at a tick win
        at_zero = [us for tick, us in tempos if tick == 0]
        first = self._bpm(at_zero[-1] if at_zero else DEFAULT_TEMPO_US, warnings)
        changes: list[tuple[float, float]] = []
        for tick, us in tempos:
            beat = tick / self.ppq
            if tick == 0 or beat >= end_beats:
                continue
            bpm = self._bpm(us, warnings)
            if changes and changes[-1][0] == beat:
                changes.pop()
            if bpm != (changes[-1][1] if changes else first):
                changes.append((beat, bpm))
        return first, tuple(changes)

    def _bpm(self, us_per_beat: int, warnings: list[str]) -> float:
        low, high = TEMPO_RANGE_BPM
        bpm = round(60_000_000 / us_per_beat, 3) if us_per_beat > 0 else high
        if not low <= bpm <= high:
            warnings.append(f"tempo {bpm:g} BPM clamped to the range {low:g}..{high:g}")
            bpm = min(max(bpm, low), high)
        return bpm


def _key_from_mido(name: str) -> Key:
    """mido's key name ('C', 'Bbm', 'F#m', 'Cb') -> Key."""
    mode = "minor" if name.endswith("m") else "major"
    root = name[:-1] if mode == "minor" else name
    tonic = (_LETTER_PC[root[0]] + _ACCIDENTAL[root[1:]]) % 12
    return Key(tonic, mode)


def _key_to_mido(key: Key) -> str:
    return (_MINOR_NAMES if key.mode == "minor" else _MAJOR_NAMES)[key.tonic]


def song_to_midifile(song: Song) -> mido.MidiFile:
    """A type-1 :class:`mido.MidiFile` at :data:`WRITE_PPQ`: a conductor track (song name,
    4/4, key, tempo and tempo changes), then one track per Song track with its name, program
    change and notes on its channel (drums always on channel 10)."""
    midi = mido.MidiFile(type=1, ticks_per_beat=WRITE_PPQ)
    conductor: list[tuple[int, int, mido.MetaMessage | mido.Message]] = [
        (0, 0, mido.MetaMessage("track_name", name=song.name)),
        (0, 0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
    ]
    if song.key is not None:
        conductor.append((0, 0, mido.MetaMessage("key_signature", key=_key_to_mido(song.key))))
    for beat, bpm in ((0.0, song.tempo_bpm), *song.tempo_changes):
        tempo = mido.bpm2tempo(bpm)
        conductor.append((_ticks(beat), 1, mido.MetaMessage("set_tempo", tempo=tempo)))
    midi.tracks.append(_delta_track(conductor))
    for track in song.tracks:
        channel = DRUM_CHANNEL if track.role == "drums" else track.channel
        name = track.name or ROLE_SPECS[track.role].track_name
        events: list[tuple[int, int, mido.MetaMessage | mido.Message]] = [
            (0, 0, mido.MetaMessage("track_name", name=name)),
            (0, 1, mido.Message("program_change", channel=channel, program=track.program)),
        ]
        for note in tidy_notes(track.notes)[0]:
            on = _ticks(note.start_beats)
            pitch, velocity = note.pitch, note.velocity
            start = mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)
            end = mido.Message("note_off", channel=channel, note=pitch)
            events += [(on, 3, start), (max(on + 1, _ticks(note.end_beats)), 2, end)]
        midi.tracks.append(_delta_track(events))
    return midi


def _ticks(beats: float) -> int:
    return int(round(beats * WRITE_PPQ))


def _delta_track(events: list[tuple[int, int, mido.MetaMessage | mido.Message]]) -> mido.MidiTrack:
    """(tick, order, message) -> a track with delta times; at one tick, lower order first
    (note-offs before note-ons, so a repeated pitch is not cut)."""
    track = mido.MidiTrack()
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    return track


def song_to_midi_bytes(song: Song) -> bytes:
    """The bytes of :func:`write_midi`'s file (for drag and drop)."""
    buffer = io.BytesIO()
    song_to_midifile(song).save(file=buffer)
    return buffer.getvalue()


def write_midi(song: Song, path: str | os.PathLike[str]) -> None:
    """Write ``song`` as a type-1 MIDI file (see :func:`song_to_midifile`).

    Raises:
        DataError: the file cannot be written.
    """
    data = song_to_midi_bytes(song)
    try:
        Path(path).write_bytes(data)
    except OSError as err:
        raise DataError(f"{path}: cannot write the MIDI file ({err.strerror or err})") from err
