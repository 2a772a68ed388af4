"""Capture: quantization on the 12-per-beat grid, armed and retro windows, files on disk."""

from __future__ import annotations

import sys

import mido
import pytest

from jambridge.bridge.capture import CaptureRecorder, captures_dir, write_capture
from jambridge.bridge.controls import ArmCapture, RetroCapture
from jambridge.bridge.playback.timeline import PlainNote
from jambridge.bridge.timing.transport import TICKS_PER_BEAT, TICKS_PER_GRID
from jambridge.midi_io import read_midi
from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT

BAR = 96  # ticks


def quantized_notes(bars) -> list[PlainNote]:
    """Every note of captured bars, its start counted from the first bar's line."""
    return [
        note._replace(start_beats=i * BEATS_PER_BAR + note.start_beats)
        for i, bar in enumerate(bars)
        for track in bar
        for note in track.notes
    ]


def play(rec: CaptureRecorder, notes, channel=0):
    """notes: (on_tick, off_tick, pitch, velocity)"""
    events = []
    for on, off, pitch, vel in notes:
        events.append((on, 1, pitch, vel))
        if off is not None:
            events.append((off, 0, pitch, 0))
    for tick, is_on, pitch, vel in sorted(events, key=lambda e: (e[0], e[1])):
        if is_on:
            rec.note_on(tick, channel, pitch, vel)
        else:
            rec.note_off(tick, channel, pitch)


def test_armed_capture_takes_the_bars_after_the_next_bar_line_quantized():
    rec = CaptureRecorder()
    assert rec.arm(ArmCapture(2, "bass"), now_tick=130.0) == 2  # next bar line: bar 3 (index 2)
    play(
        rec,
        [
            (150.0, 160.0, 40, 90),  # before the window: not captured
            (191.3, 203.0, 36, 100),  # a hair early for the downbeat of bar 3: kept, on 0
            (2 * BAR + 24.9, 2 * BAR + 36.2, 43, 80),  # -> beat 1 (tick 24), 12 ticks long
            (2 * BAR + 40.6, 2 * BAR + 41.0, 48, 70),  # very short: one grid step
            (3 * BAR + 47.0, None, 31, 110),  # still held when the window ends
            (4 * BAR + 0.2, 4 * BAR + 10, 50, 90),  # after the window
        ],
    )
    assert rec.poll(4 * BAR - 1, 128.0) is None
    result = rec.poll(4 * BAR, 128.0)
    assert result.kind == "armed" and result.role == "bass" and result.start_bar == 2
    assert quantized_notes(result.bars) == [
        (36, 0.0, 0.5, 100),
        (43, 1.0, 0.5, 80),
        (48, 40 / 24, 1 / 12, 70),
        (31, 4 + 48 / 24, 2.0, 110),
    ]
    assert rec.armed is None


def test_capture_of_one_channel_ignores_the_others():
    rec = CaptureRecorder()
    rec.arm(ArmCapture(1, "lead", channel=2), now_tick=0)
    play(rec, [(0, 12, 60, 100)], channel=2)
    play(rec, [(24, 36, 61, 100)], channel=5)
    result = rec.poll(BAR, 120.0)
    assert [n.pitch for n in quantized_notes(result.bars)] == [60]


def test_retro_capture_takes_the_last_bars_and_trims_leading_silence():
    rec = CaptureRecorder()
    play(rec, [(5 * BAR + 24 * i, 5 * BAR + 24 * i + 12, 40 + i, 100) for i in range(4)])
    play(rec, [(6 * BAR, 6 * BAR + 48, 50, 100)])
    # trigger in bar 8 (index 7) before anything is played in it: bars 6..7 (index 5, 6)
    result = rec.retro(RetroCapture(4, "bass"), now_tick=7 * BAR + 10, bpm=130.0)
    assert result.start_bar == 5 and len(result.bars) == 2
    notes = quantized_notes(result.bars)
    assert notes[0] == (40, 0.0, 0.5, 100) and notes[-1] == (50, 4.0, 2.0, 100)


def test_retro_capture_includes_the_current_bar_when_it_has_notes():
    rec = CaptureRecorder()
    play(rec, [(3 * BAR + 2, None, 45, 100)])  # held while the capture is taken
    result = rec.retro(RetroCapture(1, "bass"), now_tick=3 * BAR + 50, bpm=120.0)
    assert result.start_bar == 3
    assert quantized_notes(result.bars) == [(45, 2 / 24, 48 / 24, 100)]


def test_nothing_played_gives_no_capture_and_says_so():
    lines = []
    rec = CaptureRecorder(log=lines.append)
    assert rec.retro(RetroCapture(2, "bass"), now_tick=500, bpm=None) is None
    rec.arm(ArmCapture(1, "bass"), 0)
    assert rec.poll(BAR, None) is None
    assert len(lines) == 2 and "nothing was played" in lines[0]


def test_stop_during_an_armed_capture_keeps_the_bars_so_far():
    rec = CaptureRecorder()
    rec.arm(ArmCapture(4, "lead"), 0)
    play(rec, [(10, None, 70, 100)])
    result = rec.stop(BAR + 30, 120.0)
    assert len(result.bars) == 2
    assert quantized_notes(result.bars) == [(70, 10 / 24, (BAR + 30 - 10) / 24, 100)]


def test_retro_buffer_forgets_old_bars():
    rec = CaptureRecorder(retro_bars=2)
    play(rec, [(0, 10, 40, 100), (20 * BAR, 20 * BAR + 10, 41, 100)])
    rec.prune(21 * BAR)
    result = rec.retro(RetroCapture(8, "bass"), 21 * BAR, None)
    assert [n[0] for n in quantized_notes(result.bars)] == [41]


def test_capture_is_written_as_a_midi_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    rec = CaptureRecorder()
    rec.arm(ArmCapture(2, "bass"), 0)
    play(rec, [(0, 24, 36, 100), (BAR + 48, BAR + 60, 43, 90)])
    result = rec.poll(2 * BAR, 126.0)
    path = write_capture(result)
    if sys.platform.startswith("linux"):
        assert path.parent == tmp_path / "jambridge" / "captures" == captures_dir()
    again = write_capture(result)
    assert again != path and again.exists()  # never overwrites
    song, _ = read_midi(path)
    assert song.tempo_bpm == pytest.approx(126.0, abs=0.01)
    bass = song.track("bass")
    assert [(n.pitch, n.start_beats, n.duration_beats) for n in bass.notes] == [
        (36, 0.0, 1.0),
        (43, 6.0, 0.5),
    ]
    assert mido.MidiFile(path).type == 1


def test_the_capture_grid_divides_the_clock_ticks():
    """Captures quantize onto whole clock ticks: the note grid divides the 24 ticks a beat."""
    assert TICKS_PER_BEAT % GRID_PER_BEAT == 0
    assert TICKS_PER_GRID * GRID_PER_BEAT == TICKS_PER_BEAT
