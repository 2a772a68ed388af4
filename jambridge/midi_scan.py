"""Bounds on a Standard MIDI File, checked on its bytes before mido builds a Python object for
every event.

mido turns each event into an object of ~500 bytes (measured: 200,000 events cost 100 MB), so an
unchecked 20 MB file of dense events took 3.45 GB. :func:`check_midi_bytes` refuses, with one
:class:`~jambridge.errors.DataError` line each:

- more than :data:`MAX_MIDI_BYTES`;
- a header that declares more tracks than the file holds (mido reads the count as a signed
  16-bit number, so 65,535 became "0 tracks"), or more than :data:`MAX_TRACKS`;
- more than :data:`MAX_EVENTS` events or :data:`MAX_PAYLOAD_BYTES` of sysex and meta data,
  counted by walking the bytes exactly as mido will read them (delta times, running status,
  meta and sysex lengths) and stopping at the cap. Every event takes at least two bytes, so
  files up to 400 kB (all real songs) cannot break either cap and skip the walk.
"""

from __future__ import annotations

from jambridge.errors import DataError
from jambridge.files import size_text

# Real songs are well under 1 MB (the 2,171 files in shared/data: 156 kB at most); 16 MB leaves
# room for odd exports while the read itself stays cheap.
MAX_MIDI_BYTES = 16_000_000
# Multi-track exports rarely pass 100 tracks; the cap keeps clear of mido's signed count.
MAX_TRACKS = 1024
# ~100,000 notes. The busiest of the 2,171 files in shared/data has 42,242 events; a 10-minute
# four-part techno track at 16ths has ~80,000. mido parses ~100,000 events a second into ~500
# bytes each, so the cap holds one file to ~3 s and ~110 MB.
MAX_EVENTS = 200_000
# Sysex and meta payloads: mido reads them one byte per call (~0.6 us) into lists of ints, so
# 15 MB of sysex took 10 s. Real files carry a few kB (GM resets, names, lyrics).
MAX_PAYLOAD_BYTES = 1_000_000
MIN_EVENT_BYTES = 2  # a delta-time byte and a status or data byte
_MAX_MESSAGE_LENGTH = 1_000_000  # mido refuses longer sysex and meta payloads
_WALK_ABOVE = min(MIN_EVENT_BYTES * MAX_EVENTS, MAX_PAYLOAD_BYTES)  # smaller files keep within

# status (high nibble for channel messages) -> bytes after the status byte
_DATA_BYTES = {
    **{kind: 2 for kind in (0x8, 0x9, 0xA, 0xB, 0xE)},
    **{kind: 1 for kind in (0xC, 0xD)},
    0xF1: 1,
    0xF2: 2,
    0xF3: 1,
    **{status: 0 for status in (0xF6, 0xF8, 0xFA, 0xFB, 0xFC, 0xFE)},
}


def check_midi_bytes(data: bytes, where: str, ntracks: int) -> None:
    """DataError unless the SMF ``data`` (starting at ``MThd``, header already checked) keeps
    within the limits of the module docstring; the message names ``where`` and the limit."""
    if len(data) > MAX_MIDI_BYTES:
        raise DataError(
            f"{where}: {size_text(len(data))} is more than the {size_text(MAX_MIDI_BYTES)} a "
            "MIDI file may have (a corrupt or generated file?)"
        )
    present = _whole_chunks(data, ntracks)
    if present < ntracks:
        raise DataError(
            f"{where}: truncated: the header declares {ntracks} track(s), the file holds {present}"
        )
    if ntracks > MAX_TRACKS:
        raise DataError(f"{where}: {ntracks} tracks; at most {MAX_TRACKS} are read")
    if len(data) <= _WALK_ABOVE:
        return
    events, payload = count_events(data, ntracks, MAX_EVENTS, MAX_PAYLOAD_BYTES)
    if events > MAX_EVENTS:
        raise DataError(
            f"{where}: more than {MAX_EVENTS:,} MIDI events; this reader takes at most that "
            "many (about 100,000 notes)"
        )
    if payload > MAX_PAYLOAD_BYTES:
        raise DataError(
            f"{where}: more than {size_text(MAX_PAYLOAD_BYTES)} of sysex and meta data; "
            "this reader takes at most that much"
        )


def _whole_chunks(data: bytes, ntracks: int) -> int:
    """How many of the ``ntracks`` chunks after the header lie wholly inside ``data``, by their
    declared sizes."""
    pos, found = 8 + int.from_bytes(data[4:8], "big"), 0
    while found < ntracks and pos + 8 <= len(data):
        pos += 8 + int.from_bytes(data[pos + 4 : pos + 8], "big")
        if pos > len(data):
            break
        found += 1
    return found


def _var_len(data: bytes, pos: int) -> tuple[int, int]:
    """(value, position after it) of the variable-length number at ``pos``; ``len(data) + 1``
    as the position when the data ends inside it."""
    value = 0
    while pos < len(data):
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos
    return value, len(data) + 1


def count_events(
    data: bytes, ntracks: int, max_events: int, max_payload: int = MAX_PAYLOAD_BYTES
) -> tuple[int, int]:
    """(events, sysex and meta payload bytes) mido will read from ``data``, counted the way it
    reads them (a track ends when its declared size is consumed exactly). Stops once past
    either cap, or where mido would fail (it then raises on its own)."""
    end = len(data)
    pos, count, payload = 8 + int.from_bytes(data[4:8], "big"), 0, 0
    for _ in range(ntracks):
        if pos + 8 > end:
            break
        size, pos = int.from_bytes(data[pos + 4 : pos + 8], "big"), pos + 8
        start, last = pos, None
        while pos - start != size:
            _, pos = _var_len(data, pos)  # delta time
            if pos >= end:
                return count, payload
            status, pos, peeked = data[pos], pos + 1, 0
            if status < 0x80:  # running status: this byte was the first data byte
                if last is None:
                    return count, payload
                status, peeked = last, 1
            elif status != 0xFF:
                last = status
            if status == 0xFF or status in (0xF0, 0xF7):
                length, pos = _var_len(data, pos + (status == 0xFF))  # meta: a type byte first
                payload += length
            else:
                data_bytes = _DATA_BYTES.get(status >> 4 if status < 0xF0 else status)
                if data_bytes is None:
                    return count, payload
                length = max(0, data_bytes - peeked)
            pos += length
            count += 1
            if count > max_events or payload > max_payload or pos > end:
                return count, payload
            if length > _MAX_MESSAGE_LENGTH:
                return count, payload
    return count, payload
