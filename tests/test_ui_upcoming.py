"""The lanes show the bar queued to play next, ghosted, and turn it solid once it is played
(pytest-qt, offscreen, no JACK).

The real window runs over a scripted session: the adapter, the live controller, the lanes and
the display timer are the production ones; the session only reports a song position and
hands the bridge's own event values to the adapter from a plain thread, as the session's
dispatcher thread does.
"""

from __future__ import annotations

from PyQt6.QtGui import QColor

from jambridge.bridge.events import BarPlayed, BarQueued, TransportChanged
from jambridge.bridge.playback.sources import pattern_bar
from jambridge.bridge.playback.timeline import bar_to_plain
from jambridge.music import BEATS_PER_BAR, ROLES
from jambridge.ui.piano_roll import BACKGROUND

pytest_plugins = [
    "tests.support.ui_fixtures"
]  # offscreen Qt, private folders, the scripted session
WAIT_MS = 15_000


def played(index: int, source: int | None = None) -> BarPlayed:
    plain = bar_to_plain(pattern_bar(index if source is None else source))
    return BarPlayed(index, plain, ROLES, (), 1.0)


def queued(index: int, source: int | None = None) -> BarQueued:
    plain = bar_to_plain(pattern_bar(index if source is None else source))
    return BarQueued(index, plain, ROLES)


def lead_pitches(notes) -> list[tuple[float, int]]:
    return [(start, pitch) for start, _, pitch, _ in notes]


def pixel_at(roll, beat: float, pitch: int, notes) -> QColor:
    """The colour painted inside the note at ``beat`` (middle of its box)."""
    image = roll.grab().toImage()
    w = roll.window
    x = (beat + 0.5 - w.start_beats) * roll.width() / w.span_beats
    rows = roll._rows(notes)
    y = (rows[pitch] + 0.5) * roll.height() / len(rows)
    return image.pixelColor(int(x), int(y))


def distance(a: QColor, b: QColor) -> int:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())


def test_an_upcoming_bar_shows_ghosted_then_solid_once_played(qtbot, scripted):
    w, session = scripted
    roll = w.lanes["lead"].roll
    session.bar, session.beat = 1, 3
    session.send(TransportChanged("playing", "start", 0), played(0), queued(1))
    qtbot.waitUntil(lambda: roll.window.playhead_beats is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: bool(roll.upcoming_in_view()), timeout=WAIT_MS)
    # bar 2 is queued, not played: its lead note (61 on beat 1 of bar 2) is a ghost, right of
    # the playhead; bar 1's (60) is played
    assert lead_pitches(roll.upcoming_in_view()) == [(4.0, 61)]
    assert lead_pitches(roll.notes_in_view()) == [(0.0, 60)]
    assert roll.window.playhead_beats < BEATS_PER_BAR
    assert w.studio.timeline.track("lead", 1) is None
    everything = roll.notes_in_view() + roll.upcoming_in_view()
    ghost = pixel_at(roll, 4.0, 61, everything)
    assert distance(ghost, BACKGROUND) > 20  # drawn (faintly: see the solid note below)

    session.send(queued(1, source=7))  # regenerated before its bar line: replaces the ghost
    qtbot.waitUntil(lambda: lead_pitches(roll.upcoming_in_view()) == [(4.0, 67)], timeout=WAIT_MS)

    session.bar, session.beat = 2, 1
    session.send(played(1, source=7), queued(2))
    qtbot.waitUntil(lambda: (4.0, 67) in lead_pitches(roll.notes_in_view()), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: roll.window.playhead_beats >= BEATS_PER_BAR, timeout=WAIT_MS)
    assert (4.0, 67) not in lead_pitches(roll.upcoming_in_view())  # played now, not a ghost
    assert lead_pitches(roll.upcoming_in_view()) == [(8.0, 62)]  # the next one is
    solid = pixel_at(roll, 4.0, 67, roll.notes_in_view() + roll.upcoming_in_view())
    assert distance(solid, BACKGROUND) > 2 * distance(ghost, BACKGROUND)
    assert w.studio.timeline.track("lead", 1).notes[0].pitch == 67


def test_stop_drops_the_queued_bar(qtbot, scripted):
    w, session = scripted
    roll = w.lanes["bass"].roll
    session.send(TransportChanged("playing", "start", 0), played(0), queued(1))
    qtbot.waitUntil(lambda: bool(roll.upcoming_in_view()), timeout=WAIT_MS)
    session.send(TransportChanged("stopped", "stop", 100))
    qtbot.waitUntil(lambda: w.studio.timeline.upcoming_indices() == [], timeout=WAIT_MS)
    assert roll.notes_in_view()  # what played stays
