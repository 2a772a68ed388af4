"""A piano roll of one role's track: the bars in view, the notes as bars, a playhead.

Played bars are drawn solid; the bar the bridge has queued for the next bar line (upcoming,
not played yet) is drawn ghosted -- a faint fill inside an outline -- until it is played.

The widget only paints; what it shows comes from a shared
:class:`~jambridge.ui.timeline_model.BarTimeline` and a
:class:`~jambridge.ui.timeline_model.ViewWindow` (the lanes set it from the transport).
Pitches are fitted to the notes in view; drums get one row per drum key in use, so a kick,
clap and hat pattern reads like a drum machine.

On a whole song (a take, not the live stream) a press picks a bar, a drag or a shift-press
stretches it to a range (:class:`~jambridge.ui.bar_selection.BarPicker`), Esc lets go. The
range is drawn over the bars and on the ruler, with a button on it that asks for those bars
afresh (:attr:`PianoRoll.infill_clicked`).
"""

from __future__ import annotations

from PyQt6.QtCore import QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QPushButton, QSizePolicy, QWidget

from jambridge.music import BEATS_PER_BAR
from jambridge.roles import ROLE_SPECS
from jambridge.ui.bar_selection import BarPicker, BarSpan
from jambridge.ui.timeline_model import BarTimeline, ViewWindow

ROLE_COLORS: dict[str, str] = {  # note colour per role
    "drums": "#f4a259",
    "bass": "#5bc0eb",
    "chords": "#9bc53d",
    "lead": "#e55ea2",
}
BACKGROUND = QColor("#1b1d23")
BAR_LINE = QColor("#4a4f5c")
BEAT_LINE = QColor("#2b2f38")
PLAYHEAD = QColor("#ffffff")
PAST_SHADE = QColor(0, 0, 0, 70)  # laid over what has already played
GHOST_FILL_ALPHA = 40  # upcoming notes: fill alpha (played notes: 110 + velocity)
GHOST_EDGE_ALPHA = 170  # upcoming notes: outline alpha
DIMMED_ALPHA = 60  # muted / switched-off lane: played notes' alpha (ghosts: a third of theirs)
MIN_PITCH_SPAN = 12  # pitched roles show at least an octave
MIN_BEAT_PX = 6  # beat lines are drawn only when beats are at least this far apart
RULER_PX = 14  # the bar numbers' strip at the top
SELECTION_FILL = QColor(255, 255, 255, 34)  # laid over the selected bars
SELECTION_RULER_ALPHA = 150  # the selected bars' strip of the ruler, in the role's colour


