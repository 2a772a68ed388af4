"""Requests for the generator process that wait for room in its window, coalesced.

:class:`~jambridge.bridge.playback.streaming.GeneratorProcess` keeps at most a few messages out with
its child; the rest wait here, and a newer request replaces an older one not sent yet:

* a bar request replaces the bar request before it (the child would have retracted that bar
  anyway): the newer one takes the older one's ``replace`` flag -- whether the bar *before*
  the dropped one is to be retracted -- and its regenerated roles;
* a prompt replaces the bar request before it and the prompt before that (a newer riff
  supersedes an older one): it takes the retract flag of the earliest message it drops. A riff
  that *opens* (see :class:`~jambridge.bridge.playback.pipe.RiffCue`) replaces no bar request:
  the bar asked for is the one it opens on, and the parent waits for it. New settings for a
  riff that opens and was not sent yet: it still opens, or, when the settings retract the bar
  it opened on, starts from its first bar in the next bar made.

So what the child does equals what it would have done with every message, less the work whose
result would have been thrown away. Pure: no pipes, no processes.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from jambridge.bridge.playback.pipe import Generate, Prompt, Request, RiffCue

if TYPE_CHECKING:
    from jambridge.bridge.playback.bar_source import BarRequest


class PendingRequests:
    """Messages for the generator process not sent yet, coalesced (see the module doc)."""

    def __init__(self) -> None:
        self._msgs: list[Request] = []  # in order
        self._carry: frozenset[str] = frozenset()  # regenerated roles of dropped requests
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._msgs)

    def _drop_last(self, kind: type[Generate] | type[Prompt]) -> Request | None:
        if self._msgs and isinstance(self._msgs[-1], kind):
            self.dropped += 1
            return self._msgs.pop()
        return None

    def generate(self, req_id: int, request: BarRequest, replace: bool) -> None:
        """A bar request (``replace``: retract the last bar returned first)."""
        old = self._drop_last(Generate)
        if isinstance(old, Generate):  # never sent: its replace flag is the one that counts
            replace = old.replace
            self._carry |= old.request.regenerate
        if self._carry:
            request = dataclasses.replace(request, regenerate=request.regenerate | self._carry)
            self._carry = frozenset()
        self._msgs.append(Generate(req_id, request, replace))

    def prompt(self, req_id: int, cue: RiffCue, retract_last: bool) -> None:
        """A prompt (``retract_last``: retract the last bar returned first)."""
        first = None  # the earliest message dropped: its retract flag counts
        old = None if cue.place == "open" else self._drop_last(Generate)
        if isinstance(old, Generate):
            first = old.replace
            self._carry |= old.request.regenerate
        older = self._drop_last(Prompt)
        if isinstance(older, Prompt):
            if cue.bars and cue.place == "keep" and older.cue.place != "keep":
                undone = older.cue.place == "open" and retract_last and old is None
                cue = cue._replace(place="start" if undone else older.cue.place)
            first = older.retract_last
        if first is not None:
            retract_last = first
        self._msgs.append(Prompt(req_id, cue, retract_last))

    def pop(self) -> Request:
        """The oldest message, to send now."""
        return self._msgs.pop(0)
