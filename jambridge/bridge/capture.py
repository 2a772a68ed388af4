"""Prompt capture: notes played into "JamBridge In", quantized on the clock grid, as bars.

:class:`CaptureRecorder` is pure and lives in the real-time thread: it gets each note-on and
note-off with its song tick (from the clock model) and keeps

* a **retro** buffer of the last ``retro_bars`` bars heard, always (like a DAW's capture MIDI):
  :meth:`CaptureRecorder.retro` takes the last N bars -- up to the current bar line, or through
  the current bar if it already holds notes -- with leading empty bars trimmed;
* an **armed** capture: :meth:`CaptureRecorder.arm` records the next N bars from the next bar
  line; :meth:`CaptureRecorder.poll` hands them over when the last one ends.

Notes are quantized to :data:`~jambridge.bridge.timing.transport.TICKS_PER_GRID` ticks (the
12-per-beat grid), and a note belongs to the window its *quantized* start falls in, so a downbeat
played a hair early is kept. Notes still held when a window closes end at the window's end. The
result is plain bars (one track, the chosen role): on that grid (:attr:`CaptureResult.bars`, what
is saved) and as played (:attr:`CaptureResult.played`: the onsets as heard, the riff taken as a
loop, so a downbeat played early ends the last bar); :func:`riff_bars` makes the riff that
plays from the played bars and the capture's quantize amount. :func:`write_capture`
writes it as a ``.mid`` file in :func:`captures_dir` -- off the real-time thread. The file appears
whole or not at all (written beside, then renamed); :class:`CaptureWriter` keeps in memory the
captures a full disk refused, and writes them on a later try."""

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

from jambridge.bridge.controls import LIVE_RIFF, ArmCapture, RetroCapture
from jambridge.bridge.playback.timeline import (
    PlainBar,
    PlainNote,
    PlainTrack,
    bar_to_plain,
    plain_to_bar,
)
from jambridge.bridge.timing.transport import TICKS_PER_BAR, TICKS_PER_BEAT, TICKS_PER_GRID
from jambridge.clip_tempo import clip_tempo
from jambridge.errors import DataError
from jambridge.midi_io import song_to_midi_bytes
from jambridge.music import BEATS_PER_BAR, Song
from jambridge.riff.material import Riff
from jambridge.riff.settings import RiffSettings
from jambridge.roles import ROLE_SPECS
from jambridge.user_dirs import captures_dir


@dataclass(frozen=True)
class CaptureResult:
    """A finished capture."""

    kind: str  # "armed" or "retro"
    role: str  # the role the riff goes to
    start_bar: int  # 0-based song bar of the first captured bar
    bars: tuple[PlainBar, ...]  # one track (role) per bar, quantized
    bpm: float | None  # tempo when captured (for the file)
    played: tuple[PlainBar, ...] = ()  # the same notes, onsets as played (a loop: see above)
    settings: RiffSettings = LIVE_RIFF  # how the riff plays (the capture command's)

    @property
    def note_count(self) -> int:
        return sum(len(track.notes) for bar in self.bars for track in bar)


@dataclass
class _Armed:
    command: ArmCapture
    start_tick: int  # window start (a bar line)
    end_tick: int  # window end


@dataclass(slots=True)
class _Heard:
    """A note heard on the input, at song ticks (unquantized)."""

    on_tick: float
    off_tick: float | None  # None while the key is held
    channel: int
    pitch: int
    velocity: int


