"""Prompt capture: notes played into "JamBridge In", quantized on the clock grid, as bars.

:class:`CaptureRecorder` is pure and lives in the real-time thread: it gets each note-on and
note-off with its song tick (from the clock model, at the note's own time stamp) and keeps

* a **retro** buffer of the last ``retro_bars`` bars heard, always (like a DAW's capture MIDI):
  :meth:`CaptureRecorder.retro` takes the last N bars -- up to the current bar line, or through
  the current bar if it already holds notes -- with leading empty bars trimmed;
* an **armed** capture: :meth:`CaptureRecorder.arm` records the next N bars from the next bar
  line. The bar line it ends on is committed a little before it sounds (the scheduler's commit
  lead plus the output latency), so that its riff plays from that very line:
  :meth:`CaptureRecorder.close` then hands over the capture as heard so far, for the riff to
  open with, and :meth:`CaptureRecorder.settle` the final one once every note stamped before
  the end has been polled (the scheduler: ``capture_settle_s`` after the end, a JACK period
  and a poll). Notes that came in between (played in the last ~30 ms plus the latency, or
  polled late) are in the final capture -- what is saved -- and the riff playing takes them
  from then on (:class:`Settled`). :meth:`CaptureRecorder.poll` does both at once.

Which notes a window holds is decided by each note's own tick, never by when it was polled.
At its edges a note less than :data:`~jambridge.bridge.capture_window.EDGE_TICKS` (a 32nd
note) before a bar line belongs to that bar line: before the first one, it is the first
downbeat played early and starts the window (on the grid and as played); before the end, it
is the next bar's downbeat played early and is not in the window. A riff played round and round
is so captured one pass per window, each note once, and the riff's 16th grid rounds the same
way. Notes are quantized to :data:`~jambridge.bridge.timing.transport.TICKS_PER_GRID` ticks
(the 12-per-beat grid); a note still held when a window closes ends at the window's end. The
result is plain bars (one track, the chosen role): on that grid (:attr:`CaptureResult.bars`,
what is saved) and as played (:attr:`CaptureResult.played`, the onsets as heard);
:func:`~jambridge.bridge.capture_window.riff_bars` makes the riff that plays from the played
bars and the capture's quantize amount. :func:`write_capture` writes it as a ``.mid`` file in
:func:`captures_dir` -- off the real-time thread. The file appears whole or not at all (written
beside, then renamed); :class:`CaptureWriter` keeps in memory the captures a full disk refused,
and writes them on a later try."""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jambridge.bridge.capture_window import EDGE_TICKS as EDGE_TICKS
from jambridge.bridge.capture_window import Heard, window_bars
from jambridge.bridge.capture_window import riff_bars as riff_bars
from jambridge.bridge.controls import LIVE_RIFF, ArmCapture, RetroCapture
from jambridge.bridge.playback.timeline import PlainBar, plain_to_bar
from jambridge.bridge.timing.transport import TICKS_PER_BAR
from jambridge.clip_tempo import clip_tempo
from jambridge.errors import DataError
from jambridge.midi_io import song_to_midi_bytes
from jambridge.music import Song
from jambridge.riff.settings import RiffSettings
from jambridge.user_dirs import captures_dir


@dataclass(frozen=True)
class CaptureResult:
    """A finished capture."""

    kind: str  # "armed" or "retro"
    role: str  # the role the riff goes to
    start_bar: int  # 0-based song bar of the first captured bar
    bars: tuple[PlainBar, ...]  # one track (role) per bar, quantized
    bpm: float | None  # tempo when captured (for the file)
    played: tuple[PlainBar, ...] = ()  # the same notes, onsets as played
    settings: RiffSettings = LIVE_RIFF  # how the riff plays (the capture command's)

    @property
    def note_count(self) -> int:
        return sum(len(track.notes) for bar in self.bars for track in bar)


