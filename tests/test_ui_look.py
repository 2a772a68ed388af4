"""How the window looks (pytest-qt, offscreen): toggles that show their state, a layout that
fits 1,024 x 640 without overlap or clipped text, readable labels, presets by their names."""

from __future__ import annotations

import json

import pytest
from PyQt6.QtCore import QPoint, QRect
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLabel,
    QListWidget,
    QSlider,
    QWidget,
)

from jambridge.preset import load_preset, user_preset_dir
from jambridge.ui.drag import DragHandle
from jambridge.ui.lane import TOGGLES
from jambridge.ui.piano_roll import PianoRoll

pytest_plugins = ["tests.support.ui_fixtures"]  # the window fixtures
WAIT_MS = 15_000
SMALL = (1024, 640)  # the smallest window the app is laid out for
CONTROLS = (QAbstractButton, QComboBox, QAbstractSpinBox, QSlider, QLabel, QListWidget, PianoRoll,
            DragHandle)  # fmt: skip


def changed_fraction(a: QImage, b: QImage, threshold: int = 60) -> float:
    """Share of pixels whose colours differ by more than ``threshold`` (sum over R, G, B)."""
    assert (a.width(), a.height()) == (b.width(), b.height())
    changed = 0
    for y in range(a.height()):
        for x in range(a.width()):
            p, q = a.pixelColor(x, y), b.pixelColor(x, y)
            diff = abs(p.red() - q.red()) + abs(p.green() - q.green()) + abs(p.blue() - q.blue())
            changed += diff > threshold
    return changed / (a.width() * a.height())


@pytest.mark.parametrize("name", list(TOGGLES))
def test_mute_solo_and_lock_look_different_on_and_off(qtbot, window, name):
    button = window.lanes["bass"].toggles[name]
    off = button.grab().toImage()
    button.setChecked(True)
    qtbot.wait(20)
    on = button.grab().toImage()
    assert changed_fraction(off, on) > 0.3, f"{name}: on and off are drawn nearly alike"
    button.setChecked(False)
    qtbot.wait(20)
    assert changed_fraction(off, button.grab().toImage()) < 0.02  # and back


def controls_in(window: QWidget) -> list[QWidget]:
    """The visible controls of the window, outermost only (a spin box, not its line edit)."""
    found = [w for w in window.findChildren(QWidget) if isinstance(w, CONTROLS) and w.isVisible()]
    inner = {id(c) for w in found for c in w.findChildren(QWidget)}
    return [w for w in found if id(w) not in inner]


def window_rect(w: QWidget, window: QWidget) -> QRect:
    return QRect(w.mapTo(window, QPoint(0, 0)), w.size())


def text_of(w: QWidget) -> str:
    if isinstance(w, (QLabel, QAbstractButton)):
        return w.text()
    if isinstance(w, QComboBox):
        return w.currentText()
    return ""


def describe(w: QWidget) -> str:
    return f"{type(w).__name__} {w.objectName() or text_of(w)!r}"


@pytest.fixture
def small_window(qtbot, window):
    window.resize(*SMALL)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == SMALL, timeout=WAIT_MS)
    qtbot.wait(50)  # layouts settle
    return window


def test_the_window_fits_1024x640(small_window):
    hint = small_window.minimumSizeHint()
    assert hint.width() <= SMALL[0] and hint.height() <= SMALL[1], hint


def test_at_1024x640_no_control_overlaps_another_or_the_window_edge(small_window):
    w = small_window
    rects = [(c, window_rect(c, w)) for c in controls_in(w)]
    area = w.rect()
    for c, r in rects:
        assert area.contains(r), f"{describe(c)} at {r} is cut off by the window {area}"
    overlaps = [
        f"{describe(a)} {ra} / {describe(b)} {rb}"
        for i, (a, ra) in enumerate(rects)
        for b, rb in rects[i + 1 :]
        if ra.intersects(rb)
    ]
    assert not overlaps, overlaps


def test_at_1024x640_every_label_and_button_shows_its_whole_text(small_window):
    clipped = []
    for c in controls_in(small_window):
        text = text_of(c).replace("&", "")
        if not text or (isinstance(c, QLabel) and c.wordWrap()):
            continue
        needed = c.fontMetrics().horizontalAdvance(text)
        room = c.contentsRect().width()
        if isinstance(c, QCheckBox):
            room -= 20  # the box itself
        elif isinstance(c, QComboBox):
            room -= 24  # the arrow
        elif isinstance(c, QAbstractButton):
            room -= 4  # the frame
        if needed > room:
            clipped.append(f"{describe(c)}: needs {needed} px, has {room}")
    assert not clipped, clipped


def test_labels_are_words_not_letters(window):
    lane = window.lanes["lead"]
    assert [lane.toggles[n].text() for n in TOGGLES] == ["Mute", "Solo", "Lock"]
    engine = window.generator.engine_box
    assert engine.currentData() == "auto"
    assert engine.currentText() != "auto" and "model" in engine.currentText()
    assert engine.toolTip()
    assert window.generator.random_box.toolTip()


def test_presets_show_their_names_and_yours_are_marked(qtbot, ui_home, make_window):
    folder = user_preset_dir()
    folder.mkdir(parents=True)
    mine = load_preset("acid").to_dict() | {"name": "My Acid 1"}
    (folder / "my-acid-1.json").write_text(json.dumps(mine))
    w = make_window()
    combo = w.presets.combo
    shown = {combo.itemData(i): combo.itemText(i) for i in range(combo.count())}
    assert shown["deephouse"] == "Deep House"
    assert shown["techno"] == "Techno"
    assert shown["my-acid-1"] == "My Acid 1 (yours)"
    assert "(yours)" not in shown["acid"]