class CaptureRecorder:
    """Turns input notes at song ticks into captured bars (see the module docstring)."""

    def __init__(
        self, retro_bars: int = 8, log: Callable[[str], None] | None = None, max_notes: int = 4096
    ) -> None:
        self.retro_bars = retro_bars  # bars the retro buffer keeps
        self.max_notes = max_notes  # ... and at most this many notes (a flood keeps the newest)
        self._log = log or (lambda line: None)
        self._notes: list[_Heard] = []
        self._held: dict[tuple[int, int], _Heard] = {}
        self._armed: _Armed | None = None

    # -- input -----------------------------------------------------------------------------------

    def note_on(self, tick: float, channel: int, pitch: int, velocity: int) -> None:
        """A key went down at song tick ``tick`` (velocity 0 is a note-off)."""
        if velocity == 0:
            self.note_off(tick, channel, pitch)
            return
        self.note_off(tick, channel, pitch)  # a retrigger ends the previous one
        note = _Heard(tick, None, channel, pitch, velocity)
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
        """Forget the retro buffer (the song position jumped)."""
        self._notes.clear()
        self._held.clear()

    def prune(self, now_tick: float) -> None:
        """Drop notes that ended before the retro window; call once per bar."""
        limit = (math.floor(now_tick / TICKS_PER_BAR) - self.retro_bars - 1) * TICKS_PER_BAR
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

    def poll(self, now_tick: float, bpm: float | None) -> CaptureResult | None:
        """The armed capture, once its last bar has ended."""
        armed = self._armed
        if armed is None or now_tick < armed.end_tick:
            return None
        self._armed = None
        cmd = armed.command
        bars, played = self._window(armed.start_tick, armed.end_tick, cmd.channel, cmd.role)
        first = armed.start_tick // TICKS_PER_BAR
        result = CaptureResult("armed", cmd.role, first, bars, bpm, played, cmd.riff)
        if result.note_count == 0:
            self._log(f"armed capture: nothing was played in {cmd.bars} bar(s)")
            return None
        return result

    def stop(self, now_tick: float, bpm: float | None) -> CaptureResult | None:
        """The transport stopped: an armed capture that has begun ends with the bars so far."""
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
            _grid_tick(n.on_tick) >= bar_line and self._wanted(n, command.channel)
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

    @staticmethod
    def _wanted(note: _Heard, channel: int | None) -> bool:
        return channel is None or note.channel == channel

    def _window(
        self, start: int, end: int, channel: int | None, role: str, now_tick: float | None = None
    ) -> tuple[tuple[PlainBar, ...], tuple[PlainBar, ...]]:
        """The window's bars on the grid, and as played (see the module docstring)."""
        count = (end - start) // TICKS_PER_BAR
        grid: list[list[PlainNote]] = [[] for _ in range(count)]
        played: list[list[PlainNote]] = [[] for _ in range(count)]
        for n in self._notes:
            if not self._wanted(n, channel):
                continue
            on = _grid_tick(n.on_tick)
            if not start <= on < end:
                continue
            off_raw = n.off_tick
            if off_raw is None:
                off_raw = now_tick if now_tick is not None else end
            off = min(max(_grid_tick(off_raw), on + TICKS_PER_GRID), end)
            if off <= on:
                off = on + TICKS_PER_GRID
            length = (off - on) / TICKS_PER_BEAT
            i, rel = divmod(on - start, TICKS_PER_BAR)
            grid[i].append(PlainNote(n.pitch, rel / TICKS_PER_BEAT, length, n.velocity))
            j, beat = _loop_place(n.on_tick - start, count)
            played[j].append(PlainNote(n.pitch, beat, length, n.velocity))
        return _bars(grid, role), _bars(played, role)


def _loop_place(ticks: float, bars: int) -> tuple[int, float]:
    """(bar, beat in it) of a time ``ticks`` from the start of a ``bars``-bar loop, taken round
    the loop (a note a hair before the first bar line ends the last bar)."""
    length = bars * BEATS_PER_BAR
    beats = round((ticks / TICKS_PER_BEAT) % length, 9)  # as Note keeps it: never a bar's end
    if beats >= length:
        beats -= length
    bar = min(int(beats // BEATS_PER_BAR), bars - 1)
    return bar, beats - bar * BEATS_PER_BAR


def _bars(per_bar: list[list[PlainNote]], role: str) -> tuple[PlainBar, ...]:
    program = ROLE_SPECS[role].program
    return tuple(
        (PlainTrack(role, program, tuple(sorted(notes, key=_onset_order))),) for notes in per_bar
    )


def _onset_order(note: PlainNote) -> tuple[float, int]:
    return note.start_beats, note.pitch


def riff_bars(played: tuple[PlainBar, ...], quantize: float) -> tuple[PlainBar, ...]:
    """The riff a capture plays: its bars as played (:attr:`CaptureResult.played`), onsets
    ``quantize`` of the way to the 16th grid (:meth:`jambridge.riff.Riff.quantized`).

    Raises:
        DataError: no notes in ``played``.
    """
    riff = Riff(tuple(plain_to_bar(b) for b in played)).quantized(quantize)
    return tuple(bar_to_plain(b) for b in riff.bars)


def _grid_tick(tick: float) -> int:
    """The nearest tick on the 12-per-beat grid."""
    return int(round(tick / TICKS_PER_GRID)) * TICKS_PER_GRID


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
