"""Small MIDI files for tests, built byte by byte (independent of mido, so a reader test does not
check mido against itself), plus raw bytes for broken files.

    parts = [Part(channel=9, name="Drums", notes=[(36, 0.0, 0.25, 100)]),
             (1, 33, "Bass", [(36, 0.0, 0.5, 90)])]          # tuples work too
    path = write_midi_file(tmp_path / "x.mid", parts, ppq=96, tempo_bpm=128)
    folder = write_midi_folder(tmp_path / "songs", [parts, parts])  # song0.mid, song1.mid
    data = midi_bytes(parts, file_type=0)                     # bytes to cut or corrupt
    write_raw(tmp_path / "bad.mid", data[:30])

A note is ``(pitch, start_beats, duration_beats, velocity)`` (the order of
:class:`jambridge.music.Note`, whose instances are accepted as well).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

NoteSpec = tuple[int, float, float, int]  # (pitch, start_beats, duration_beats, velocity)


@dataclass(frozen=True)
class Part:
    """One instrument stream to write: its channel, program, track name and notes."""

    channel: int  # 0-based; 9 is the GM drum channel
    program: int | None = None  # GM program, None: no program change event
    name: str = ""  # track name ("" writes none); ignored in type-0 files
    notes: Sequence[NoteSpec] = field(default_factory=tuple)


def var_len(value: int) -> bytes:
    """A MIDI variable-length quantity (7 bits per byte, high bit = more follows)."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def header_chunk(file_type: int, ntracks: int, division: int) -> bytes:
    """An ``MThd`` chunk; ``division`` is written as is (0 and SMPTE values included)."""
    return b"MThd" + struct.pack(">LHHH", 6, file_type, ntracks, division)


def meta(kind: int, payload: bytes) -> bytes:
    """A meta event (without its delta time)."""
    return bytes([0xFF, kind]) + var_len(len(payload)) + payload


def track_chunk(events: Iterable[tuple[int, int, bytes]], end_tick: int | None = None) -> bytes:
    """An ``MTrk`` chunk from ``(absolute tick, order, event bytes)``; at one tick lower order
    comes first. An end-of-track meta is appended (at ``end_tick`` when given)."""
    body = bytearray()
    now = 0
    for tick, _, data in sorted(events, key=lambda e: (e[0], e[1])):
        body += var_len(tick - now) + data
        now = tick
    body += var_len(max(0, end_tick - now) if end_tick is not None else 0) + meta(0x2F, b"")
    return b"MTrk" + struct.pack(">L", len(body)) + bytes(body)


def _part_events(part: Part, ppq: int, note_off: str) -> list[tuple[int, int, bytes]]:
    ch = part.channel
    events: list[tuple[int, int, bytes]] = []
    if part.program is not None:
        events.append((0, 1, bytes([0xC0 | ch, part.program])))
    for note in part.notes:
        pitch, start, duration, velocity = _note_tuple(note)
        on = round(start * ppq)
        off = on + round(duration * ppq)
        events.append((on, 3, bytes([0x90 | ch, pitch, velocity])))
        off_bytes = (
            bytes([0x80 | ch, pitch, 64])
            if note_off == "note_off"
            else bytes([0x90 | ch, pitch, 0])
        )
        events.append((off, 2 if off > on else 4, off_bytes))  # a zero-length note: on, off
    return events


def _note_tuple(note) -> NoteSpec:
    if isinstance(note, tuple):
        return note
    return (note.pitch, note.start_beats, note.duration_beats, note.velocity)


def _conductor_events(
    ppq: int,
    tempo_bpm: float | None,
    tempo_changes: Sequence[tuple[float, float]],
    meters: Sequence[tuple[float, int, int]],
    key: tuple[int, int] | None,
) -> list[tuple[int, int, bytes]]:
    events: list[tuple[int, int, bytes]] = []
    tempos = ([(0.0, tempo_bpm)] if tempo_bpm is not None else []) + list(tempo_changes)
    for beat, bpm in tempos:
        us = round(60_000_000 / bpm)
        events.append((round(beat * ppq), 0, meta(0x51, us.to_bytes(3, "big"))))
    for beat, num, den in meters:
        payload = bytes([num, den.bit_length() - 1, 24, 8])
        events.append((round(beat * ppq), 0, meta(0x58, payload)))
    if key is not None:
        sharps, minor = key
        events.append((0, 0, meta(0x59, struct.pack(">bB", sharps, minor))))
    return events


def midi_bytes(
    parts: Iterable[Part | tuple],
    *,
    file_type: int = 1,
    ppq: int = 480,
    division: int | None = None,
    tempo_bpm: float | None = 120.0,
    tempo_changes: Sequence[tuple[float, float]] = (),
    meters: Sequence[tuple[float, int, int]] = ((0.0, 4, 4),),
    key: tuple[int, int] | None = None,
    song_name: str = "",
    note_off: str = "note_off",
    end_tick: int | None = None,
) -> bytes:
    """A whole Standard MIDI File as bytes.

    Args:
        parts: :class:`Part` values or ``(channel, program, name, notes)`` tuples.
        file_type: 0 puts everything in one track; 1 (and 2, for rejection tests) write a
            conductor track then one track per part.
        ppq: ticks per quarter note used to place events; ``division`` overrides the header
            field only (0, or an SMPTE value such as ``0xE728``).
        tempo_bpm: tempo at tick 0 (None: no tempo event); ``tempo_changes``: (beat, bpm).
        meters: time signatures as (beat, numerator, denominator).
        key: key signature as (sharps, minor): (-3, 1) is C minor, (1, 0) is G major.
        note_off: ``"note_off"`` (0x80) or ``"velocity0"`` (note-on with velocity 0).
        end_tick: put the end-of-track at this tick (a huge value makes a huge delta).
    """
    parts = [p if isinstance(p, Part) else Part(*p) for p in parts]
    conductor = _conductor_events(ppq, tempo_bpm, tempo_changes, meters, key)
    if song_name:
        conductor.append((0, 0, meta(0x03, song_name.encode("latin-1"))))
    if file_type == 0:
        events = conductor + [e for p in parts for e in _part_events(p, ppq, note_off)]
        tracks = [track_chunk(events, end_tick)]
    else:
        tracks = [track_chunk(conductor)]
        for p in parts:
            named = [(0, 0, meta(0x03, p.name.encode("latin-1")))] if p.name else []
            tracks.append(track_chunk(named + _part_events(p, ppq, note_off), end_tick))
    header = header_chunk(file_type, len(tracks), ppq if division is None else division)
    return header + b"".join(tracks)


def write_raw(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` as is (for broken files); returns the path."""
    path = Path(path)
    path.write_bytes(data)
    return path


def write_midi_file(path: Path, parts: Iterable[Part | tuple], **options) -> Path:
    """Write :func:`midi_bytes` ``(parts, **options)`` to ``path``; returns the path."""
    return write_raw(path, midi_bytes(parts, **options))


def write_midi_folder(folder: Path, songs: Iterable[Iterable[Part | tuple]], **options) -> Path:
    """Make ``folder`` and write ``song{i}.mid`` into it for the ``i``-th item of ``songs`` (its
    parts; ``options`` as for :func:`midi_bytes`); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, parts in enumerate(songs):
        write_midi_file(folder / f"song{i}.mid", parts, **options)
    return folder