@dataclass(frozen=True)
class Settled:
    """An armed capture made final (:meth:`CaptureRecorder.settle`)."""

    result: CaptureResult | None  # the capture (None: nothing was played in it)
    opened: CaptureResult | None  # what :meth:`CaptureRecorder.close` handed over before

    @property
    def changed(self) -> bool:
        """Notes came in after the close: the riff that opened lacks them."""
        final, opened = self.result, self.opened
        if final is None or opened is None:
            return final is not opened
        return (final.bars, final.played) != (opened.bars, opened.played)


@dataclass
class _Armed:
    command: ArmCapture
    start_tick: int  # window start (a bar line)
    end_tick: int  # window end
    opened: CaptureResult | None = None  # closing: what the close handed over


class CaptureRecorder:
    """Turns input notes at song ticks into captured bars (see the module docstring)."""

    def __init__(
        self, retro_bars: int = 8, log: Callable[[str], None] | None = None, max_notes: int = 4096
    ) -> None:
        self.retro_bars = retro_bars  # bars the retro buffer keeps
        self.max_notes = max_notes  # ... and at most this many notes (a flood keeps the newest)
        self._log = log or (lambda line: None)
        self._notes: list[Heard] = []
        self._held: dict[tuple[int, int], Heard] = {}
        self._armed: _Armed | None = None
        self._closing: _Armed | None = None  # closed, waiting for its last input (settle)

    # -- input -----------------------------------------------------------------------------------

    def note_on(self, tick: float, channel: int, pitch: int, velocity: int) -> None:
        """A key went down at song tick ``tick`` (velocity 0 is a note-off)."""
        if velocity == 0:
            self.note_off(tick, channel, pitch)
            return
        self.note_off(tick, channel, pitch)  # a retrigger ends the previous one
        note = Heard(tick, None, channel, pitch, velocity)
        self._notes.append(note)
        self._held[(channel, pitch)] = note
        if len(self._notes) > 2 * self.max_notes:  # trimmed now and then (amortized O(1))
            self._notes = self._notes[-self.max_notes :]

    def note_off(self, tick: float, channel: int, pitch: int) -> None:
        """A key went up at song tick ``tick``."""
        note = self._held.pop((channel, pitch), None)
        if note is not None:
            note.off_tick = tick

    def release_all(self, tick: float) -> None:
        """End every held note at ``tick`` (transport stopped, or the input port went away)."""
        for note in self._held.values():
            note.off_tick = tick
        self._held.clear()

    def clear(self) -> None:
        """Forget the retro buffer (the song position jumped; settle a closing capture first)."""
        self._notes.clear()
        self._held.clear()

    def prune(self, now_tick: float) -> None:
        """Drop notes that ended before the retro window (and before an armed or closing
        capture's window); call once per bar."""
        limit = (math.floor(now_tick / TICKS_PER_BAR) - self.retro_bars - 1) * TICKS_PER_BAR
        for window in (self._armed, self._closing):
            if window is not None:
                limit = min(limit, window.start_tick - TICKS_PER_BAR)
        self._notes = [n for n in self._notes if n.off_tick is None or n.off_tick >= limit]

    # -- captures ----------------------------------------------------------------------------------

    def arm(self, command: ArmCapture, now_tick: float) -> int:
        """Record ``command.bars`` bars from the next bar line; returns the first bar (0-based)."""
        start_bar = math.ceil(now_tick / TICKS_PER_BAR - 1e-9)
        start = start_bar * TICKS_PER_BAR
        self._armed = _Armed(command, start, start + command.bars * TICKS_PER_BAR)
        return start_bar

    def rearm(self, play_tick: float) -> None:
        """The transport started at ``play_tick``: an armed capture (which has not begun: a
        Stop ends one that has) starts from the next bar line of the new position."""
        if self._armed is not None:
            self.arm(self._armed.command, play_tick)

    @property
    def armed(self) -> ArmCapture | None:
        return self._armed.command if self._armed else None

    @property
    def armed_until(self) -> int:
        """The song tick the armed capture ends at (call only while one is armed)."""
        if self._armed is None:
            raise RuntimeError("no capture is armed")
        return self._armed.end_tick

    @property
    def closing(self) -> bool:
        """A capture is closed and waits for :meth:`settle`."""
        return self._closing is not None

    def close(self, line_tick: float, bpm: float | None) -> CaptureResult | None:
        """The bar line at ``line_tick`` is committed: an armed capture that ends there (or
        before) closes, and the capture as heard so far is returned (None: no note yet) for
        its riff to open with. It is final once :meth:`settle` says so."""
        armed = self._armed
        if armed is None or line_tick < armed.end_tick:
            return None
        if self._closing is not None:
            raise RuntimeError("settle the capture that is closing first")
        self._armed = None
        armed.opened = self._result(armed, bpm)
        self._closing = armed
        return armed.opened

    def settle(self, heard_tick: float | None, bpm: float | None) -> Settled | None:
        """The closing capture made final, once every note up to its end is in: ``heard_tick``
        is the song tick up to which the input has been polled (None: now, whatever is in)."""
        closing = self._closing
        if closing is None or (heard_tick is not None and heard_tick < closing.end_tick):
            return None
        self._closing = None
        result = self._result(closing, bpm)
        if result is None:
            self._log(f"armed capture: nothing was played in {closing.command.bars} bar(s)")
        return Settled(result, closing.opened)

    def poll(self, now_tick: float, bpm: float | None) -> CaptureResult | None:
        """The armed capture, closed and settled at once, once its last bar has ended."""
        armed = self._armed
        if armed is None or now_tick < armed.end_tick:
            return None
        self.close(now_tick, bpm)
        settled = self.settle(None, bpm)
        return settled.result if settled else None

    def stop(self, now_tick: float, bpm: float | None) -> CaptureResult | None:
        """The transport stopped: an armed capture that has begun ends with the bars so far
        (settle a closing capture first)."""
        armed = self._armed
        self.release_all(now_tick)
        if armed is None or now_tick <= armed.start_tick:
            return None
        end_bar = math.ceil(now_tick / TICKS_PER_BAR - 1e-9)
        self._armed = _Armed(armed.command, armed.start_tick, end_bar * TICKS_PER_BAR)
        return self.poll(end_bar * TICKS_PER_BAR, bpm)

    def retro(
        self, command: RetroCapture, now_tick: float, bpm: float | None
    ) -> CaptureResult | None:
        """The last ``command.bars`` bars heard (None, logged, when there were no notes)."""
        bar_line = math.floor(now_tick / TICKS_PER_BAR + 1e-9) * TICKS_PER_BAR
        current_has_notes = any(
            n.on_tick > bar_line - EDGE_TICKS and self._wanted(n, command.channel)
            for n in self._notes
        )
        end = bar_line + (TICKS_PER_BAR if current_has_notes else 0)
        start = max(0, end - command.bars * TICKS_PER_BAR)
        bars, played = self._window(start, end, command.channel, command.role, now_tick)
        skip = 0
        while skip < len(bars) and not bars[skip][0].notes:
            skip += 1
        if skip == len(bars):
            self._log(f"retro capture: nothing was played in the last {command.bars} bar(s)")
            return None
        if skip:  # the riff is the bars from the first played one (the loop starts there)
            start += skip * TICKS_PER_BAR
            bars, played = self._window(start, end, command.channel, command.role, now_tick)
        return CaptureResult(
            "retro", command.role, start // TICKS_PER_BAR, bars, bpm, played, command.riff
        )

    # -- helpers -----------------------------------------------------------------------------------

    def _result(self, armed: _Armed, bpm: float | None) -> CaptureResult | None:
        """An armed capture's window as heard now (None: no note in it)."""
        cmd = armed.command
        bars, played = self._window(armed.start_tick, armed.end_tick, cmd.channel, cmd.role)
        first = armed.start_tick // TICKS_PER_BAR
        result = CaptureResult("armed", cmd.role, first, bars, bpm, played, cmd.riff)
        return result if result.note_count else None

    @staticmethod
    def _wanted(note: Heard, channel: int | None) -> bool:
        return channel is None or note.channel == channel

    def _window(
        self, start: int, end: int, channel: int | None, role: str, now_tick: float | None = None
    ) -> tuple[tuple[PlainBar, ...], tuple[PlainBar, ...]]:
        """The window's bars on the grid, and as played (see the module docstring)."""
        wanted = (n for n in self._notes if self._wanted(n, channel))
        return window_bars(wanted, start, end, role, now_tick)


