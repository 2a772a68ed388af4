"""MIDI message shapes on the input port: a table of status bytes, a splitter, and a checker.

Everything that arrives on "JamBridge In" passes :func:`check` first. A message that is not a
complete, well-formed MIDI message (a bare data byte from running status, a truncated note, a
data byte with bit 7 set, an undefined status byte) comes back as ``(None, reason)``: the caller
logs the reason and drops the message, so bad input changes nothing but the log.

A driver may hand over several messages glued into one (python-rtmidi's JACK input appends
every event after an unterminated sysex to it until some event ends in ``0xF7``).
:func:`split_stream` takes such bytes apart as a MIDI receiver does, resynchronising on every
status byte: a real-time byte (``0xF8``-``0xFF``) is a message of its own wherever it is, even
inside a sysex; any other status byte ends the message before it (an unterminated sysex
included) and starts the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Spec:
    """What one status byte (or channel-message kind) is."""

    kind: str  # name the dispatcher switches on
    length: int  # total bytes including the status byte; 0: variable (sysex)


# Channel voice messages by high nibble (mido's SPECS table, by status).
CHANNEL_SPECS: dict[int, Spec] = {
    0x80: Spec("note_off", 3),
    0x90: Spec("note_on", 3),
    0xA0: Spec("poly_aftertouch", 3),
    0xB0: Spec("control_change", 3),
    0xC0: Spec("program_change", 2),
    0xD0: Spec("aftertouch", 2),
    0xE0: Spec("pitchwheel", 3),
}

# System messages by full status byte. Bytes missing here (0xF4, 0xF5, 0xF9, 0xFD) are
# undefined by the MIDI 1.0 spec.
SYSTEM_SPECS: dict[int, Spec] = {
    0xF0: Spec("sysex", 0),
    0xF1: Spec("quarter_frame", 2),
    0xF2: Spec("songpos", 3),
    0xF3: Spec("song_select", 2),
    0xF6: Spec("tune_request", 1),
    0xF7: Spec("sysex_end", 1),
    0xF8: Spec("clock", 1),
    0xFA: Spec("start", 1),
    0xFB: Spec("continue", 1),
    0xFC: Spec("stop", 1),
    0xFE: Spec("active_sensing", 1),
    0xFF: Spec("reset", 1),
}


def spec_of(status: int) -> Spec | None:
    """The spec of a status byte, or None for a data byte or an undefined status."""
    if status >= 0xF0:
        return SYSTEM_SPECS.get(status)
    if status >= 0x80:
        return CHANNEL_SPECS[status & 0xF0]
    return None


def is_plain(msg: Sequence[int]) -> bool:
    """No status byte after the first (a sysex may end in ``0xF7``): nothing to split."""
    end = len(msg) - 1 if len(msg) > 1 and msg[0] == 0xF0 and msg[-1] == 0xF7 else len(msg)
    return all(0 <= b < 0x80 for b in msg[1:end])


def split_stream(data: Sequence[int]) -> list[list[int]]:
    """The messages in ``data``, resynchronised on every status byte (see the module doc).

    Data bytes with no status byte before them come out as a fragment of their own (which
    :func:`check` rejects); an unterminated sysex comes out as it stands, without ``0xF7``.
    """
    out: list[list[int]] = []
    cur: list[int] | None = None
    for b in data:
        if b >= 0xF8:  # real time: a message of its own, anywhere
            out.append([b])
        elif b == 0xF7 and cur is not None and cur[0] == 0xF0:
            cur.append(b)
            out.append(cur)
            cur = None
        elif b >= 0x80:
            if cur is not None:
                out.append(cur)
            cur = [b]
        elif cur is None or (cur[0] != 0xF0 and len(cur) >= _length(cur[0])):
            if cur is not None:
                out.append(cur)
            cur = [b]  # a data byte after a complete message: a fragment (running status)
        else:
            cur.append(b)
    if cur is not None:
        out.append(cur)
    return out


def _length(status: int) -> int:
    """Bytes in a message with this first byte (data bytes count as fragments of any size)."""
    spec = spec_of(status)
    if spec is None:
        return 1 if status >= 0x80 else 1 << 30
    return spec.length or 1 << 30


def check(msg: Sequence[int]) -> tuple[str | None, str]:
    """The kind of ``msg``, or ``(None, why it is dropped)``."""
    if not msg:
        return None, "empty message"
    status = msg[0]
    if not 0 <= status <= 0xFF:
        return None, f"byte {status!r} is not in range 0..255"
    if status < 0x80:
        return None, f"data byte 0x{status:02X} without a status byte (running status)"
    spec = spec_of(status)
    if spec is None:
        return None, f"undefined status byte 0x{status:02X}"
    if spec.length == 0:  # sysex: anything up to 0xF7
        return spec.kind, ""
    if len(msg) != spec.length:
        return None, f"{spec.kind} must be {spec.length} bytes, got {len(msg)}"
    for b in msg[1:]:
        if not 0 <= b <= 0x7F:
            return None, f"{spec.kind} data byte {b!r} is not in range 0..127"
    return spec.kind, ""


class Complaints:
    """Rate-limited log lines for bad input: at most one line per reason key per interval.

    A controller that floods the port with sysex must not flood the log (or the real-time
    thread that writes it): repeats inside the interval are counted and reported with the next
    line for the same key. Lines go to ``sink``; times are the caller's (injected) clock.
    """

    def __init__(self, sink, interval_s: float = 1.0) -> None:
        self._sink = sink  # Callable[[str], None]
        self._interval_s = interval_s
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self.total = 0  # messages complained about, all keys

    def __call__(self, t_s: float, key: str, text: str) -> None:
        self.total += 1
        last = self._last.get(key)
        if last is not None and t_s - last < self._interval_s:
            self._held[key] = self._held.get(key, 0) + 1
            return
        held = self._held.pop(key, 0)
        self._last[key] = t_s
        self._sink(text + (f" ({held} more like it since the last report)" if held else ""))
