"""Bar infill in the real window (pytest-qt, offscreen, the shipped model): bars are picked in a
lane by a drag or a shift-click, drawn, and "Regenerate bars A-B" writes only those bars of that
track afresh -- a new take whose .mid equals the old one's everywhere else, byte for byte."""

from __future__ import annotations

import struct
from pathlib import Path

import mido
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QColor

from jambridge.music import BEATS_PER_BAR
from jambridge.ui.bar_selection import BarPicker, BarSpan
from jambridge.ui.piano_roll import ROLE_COLORS
from tests.support.ui_fixtures import click_generate

pytest_plugins = ["tests.support.ui_fixtures"]  # offscreen Qt, private folders, the window
WAIT_MS = 15_000
TICKS_PER_BAR = 480 * BEATS_PER_BAR  # the written files' resolution


def generate(qtbot, w, bars: int = 8):
    """An 8-bar take from the model on seed 3; the take."""
    return click_generate(qtbot, w, "model", bars, seed=3)


def bar_x(roll, bar: float) -> int:
    """The x of (0-based, fractional) ``bar`` in ``roll``."""
    w = roll.window
    return int((bar * BEATS_PER_BAR - w.start_beats) * roll.width() / w.span_beats)


def drag(qtbot, roll, first: float, last: float) -> None:
    y = roll.height() // 2
    qtbot.mousePress(roll, Qt.MouseButton.LeftButton, pos=QPoint(bar_x(roll, first), y))
    qtbot.mouseMove(roll, QPoint(bar_x(roll, last), y))
    qtbot.mouseRelease(roll, Qt.MouseButton.LeftButton, pos=QPoint(bar_x(roll, last), y))


def chunks(path: Path) -> dict[str, bytes]:
    """A written file's track chunks (MTrk, as bytes) by track name."""
    data, at, out = path.read_bytes(), 14, {}
    names = [t.name for t in mido.MidiFile(path).tracks]
    for name in names:
        length = struct.unpack(">L", data[at + 4 : at + 8])[0]
        out[name] = data[at : at + 8 + length]
        at += 8 + length
    return out


def notes_by_onset(path: Path, name: str) -> dict[int, list[tuple]]:
    """Track ``name``'s notes as (start tick, pitch, velocity, end tick), by onset bar."""
    track = next(t for t in mido.MidiFile(path).tracks if t.name == name)
    now, sounding, out = 0, {}, {}
    for msg in track:
        now += msg.time
        if msg.type == "note_on" and msg.velocity:
            sounding[msg.note] = (now, msg.velocity)
        elif msg.type in ("note_on", "note_off") and msg.note in sounding:
            start, velocity = sounding.pop(msg.note)
            out.setdefault(start // TICKS_PER_BAR, []).append((start, msg.note, velocity, now))
    return out


def test_a_press_picks_a_bar_a_drag_or_shift_press_a_range():
    picker = BarPicker()
    assert picker.press(4) == BarSpan(4, 4)
    assert picker.move(2) == BarSpan(2, 4)  # dragging back
    picker.release()
    assert picker.move(7) == BarSpan(2, 4)  # no button held: nothing moves
    assert picker.press(6, extend=True) == BarSpan(4, 6)  # shift: from where it began
    assert BarSpan(2, 3).label == "bars 3-4" and BarSpan(0, 0).label == "bar 1"
    assert BarSpan(2, 3).bars == range(2, 4) and not BarSpan(6, 8).fits(8)


def test_dragging_over_a_lane_picks_bars_and_draws_them(qtbot, window):
    generate(qtbot, window)
    roll = window.lanes["bass"].roll
    with qtbot.waitSignal(roll.selection_changed, timeout=1000):
        drag(qtbot, roll, 2.5, 3.5)
    assert roll.selection == BarSpan(2, 3)
    button = roll.infill_button
    assert button.isVisible() and button.text() in ("↻ Regenerate bars 3-4", "↻ bars 3-4")
    assert button.toolTip().startswith("Write bars 3-4 of the bass afresh")
    image = roll.grab().toImage()
    band = QColor(image.pixel(bar_x(roll, 3.6), 3))  # the ruler strip, right of bar 4's number
    outside = QColor(image.pixel(bar_x(roll, 5.6), 3))
    bass = QColor(ROLE_COLORS["bass"])
    for channel in ("red", "green", "blue"):  # the bass colour over the picked bars only
        towards = getattr(bass, channel)() - getattr(outside, channel)()
        moved = getattr(band, channel)() - getattr(outside, channel)()
        assert 0.4 * towards < moved <= towards, channel


def test_a_shift_click_stretches_the_pick_and_esc_lets_go(qtbot, window):
    generate(qtbot, window)
    roll = window.lanes["lead"].roll
    y = roll.height() // 2
    qtbot.mouseClick(roll, Qt.MouseButton.LeftButton, pos=QPoint(bar_x(roll, 1.5), y))
    assert roll.selection == BarSpan(1, 1)
    qtbot.mouseClick(roll, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     QPoint(bar_x(roll, 4.2), y))  # fmt: skip
    assert roll.selection == BarSpan(1, 4)
    drag(qtbot, window.lanes["bass"].roll, 0.5, 0.5)  # one lane at a time
    assert roll.selection is None and not roll.infill_button.isVisible()
    bass = window.lanes["bass"].roll
    qtbot.keyClick(bass, Qt.Key.Key_Escape)
    assert bass.selection is None


def test_regenerate_bars_changes_only_those_bars_of_that_track(qtbot, window):
    old = generate(qtbot, window)
    old_path = window.studio.store.midi_path(old)
    old_bytes = old_path.read_bytes()
    roll = window.lanes["bass"].roll
    drag(qtbot, roll, 2.5, 3.5)
    window.generator.seed_box.setValue(11)
    qtbot.mouseClick(roll.infill_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.studio.shown_take.id != old.id, timeout=WAIT_MS)
    new = window.studio.shown_take
    assert window.messages.errors() == []
    assert new.kind == "infilled" and "bass bars 3-4" in new.name
    assert window.takes.list.count() == 2 and old_path.read_bytes() == old_bytes  # kept
    before, after = chunks(old_path), chunks(window.studio.store.midi_path(new))
    for name in ("Drums", "Chords", "Lead"):
        assert after[name] == before[name]
    was = notes_by_onset(old_path, "Bass")
    now = notes_by_onset(window.studio.store.midi_path(new), "Bass")
    assert {b: n for b, n in now.items() if b not in (2, 3)} == {
        b: n for b, n in was.items() if b not in (2, 3)
    }
    assert [now.get(b) for b in (2, 3)] != [was.get(b) for b in (2, 3)]
    assert roll.selection == BarSpan(2, 3)  # picked still: another try is one click


def test_infill_with_the_rules_engine_says_it_needs_the_model(qtbot, window):
    generate(qtbot, window)
    roll = window.lanes["lead"].roll
    drag(qtbot, roll, 1.5, 1.5)
    window.generator.set_engine("procedural")
    qtbot.mouseClick(roll.infill_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(window.messages.errors()), timeout=WAIT_MS)
    assert "bar infill needs the model" in window.messages.errors()[-1]
    assert window.generator.button.isEnabled()


def test_no_bars_are_picked_while_the_bridge_streams(qtbot, scripted):
    w, _session = scripted
    roll = w.lanes["bass"].roll
    drag(qtbot, roll, 0.5, 1.5)
    assert roll.selection is None and not roll.infill_button.isVisible()