def capture_song(result: CaptureResult) -> Song:
    """A captured riff as a one-track Song, at the DAW's tempo (see :mod:`jambridge.clip_tempo`)."""
    bars = [plain_to_bar(b) for b in result.bars]
    bpm = clip_tempo([result.bpm], 120.0)
    name = f"JamBridge {result.kind} capture ({result.role})"
    return Song.from_bars(bars, tempo_bpm=min(max(bpm, 10.0), 1000.0), name=name)


def write_capture(result: CaptureResult, directory: Path | None = None) -> Path:
    """Write a capture as a type-1 ``.mid`` file (never over another one); returns its path.
    The file appears whole or not at all: a full disk leaves nothing behind.

    Raises:
        DataError: the folder or file cannot be written (the message says why: no space...).
    """
    folder = directory or captures_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"{folder}: cannot create the captures folder ({err})") from err
    data = song_to_midi_bytes(capture_song(result))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    stem = f"{stamp}-{result.kind}-{result.role}-{len(result.bars)}bar"
    path = folder / f"{stem}.mid"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.mid"
    _write_whole(data, path)
    return path


def _write_whole(data: bytes, path: Path) -> None:
    """Write ``data`` to a hidden file beside ``path``, flush it to disk, rename it to ``path``;
    on any failure remove it and raise DataError."""
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".part", dir=path.parent)
    except OSError as err:
        raise DataError(f"{path}: cannot write the capture ({err.strerror or err})") from err
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise DataError(f"{path}: cannot write the capture ({err.strerror or err})") from err


