"""The bar feed: which bar plays at the next bar line, and when to ask the generator for more.

Owned by the real-time thread. One bar is kept ahead: when a bar line takes the ready bar,
the next one is requested at once, so the generator has a whole bar's time for it.

* **Underrun.** No bar ready at a bar line: every track repeats its previous bar and the
  underrun is counted; the late bar, when it comes, plays at the following bar line.
* **Steering.** Temperature, density, preset and regenerate need a new bar. Changes only mark
  the feed *dirty*; :meth:`BarFeed.maybe_replace` regenerates the waiting bar once, when the
  next bar line is between ``min_replace_s`` and ``replace_lead_s`` away -- late enough that a
  knob being turned costs one regeneration, early enough that the bar is ready. A change that
  comes later than that applies from the bar after (the request made at the bar line carries
  it). Mute, solo and lock need no new bar: they apply when the bar is taken.
* **Upcoming.** :meth:`BarFeed.upcoming` is what :meth:`BarFeed.take` would return at this
  moment (the ready bar, locks, mute and solo applied), without taking it; :attr:`BarFeed.version`
  moves whenever that may have changed, so the scheduler announces the next bar once per change.
* **Lock.** A locked track loops the bar it was playing when the lock took effect; the locked
  tracks go to the generator as context (``BarRequest.fixed``).
* **Riff.** :meth:`BarFeed.start_riff` hands a captured riff to the generator (which plays it
  from then on: :mod:`~jambridge.bridge.playback.riff_source`) and puts its first bar in the
  bar the next bar line takes: the riff starts there, with no bar lost. The bar made (or being
  made) for that line is kept; the generator makes it again with the riff, for its context. A
  kept riff is put in every bar by the song bar's place in its loop, so a late bar never moves
  it off the song's bars. :meth:`BarFeed.update_riff`
  and :meth:`BarFeed.drop_riff` change or end it from the bar after the waiting one.
* **Duck.** While a capture into a role is armed or recording, that role is not sent
  (:attr:`BarFeed.duck`), like a mute.
* **Refill.** :meth:`BarFeed.refill` draws the next bars of a role afresh (the waiting bar is
  replaced, as for a change; a riff's role from the bar after it); its riff and its lock pause
  for them (``BarRequest.refill``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import NamedTuple

from jambridge.bridge.controls import GENERATION_FIELDS, Controls, TrackControls
from jambridge.bridge.events import RiffInfo
from jambridge.bridge.playback.bar_source import BarRequest
from jambridge.bridge.playback.pipe import BarFailed, BarMade, Dead, Prompted, RiffCue
from jambridge.bridge.playback.streaming import GeneratorLink
from jambridge.bridge.playback.timeline import PlainBar, PlainTrack, plain_to_bar, plain_track
from jambridge.music import ROLES


@dataclass(frozen=True, slots=True)
class TakenBar:
    """What the bar line got."""

    plain: PlainBar  # every track of the bar (locks applied), muted ones included
    audible: tuple[str, ...]  # roles sent to the port (mute and solo applied)
    repeated: tuple[str, ...]  # roles repeating their previous bar (underrun)
    gen_ms: float | None  # generation time of a fresh bar


class _Ready(NamedTuple):
    """A generated bar waiting for its bar line."""

    plain: PlainBar
    gen_ms: float
    refill: frozenset[str]  # roles drawn afresh in it (their riff and lock pause)


class BarFeed:
    """Keeps one bar ahead of the bar line. See the module docstring."""

    def __init__(
        self,
        generator: GeneratorLink,
        controls: Controls,
        replace_lead_s: float = 0.25,
        min_replace_s: float = 0.06,
    ) -> None:
        self.generator = generator
        self.controls = controls
        self.replace_lead_s = replace_lead_s  # regenerate for a change at most this early
        self.min_replace_s = min_replace_s  # ... and at least this early (scaled by gen time)
        self._ready: _Ready | None = None
        self._wanted: int | None = None  # id of the request whose bar we wait for
        self._wanted_refill: frozenset[str] = frozenset()  # ... and the roles it refills
        self._dirty = False  # controls changed since the waiting bar was asked for
        self._regenerate: set[str] = set()
        self._locked: dict[str, PlainTrack] = {}
        self._last: PlainBar = ()
        self.dead = False  # the generator is gone: every bar repeats
        self.underruns = 0
        self.errors = 0
        self.gen_ms: deque[float] = deque(maxlen=256)  # recent generation times
        self.gen_ms_last: float | None = None  # ... the newest
        self.gen_ms_max: float | None = None  # ... the slowest
        self.log: list[tuple[str, str]] = []  # (level, text) for the scheduler to pass on
        self.version = 0  # moves whenever what upcoming() returns may have changed
        self.duck: str | None = None  # a role not sent (a capture into it is armed or runs)
        self.riff: RiffInfo | None = None  # the riff playing
        self._riff_before: RiffInfo | None = None  # ... before the last prompt (it may fail)
        self._riff_prompt: int | None = None  # the id of that prompt
        self._opening: PlainTrack | None = None  # a new riff's first bar: in the next bar taken
        self._refill_left: dict[str, int] = {}  # role -> bars still to draw afresh

    # -- requests and replies ----------------------------------------------------------------

    def start(self) -> None:
        """Ask for the first bar (call once, before the transport rolls)."""
        if self._wanted is None and self._ready is None:
            self._request(replace_last=False)

    def _request(self, replace_last: bool) -> None:
        if self.dead:
            return
        refill = {r: n for r, n in self._refill_left.items() if n > 0}
        fixed = tuple(
            plain_to_bar((self._locked[r],)).tracks[0]
            for r in ROLES
            if r in self._locked and r not in refill
        )
        request = BarRequest(self.controls, frozenset(self._regenerate), fixed, refill)
        self._wanted = self.generator.request(request, replace_last)
        self._wanted_refill = frozenset(refill)
        self._regenerate.clear()
        self._dirty = False

    def poll(self) -> None:
        """Take in the generator's replies (call when there is slack)."""
        for reply in self.generator.poll():
            if isinstance(reply, BarMade) and reply.id == self._wanted:
                self._ready = _Ready(reply.plain, reply.gen_ms, self._wanted_refill)
                self._wanted = None
                self.gen_ms.append(reply.gen_ms)
                self.gen_ms_last, self.gen_ms_max = reply.gen_ms, max(self.gen_ms)
                self.version += 1
            elif isinstance(reply, BarFailed) and reply.id == self._wanted:
                self._wanted = None
                self.errors += 1
                self.log.append(("error", f"the bar source failed: {reply.text}"))
            elif isinstance(reply, Dead):
                self.dead = True
                self._wanted = None
                self.log.append(("error", f"{reply.text}: bars repeat from now on"))
            elif reply.id == self._riff_prompt:
                self._prompted(reply)

    # -- the bar line ------------------------------------------------------------------------

    def _prompted(self, reply: Prompted | BarFailed | BarMade) -> None:
        """The generator's answer to the last riff prompt: the riff's key, or a failure (the
        riff before plays on)."""
        self._riff_prompt = None
        if isinstance(reply, Prompted) and self.riff is not None:
            self.riff = replace(self.riff, key=reply.key)
        elif isinstance(reply, BarFailed):
            self.errors += 1
            self.log.append(("error", f"the riff did not start: {reply.text}"))
            self.riff, self._opening = self._riff_before, None

    def take(self, bar: int | None = None) -> TakenBar:
        """The bar for the bar line now (song bar ``bar``, when known); asks for the next one."""
        refill: frozenset[str] = frozenset()
        if self._ready is not None:
            plain, gen_ms, refill = self._ready
            self._ready = None
            repeated: tuple[str, ...] = ()
        else:
            plain, gen_ms = self._last, None
            repeated = tuple(t.role for t in plain)
            self.underruns += 1
        part = self._riff_part(bar, refill)
        if self._opening is not None and self.riff is not None and self.riff.start_bar is None:
            self.riff = replace(self.riff, start_bar=bar)  # captured while stopped: starts now
        self._opening = None
        if part is not None:
            plain = _with_track(plain, part)
        self._locked = self._locks_for(plain)
        plain = self._with_locks(plain, {r: t for r, t in self._locked.items() if r not in refill})
        for role in refill:  # one bar of each refill played
            left = self._refill_left.pop(role, 0) - 1
            if left > 0:
                self._refill_left[role] = left
        self._last = plain
        self.version += 1
        if self._wanted is None:
            self._request(replace_last=False)
        return TakenBar(plain, self._audible(plain), repeated, gen_ms)

    def upcoming(self, bar: int | None = None) -> TakenBar | None:
        """What :meth:`take` would return now, taking nothing; None when no bar is ready (the
        bar line would repeat the last bar). Cheap: the ready bar's tuples are not copied."""
        if self._ready is None:
            return None
        plain, gen_ms, refill = self._ready
        part = self._riff_part(bar, refill)
        if part is not None:
            plain = _with_track(plain, part)
        locked = self._locks_for(plain)
        plain = self._with_locks(plain, {r: t for r, t in locked.items() if r not in refill})
        return TakenBar(plain, self._audible(plain), (), gen_ms)

    def _riff_part(self, bar: int | None, refill: frozenset[str]) -> PlainTrack | None:
        """The riff's track in song bar ``bar``: its first bar when it opens; kept, the bar of
        its loop the song is at, whatever the generator sent (a late bar, repeated at its line,
        never moves the loop off the song's bars). None: the generator's bar stands."""
        riff = self.riff
        if self._opening is not None:
            return self._opening
        if riff is None or riff.role in refill or riff.settings.mode != "keep":
            return None
        if bar is None or riff.start_bar is None or bar < riff.start_bar:
            return None
        return plain_track(riff.bars[(bar - riff.start_bar) % len(riff.bars)], riff.role)

    def _audible(self, plain: PlainBar) -> tuple[str, ...]:
        return tuple(t.role for t in plain if self.controls.audible(t.role) and t.role != self.duck)

    def _locks_for(self, plain: PlainBar) -> dict[str, PlainTrack]:
        """The locked tracks if ``plain`` were taken now (changes nothing)."""
        locked = {}
        for role in ROLES:
            if not self.controls.track(role).lock:
                continue
            # keep the loop; a new lock loops what was playing (or this bar's, at the start)
            track = self._locked.get(role) or plain_track(self._last, role)
            track = track or plain_track(plain, role)
            if track is not None:
                locked[role] = track
        return locked

    @staticmethod
    def _with_locks(plain: PlainBar, locked: dict[str, PlainTrack]) -> PlainBar:
        if not locked:
            return plain
        kept = [t for t in plain if t.role not in locked]
        tracks = kept + [locked[r] for r in locked]
        return tuple(sorted(tracks, key=lambda t: ROLES.index(t.role)))

    # -- steering ----------------------------------------------------------------------------

    def set_controls(self, controls: Controls) -> None:
        """New controls; marks the feed dirty when the change needs a new bar."""
        old = self.controls
        self.controls = controls
        if [_play_side(t) for t in controls.tracks] != [_play_side(t) for t in old.tracks]:
            self.version += 1  # mute, solo or lock: what the bar line takes changes
        if controls.preset != old.preset:
            self._dirty = True
        for a, b in zip(old.tracks, controls.tracks, strict=True):
            if a.lock != b.lock or any(getattr(a, f) != getattr(b, f) for f in GENERATION_FIELDS):
                self._dirty = True

    def regenerate(self, role: str) -> None:
        """Draw ``role`` afresh from the next bar line (a riff in it ends: see riff_source)."""
        self._regenerate.add(role)
        self._dirty = True
        if self.riff is not None and self.riff.role == role:
            self.riff, self._opening = None, None

    def refill(self, role: str, bars: int) -> None:
        """Draw the next ``bars`` bars of ``role`` afresh, from the next bar line if there is
        time (see :meth:`maybe_replace`); its riff or lock then plays on. The riff's own role
        starts with the bar after the waiting one: its bars are written ahead, leading back
        into the riff (riff_source), which takes the generator longer than a bar's change."""
        self._refill_left[role] = bars
        if self.riff is None or self.riff.role != role:
            self._dirty = True

    def set_duck(self, role: str | None) -> None:
        """Keep ``role`` from being sent (None: send every role again)."""
        if role != self.duck:
            self.duck = role
            self.version += 1

    def maybe_replace(self, to_bar_line_s: float | None) -> bool:
        """Regenerate the waiting bar for a change, if now is the time (None: stopped, any
        time is). Returns whether a request went out."""
        if not self._dirty or self.dead:
            return False
        if to_bar_line_s is not None:
            slow = (self.gen_ms_max or 0.0) / 1000
            earliest = max(self.replace_lead_s, 3 * slow)
            latest = max(self.min_replace_s, 2 * slow)
            if not latest <= to_bar_line_s <= earliest:
                return False
        has_pending = self._ready is not None or self._wanted is not None
        self._ready = None
        self.version += 1
        self._request(replace_last=has_pending)
        return True

    def start_riff(self, riff: RiffInfo) -> None:
        """A captured riff plays from the next bar taken on (see the module docstring)."""
        if self.dead:
            return
        retract = self._ready is not None or self._wanted is not None
        self._opening = plain_track(riff.bars[0], riff.role)
        self._riff_before, self.riff = self.riff, riff
        cue = RiffCue(riff.bars, riff.role, riff.settings, "open")
        self._riff_prompt = self.generator.prompt(cue, retract)
        self.version += 1

    def update_riff(self, riff: RiffInfo) -> None:
        """New settings for the riff playing, from the bar after the waiting one (or that one,
        if there is time): the waiting bar is made again."""
        if self.riff is None or self.dead:
            return
        if self._opening is not None:
            self._opening = plain_track(riff.bars[0], riff.role)
        self._riff_before, self.riff = self.riff, riff
        self._reprompt(RiffCue(riff.bars, riff.role, riff.settings, "keep"))

    def drop_riff(self) -> None:
        """The riff stops: its role is generated freely again (the waiting bar is made again)."""
        if self.riff is None or self.dead:
            return
        self._riff_before, self.riff, self._opening = self.riff, None, None
        self._reprompt(RiffCue((), self._riff_before.role, place="keep"))

    def _reprompt(self, cue: RiffCue) -> None:
        retract = self._ready is not None or self._wanted is not None
        self._riff_prompt = self.generator.prompt(cue, retract)
        self._ready = None
        self.version += 1
        self._request(replace_last=False)

    @property
    def ready(self) -> bool:
        return self._ready is not None


def _with_track(plain: PlainBar, track: PlainTrack) -> PlainBar:
    """``plain`` with ``track`` in place of (or beside) its role's track."""
    kept = [t for t in plain if t.role != track.role]
    return tuple(sorted([*kept, track], key=lambda t: ROLES.index(t.role)))


def _play_side(track: TrackControls) -> tuple[bool, bool, bool]:
    """The controls applied when a bar is taken (the rest need a new bar)."""
    return (track.mute, track.solo, track.lock)
