"""What the window says is drawn: info lines show in the status area next to the error line,
each in its own visible label with room for its text (pytest-qt, offscreen)."""

from __future__ import annotations

from PyQt6.QtWidgets import QLabel

pytest_plugins = ["tests.support.ui_fixtures"]  # the window fixtures


def shown_labels(bar) -> dict[str, QLabel]:
    """Visible labels in the status bar, by their text."""
    return {lb.text(): lb for lb in bar.findChildren(QLabel) if lb.isVisible() and lb.text()}


def label_showing(bar, text: str) -> QLabel | None:
    return next((lb for t, lb in shown_labels(bar).items() if text in t), None)


def test_an_info_line_is_drawn_beside_the_error_line(qtbot, window):
    bar = window.statusBar()
    window.resize(1024, 640)
    window.messages.error("the output port 'JamBridge Out' went away")
    window.messages.info("take #1 saved: drag it into your DAW")
    window.messages.warning("cannot list MIDI ports: no MIDI API")
    qtbot.wait(50)
    info = label_showing(bar, "cannot list MIDI ports")
    error = label_showing(bar, "went away")
    assert info is not None, f"the latest info line is not drawn: {list(shown_labels(bar))}"
    assert error is not None
    assert not info.geometry().intersects(error.geometry())
    # the info line gets room for its text; the error line does not take the whole bar
    assert info.width() >= info.fontMetrics().horizontalAdvance(info.text())
    assert error.width() < 0.75 * bar.width()
    assert window.messages.history[-2][1].endswith("take #1 saved: drag it into your DAW")


def test_an_info_line_fades_and_the_error_line_stays(qtbot, window, monkeypatch):
    import jambridge.ui.message_area as area

    monkeypatch.setattr(area, "INFO_MS", 100)
    window.messages.error("no model")
    window.messages.info("a fresh part from the next bar line")
    bar = window.statusBar()
    qtbot.waitUntil(lambda: label_showing(bar, "a fresh part") is None, timeout=5000)
    assert label_showing(bar, "no model") is not None


def test_a_long_error_is_elided_with_the_whole_line_in_its_tooltip(qtbot, window):
    window.resize(1024, 640)
    text = "capture not saved: " + "no space left on device " * 12
    window.messages.error(text)
    window.messages.info("take #2 saved")
    qtbot.wait(50)
    bar = window.statusBar()
    error = label_showing(bar, "capture not saved")
    assert error is not None and error.width() < 0.75 * bar.width()
    assert text.strip() in error.toolTip()
    assert label_showing(bar, "take #2 saved") is not None