class CaptureWriter:
    """Writes captures to disk; keeps those it could not write (a full disk), oldest first,
    and writes them on the next :meth:`flush`. One thread uses it (the session's dispatcher).

    At most ``max_unsaved`` are kept; beyond that the oldest is dropped and counted.
    """

    RETRY_S = 2.0  # how often the session tries again while captures wait

    def __init__(self, folder: Path | None = None, max_unsaved: int = 64) -> None:
        self.folder = folder  # None: captures_dir()
        self._unsaved: deque[CaptureResult] = deque()
        self.max_unsaved = max_unsaved
        self.dropped = 0  # captures lost because too many were waiting

    @property
    def unsaved(self) -> tuple[CaptureResult, ...]:
        """The captures waiting to be written, oldest first."""
        return tuple(self._unsaved)

    def add(self, result: CaptureResult) -> None:
        """Queue ``result`` to be written (by the next :meth:`flush`)."""
        if len(self._unsaved) >= self.max_unsaved:
            self._unsaved.popleft()
            self.dropped += 1
        self._unsaved.append(result)

    def flush(self) -> tuple[list[tuple[CaptureResult, Path]], DataError | None]:
        """Write the waiting captures, oldest first, until one fails. Returns those written
        (with their paths) and the error that stopped it (None: every one was written)."""
        written: list[tuple[CaptureResult, Path]] = []
        while self._unsaved:
            result = self._unsaved[0]
            try:
                path = write_capture(result, self.folder)
            except DataError as err:
                return written, err
            self._unsaved.popleft()
            written.append((result, path))
        return written, None
