"""Deleting takes asks first (button and Delete key); No keeps them; a delete can be undone from
the info line's Undo or Ctrl+Z, and the takes are drawn in the list again (pytest-qt, offscreen)."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QMessageBox

from jambridge.bridge.playback.sources import pattern_bar
from jambridge.music import Key, Song

pytest_plugins = ["tests.support.ui_fixtures"]  # the window fixtures
WAIT_MS = 15_000


def pattern_song(bars: int) -> Song:
    return Song.from_bars([pattern_bar(i) for i in range(bars)], tempo_bpm=128.0, key=Key(9))


@pytest.fixture
def one_take(qtbot, window):
    window.generator.set_engine("procedural")
    window.generator.bars_box.setValue(2)
    qtbot.mouseClick(window.generator.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.takes.list.count() == 1, timeout=WAIT_MS)
    window.takes.list.setCurrentRow(0)
    return window


def answer(monkeypatch, reply: QMessageBox.StandardButton) -> list[str]:
    """Make the confirmation answer ``reply``; returns the questions asked."""
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return reply

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def test_delete_asks_and_no_keeps_the_take(qtbot, one_take, monkeypatch):
    w = one_take
    asked = answer(monkeypatch, QMessageBox.StandardButton.No)
    emitted: list = []
    w.takes.delete_requested.connect(emitted.append)
    qtbot.mouseClick(w.takes.delete_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and w.takes.current_take().label in asked[0]
    assert emitted == []
    w.studio.wait(WAIT_MS)
    assert w.takes.list.count() == 1 and len(w.studio.store.takes) == 1


def test_delete_key_asks_and_yes_deletes(qtbot, one_take, monkeypatch):
    w = one_take
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    w.takes.list.setFocus()
    qtbot.keyClick(w.takes.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: w.takes.list.count() == 0, timeout=WAIT_MS)
    assert len(asked) == 1 and not w.studio.store.takes


# -- undo ----------------------------------------------------------------------------------------


def test_delete_offers_undo_on_the_info_line_and_undo_draws_the_take_again(
    qtbot, one_take, monkeypatch
):
    w = one_take
    take = w.takes.current_take()
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    drawn_with_take = w.takes.list.grab().toImage()
    qtbot.mouseClick(w.takes.delete_button, Qt.MouseButton.LeftButton)
    undo = w.messages.action_button
    qtbot.waitUntil(undo.isVisible, timeout=WAIT_MS)
    assert w.takes.list.count() == 0
    assert undo.text() == "Undo" and f"#{take.id} deleted" in w.messages.info_label.line()
    assert w.messages.info_label.isVisible()
    assert w.statusBar().rect().contains(undo.geometry())  # inside the bar, not cut off
    assert undo.width() >= undo.sizeHint().width()
    drawn_empty = w.takes.list.grab().toImage()
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.takes.list.count() == 1, timeout=WAIT_MS)
    assert w.takes.current_take() == take and w.studio.store.takes == (take,)
    assert not undo.isVisible()
    item = w.takes.list.item(0)
    assert item.text() == take.label
    assert w.takes.list.viewport().rect().contains(w.takes.list.visualItemRect(item))
    drawn_again = w.takes.list.grab().toImage()
    assert drawn_again != drawn_empty and drawn_again == drawn_with_take


def test_ctrl_z_brings_back_the_takes_deleted_last(qtbot, one_take, monkeypatch):
    w = one_take
    take = w.takes.current_take()
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    w.takes.list.setFocus()
    qtbot.keyClick(w.takes.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: w.takes.list.count() == 0, timeout=WAIT_MS)
    qtbot.keyClick(w.takes.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.takes.list.count() == 1, timeout=WAIT_MS)
    assert w.takes.current_take() == take


def test_several_selected_takes_are_deleted_and_undone_together(qtbot, window, monkeypatch):
    w = window
    for n in (1, 2, 3):
        w.studio.add_take(pattern_song(n), "generated", f"take {n}")
        w.studio.wait(WAIT_MS)
    qtbot.waitUntil(lambda: w.takes.list.count() == 3, timeout=WAIT_MS)
    before = w.studio.store.takes
    w.takes.list.clearSelection()
    for row in (0, 2):
        w.takes.list.item(row).setSelected(True)
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(w.takes.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.takes.list.count() == 1, timeout=WAIT_MS)
    assert "2 takes (#3, #1)" in asked[0]
    assert "#3, #1 deleted" in w.messages.info_label.line()
    qtbot.mouseClick(w.messages.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.takes.list.count() == 3, timeout=WAIT_MS)
    assert w.studio.store.takes == before
    assert [w.takes.list.item(r).text() for r in range(3)] == [t.label for t in before]


def test_ctrl_z_in_a_text_box_stays_the_text_boxs_undo(qtbot, one_take, monkeypatch):
    w = one_take
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(w.takes.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.takes.list.count() == 0, timeout=WAIT_MS)
    box = w.transport.bpm_box
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    w.studio.wait(WAIT_MS)
    assert w.takes.list.count() == 0 and w.studio.store.takes == ()
