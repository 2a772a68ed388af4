"""A captured riff played against the live bar source, in the generator process.

:class:`RiffJam` wraps the source the generator process builds (model, procedural, pattern,
a benchmark's). Without a riff it passes every request through. Given a
:class:`~jambridge.bridge.playback.pipe.RiffCue`, a :class:`~jambridge.riff.RiffPlayer` chooses
each bar's riff tracks -- keep: the riff exactly; develop: a variation, the riff itself every N
bars; continue: the riff once, then nothing -- and the source writes the other tracks around
them: the riff goes in as ``BarRequest.fixed``, so the model is conditioned on it bar by bar,
and it replaces whatever track a rule-based source wrote in its role. The source is told of the
riff first (``BarSource.prompt``: its key, its roles).

A new riff *opens* (``RiffCue.place``): the parent plays its first bar at the next bar line
itself, so the bar the child made for that line (retracted just before, when there was one) is
made again with the riff's first bar and its own other tracks forced -- the context then holds
what plays -- and the next bar the child makes is the riff's second. New settings for the riff
playing keep its place in the loop. A regenerate of the riff's role ends the riff; a refill of
it plays the source's own part for its bars, the loop going on underneath. When the riff comes
back right after the refill and the source can fill bars in (``infill``: the model), the refill's
bars are written at its first bar, the role in them leading into the riff's return (the bar fill
hears the bars before and that one); they are then played one by one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import replace

from jambridge.bridge.controls import Controls
from jambridge.bridge.playback.bar_source import BarRequest, BarSource
from jambridge.bridge.playback.pipe import RiffCue
from jambridge.bridge.playback.timeline import plain_to_bar
from jambridge.keyfinder import find_key
from jambridge.music import Bar, Key, Song, Track
from jambridge.riff.material import Riff
from jambridge.riff.player import RiffPlayer

RIFF_KEY_MIN_BEATS = 0.5  # a riff's key is told from this much pitched note time (riffs are short)


def riff_key(bars: tuple[Bar, ...]) -> Key | None:
    """The key of a riff's bars (None: drums alone, or too few pitched notes to tell)."""
    return find_key(Song.from_bars(list(bars)), RIFF_KEY_MIN_BEATS).key


class _Engine:
    """The wrapped source as the riff player's engine, answering the request at hand."""

    def __init__(self, inner: BarSource) -> None:
        self.inner = inner
        self.request = BarRequest(Controls())  # the bar being made

    def propose(self, forced: Mapping[str, Track]) -> Bar:
        bar = self.commit(forced)
        self.inner.retract()
        return bar

    def commit(self, forced: Mapping[str, Track]) -> Bar:
        request = self.request
        riff = {r: t for r, t in forced.items() if r not in request.refill}
        fixed = {t.role: t for t in request.fixed} | riff
        bar = self.inner.next_bar(replace(request, fixed=tuple(fixed.values())))
        for track in riff.values():  # exactly as given, whatever the source did to it
            bar = bar.replace_track(track)
        return bar


class RiffJam:
    """A live source that plays a riff against ``inner`` (see the module docstring)."""

    def __init__(self, inner: BarSource, seed: int = 0) -> None:
        self.inner = inner
        self.seed = seed  # seeds the riff's variations
        self._engine = _Engine(inner)
        self.player: RiffPlayer | None = None
        self._ahead: deque[Bar] = deque()  # a refill's bars, written at its first bar
        self._last: Bar | None = None  # the last bar returned
        self._last_from = "source"  # ... made by the "source", the riff "player" or "ahead"
        self._retracted: Bar | None = None  # the bar the last retract took back

    def next_bar(self, request: BarRequest) -> Bar:
        player = self.player
        if player is not None and set(player.riff.roles) & request.regenerate:
            player = self.player = None  # a new part for the riff's role: the riff ends
            self._ahead.clear()
        self._engine.request = request
        made_from = "player"
        if player is None:
            bar, made_from = self.inner.next_bar(request), "source"
        elif self._ahead or self._fill_ahead(player, request):
            bar, made_from = self._ahead.popleft(), "ahead"
            player.index += 1
        else:
            bar = player.next_bar()
        self._last, self._last_from, self._retracted = bar, made_from, None
        return bar

    def _fill_ahead(self, player: RiffPlayer, request: BarRequest) -> bool:
        """A refill of the riff's role begins and the riff comes back right after it: have the
        source write its bars, leading into that bar (False: it cannot, or the bar is unknown)."""
        role = player.riff.role
        left = request.refill.get(role, 0)
        fill = getattr(self.inner, "infill", None)
        back = player.plan(player.index + left)
        if not left or fill is None or back.how != "riff":
            return False
        after = player.riff.bar(back.riff_bar).track(role)
        self._ahead.extend(fill(request, role, left, after))
        return bool(self._ahead)

    def retract(self) -> None:
        if self._last_from == "ahead" and self._last is not None and self.player is not None:
            self._ahead.appendleft(self._last)  # the source's context holds it already
            self.player.index -= 1
        else:
            self.inner.retract()
            if self._last_from == "player" and self.player is not None:
                self.player.index -= 1
        self._retracted, self._last, self._last_from = self._last, None, "source"

    def prompt(self, cue: RiffCue) -> str | None:
        """Start, change or stop the riff; returns its key's name (None: not known).

        Raises:
            DataError: settings the riff cannot play with (drumify on a drum riff ...).
        """
        if not cue.bars:
            self.player = None
            return None
        bars = tuple(plain_to_bar(b) for b in cue.bars)
        riff = Riff(bars, riff_key(bars))
        settings = replace(cue.settings, quantize=0.0)  # the parent quantized it as asked
        player = RiffPlayer(self._engine, riff, settings, self.seed, riff.key)
        if cue.place == "keep" and self.player is not None:
            player.index = self.player.index
        self.inner.prompt(riff)
        self.player = player
        self._ahead.clear()
        if cue.place == "open":
            self._open()
        return riff.key.name if riff.key is not None else None

    def _open(self) -> None:
        """Make the bar for the coming bar line again, the riff's first bar in it."""
        kept = self._retracted.tracks if self._retracted is not None else ()
        request = self._engine.request
        self.next_bar(replace(request, fixed=kept, regenerate=frozenset()))
        self._engine.request = request

    def close(self) -> None:
        self.inner.close()