class PianoRoll(QWidget):
    """Paints ``role``'s notes from ``timeline`` inside the current view window."""

    selection_changed = pyqtSignal(object)  # the BarSpan picked, or None
    infill_clicked = pyqtSignal(object)  # the BarSpan to write afresh

    def __init__(self, role: str, timeline: BarTimeline, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role
        self.timeline = timeline
        self.window = ViewWindow.whole(0)
        self.dimmed = False  # muted / switched off: notes drawn faint
        self.selectable = True  # bars may be picked (not while the bridge streams)
        self.picker = BarPicker()
        self._color = QColor(ROLE_COLORS[role])
        self.infill_button = QPushButton(self)
        self.infill_button.setObjectName(f"infill_{role}")
        self.infill_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.infill_button.clicked.connect(self._infill)
        self.infill_button.hide()
        self.setMinimumHeight(56)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Esc lets a selection go

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(640, 96)

    def set_window(self, window: ViewWindow) -> None:
        """Show ``window`` (repaints)."""
        self.window = window
        self._place_button()
        self.update()

    # -- bar selection ---------------------------------------------------------------------------

    @property
    def selection(self) -> BarSpan | None:
        """The bars picked, while they are bars of the song on show (else None)."""
        span, song = self.picker.span, self.timeline.song
        if span is None or song is None or not self.selectable:
            return None
        return span if span.fits(song.length_bars) else None

    def select(self, span: BarSpan | None) -> None:
        """Pick ``span`` (None: let go); emits :attr:`selection_changed` when it changes."""
        before = self.selection
        self.picker.clear()
        if span is not None:
            self.picker.press(span.first)
            self.picker.move(span.last)
            self.picker.release()
        self._changed(before)

    def set_selectable(self, selectable: bool) -> None:
        """The bridge streams (False): no picking, and a pick is let go."""
        self.selectable = selectable
        if not selectable:
            self.select(None)

    def bar_at(self, x: float) -> int | None:
        """The song bar under ``x`` (clamped to the song), or None without a song."""
        song = self.timeline.song
        if song is None or self.width() <= 0:
            return None
        beats = self.window.start_beats + x * self.window.span_beats / self.width()
        return min(max(int(beats // BEATS_PER_BAR), 0), max(song.length_bars - 1, 0))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        bar = self.bar_at(event.position().x()) if self.selectable else None
        if event.button() != Qt.MouseButton.LeftButton or bar is None:
            return super().mousePressEvent(event)
        before = self.selection
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self.picker.press(bar, extend=shift)
        self._changed(before)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        bar = self.bar_at(event.position().x())
        if self.picker.dragging and bar is not None:
            before = self.selection
            self.picker.move(bar)
            self._changed(before)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        self.picker.release()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Escape and self.selection is not None:
            self.select(None)
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._place_button()

    def _changed(self, before: BarSpan | None) -> None:
        self._place_button()
        self.update()
        if self.selection != before:
            self.selection_changed.emit(self.selection)

    def _span_x(self, span: BarSpan) -> tuple[float, float]:
        """Left and right x of ``span``'s bars."""
        w = self.window
        scale = self.width() / w.span_beats
        left = (span.first * BEATS_PER_BAR - w.start_beats) * scale
        return left, left + len(span.bars) * BEATS_PER_BAR * scale

    def _place_button(self) -> None:
        """The infill button sits on the selection, under the ruler (hidden without one)."""
        span = self.selection
        if span is None:
            self.infill_button.hide()
            return
        left, right = self._span_x(span)
        metrics, room = self.infill_button.fontMetrics(), right - left - 20
        texts = (f"↻ Regenerate {span.label}", f"↻ {span.label}", f"↻ {span.label.split()[1]}")
        fitting = [t for t in texts if metrics.horizontalAdvance(t) <= room]
        self.infill_button.setText(fitting[0] if fitting else texts[-1])
        self.infill_button.setToolTip(
            f"Write {span.label} of the {self.role} afresh, the music around them as context "
            "(a new take; the old one stays in the list)"
        )
        self.infill_button.adjustSize()
        self.infill_button.move(int(max(left, 0)) + 2, RULER_PX + 1)
        self.infill_button.show()
        self.infill_button.raise_()

    def _infill(self) -> None:
        if self.selection is not None:
            self.infill_clicked.emit(self.selection)

    def _paint_selection(self, p: QPainter, rect: QRectF) -> None:
        span = self.selection
        if span is None:
            return
        left, right = self._span_x(span)
        p.fillRect(QRectF(left, 0, right - left, rect.height()), SELECTION_FILL)
        band = QColor(self._color)
        band.setAlpha(SELECTION_RULER_ALPHA)
        p.fillRect(QRectF(left, 0, right - left, RULER_PX), band)
        p.setPen(QPen(self._color, 1.5))
        p.drawRect(QRectF(left, 0, right - left, rect.height()).adjusted(0.75, 0.75, -0.75, -0.75))

    def set_dimmed(self, dimmed: bool) -> None:
        self.dimmed = dimmed
        self.update()

    def notes_in_view(self) -> list[tuple[float, float, int, int]]:
        """(song start beat, duration, pitch, velocity) of every played note in the window."""
        return self._in_view(self.timeline.track)

    def upcoming_in_view(self) -> list[tuple[float, float, int, int]]:
        """The same for the notes queued to play (drawn ghosted)."""
        return self._in_view(self.timeline.upcoming_track)

    def _in_view(self, lookup) -> list[tuple[float, float, int, int]]:
        w = self.window
        out = []
        for index in w.bar_range():
            track = lookup(self.role, index)
            if track is None:
                continue
            base = index * BEATS_PER_BAR
            for n in track.notes:
                start = base + n.start_beats
                if (
                    start < w.start_beats + w.span_beats
                    and start + n.duration_beats > w.start_beats
                ):
                    out.append((start, n.duration_beats, n.pitch, n.velocity))
        return out

    def _rows(self, notes: list[tuple[float, float, int, int]]) -> dict[int, int]:
        """pitch -> row (0 = top) for the notes in view."""
        if self.role == "drums":
            keys = sorted({p for _, _, p, _ in notes}, reverse=True)
            return {p: i for i, p in enumerate(keys)}
        spec = ROLE_SPECS[self.role]
        low = min((p for _, _, p, _ in notes), default=spec.low)
        high = max((p for _, _, p, _ in notes), default=spec.low + MIN_PITCH_SPAN)
        if high - low < MIN_PITCH_SPAN:
            low = max(0, (low + high - MIN_PITCH_SPAN) // 2)
            high = low + MIN_PITCH_SPAN
        return {p: high - p for p in range(low, high + 1)}

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        rect = QRectF(self.rect())
        p.fillRect(rect, BACKGROUND)
        self._paint_selection(p, rect)  # under the grid and the notes
        w = self.window
        scale = rect.width() / w.span_beats
        self._grid(p, rect, scale)
        notes, ghosts = self.notes_in_view(), self.upcoming_in_view()
        rows = self._rows(notes + ghosts)
        row_h = rect.height() / max(len(rows), 1)
        color, edge = QColor(self._color), QColor(self._color)
        p.setPen(Qt.PenStyle.NoPen)
        for start, duration, pitch, velocity in notes:
            color.setAlpha(DIMMED_ALPHA if self.dimmed else 110 + velocity)
            p.fillRect(self._box(start, duration, rows[pitch], row_h, scale), color)
        dim = 3 if self.dimmed else 1
        color.setAlpha(GHOST_FILL_ALPHA // dim)
        edge.setAlpha(GHOST_EDGE_ALPHA // dim)
        p.setPen(QPen(edge, 1.0))
        for start, duration, pitch, _ in ghosts:
            box = self._box(start, duration, rows[pitch], row_h, scale)
            p.fillRect(box, color)
            p.drawRect(box.adjusted(0.5, 0.5, -0.5, -0.5))
        if w.playhead_beats is not None:
            x = (w.playhead_beats - w.start_beats) * scale
            p.fillRect(QRectF(0, 0, max(x, 0.0), rect.height()), PAST_SHADE)
            p.setPen(QPen(PLAYHEAD, 1.5))
            p.drawLine(int(x), 0, int(x), int(rect.height()))
        p.end()

    def _box(self, start: float, duration: float, row: int, row_h: float, scale: float) -> QRectF:
        """Where a note goes: x from its beat, y from its row."""
        x = (start - self.window.start_beats) * scale
        box = QRectF(x, row * row_h + 1, max(duration * scale - 1, 2.0), row_h - 1)
        return box.adjusted(0, 0, 0, -1 if row_h > 4 else 0)

    def _grid(self, p: QPainter, rect: QRectF, scale: float) -> None:
        w = self.window
        beat = int(w.start_beats // 1)
        while beat <= w.start_beats + w.span_beats:
            x = int((beat - w.start_beats) * scale)
            on_bar = beat % BEATS_PER_BAR == 0
            if on_bar or scale >= MIN_BEAT_PX:
                p.setPen(BAR_LINE if on_bar else BEAT_LINE)
                p.drawLine(x, 0, x, int(rect.height()))
            if on_bar and beat >= 0:
                p.drawText(x + 3, 11, str(beat // BEATS_PER_BAR + 1))
            beat += 1
