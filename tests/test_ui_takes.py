"""Deleting a take asks first (button and Delete key); No keeps it (pytest-qt, offscreen)."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QMessageBox

pytest_plugins = ["tests.support.ui_fixtures"]  # the window fixtures
WAIT_MS = 15_000


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
