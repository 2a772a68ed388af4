"""The generator pipe: a bounded window of requests, the rest coalesced (issue 15, item 6)."""

from __future__ import annotations

import select
import threading
import time

from jambridge.bench.busy import busy_spec
from jambridge.bridge import controls as ctl
from jambridge.bridge.playback.bar_source import BarRequest
from jambridge.bridge.playback.pending import PendingRequests
from jambridge.bridge.playback.pipe import BarMade, Generate, Prompt, RiffCue
from jambridge.bridge.playback.riff_source import RiffJam
from jambridge.bridge.playback.sources import PATTERN_LEAD_BASE, PatternSource
from jambridge.bridge.playback.streaming import GeneratorProcess
from jambridge.bridge.playback.timeline import bar_to_plain, plain_to_bar
from jambridge.music import Bar, Note

REQ = BarRequest(ctl.Controls())


def riff(pitch: int, place: str = "open") -> RiffCue:
    """A one-bar bass riff of one note."""
    track = PatternSource().next_bar(REQ).track("bass").with_notes([Note(pitch, 0.0, 1.0, 100)])
    return RiffCue((bar_to_plain(Bar((track,))),), "bass", place=place)


def run(source, msgs) -> None:
    """What the generator process does with each message (streaming._serve)."""
    for msg in msgs:
        if isinstance(msg, Generate):
            if msg.replace:
                source.retract()
            source.next_bar(msg.request)
        else:
            if msg.retract_last:
                source.retract()
            source.prompt(msg.cue)


def test_a_bar_request_replaces_the_unsent_one_and_keeps_its_flags():
    q = PendingRequests()
    q.generate(1, REQ, False)
    q.generate(2, BarRequest(ctl.Controls(), frozenset({"bass"})), True)
    q.generate(3, REQ, True)
    assert len(q) == 1 and q.dropped == 2
    msg = q.pop()
    assert isinstance(msg, Generate) and (msg.id, msg.replace) == (3, False)
    assert msg.request.regenerate == {"bass"}


def test_a_prompt_replaces_the_prompt_and_request_before_it():
    q = PendingRequests()
    q.prompt(1, riff(40, "keep"), True)
    q.generate(2, REQ, False)
    q.prompt(3, riff(45, "keep"), True)
    q.generate(4, REQ, False)
    assert len(q) == 2
    first, second = q.pop(), q.pop()
    assert isinstance(first, Prompt) and first.id == 3
    assert isinstance(second, Generate) and second.id == 4


def test_a_riff_that_opens_keeps_the_request_for_the_bar_it_opens_on():
    """The parent waits for that bar (it plays the riff's first bar in it)."""
    q = PendingRequests()
    q.generate(1, REQ, False)
    q.prompt(2, riff(40), True)
    q.prompt(3, riff(45), True)
    assert [type(m).__name__ for m in (q.pop(), q.pop())] == ["Generate", "Prompt"]
    assert q.dropped == 1


def coalesced_run(msgs: list[Generate | Prompt]) -> RiffJam:
    """A source that got ``msgs[0]``, then the rest through PendingRequests."""
    q = PendingRequests()
    for m in msgs[1:]:
        if isinstance(m, Prompt):
            q.prompt(m.id, m.cue, m.retract_last)
        else:
            q.generate(m.id, m.request, m.replace)
    source = RiffJam(PatternSource())
    run(source, [msgs[0]] + [q.pop() for _ in range(len(q))])
    return source


def test_retro_spam_coalesced_leaves_the_source_as_every_message_would():
    """The feed's messages for 50 retro presses (a new riff each, opening on the bar the first
    request made) while that request is still out: sent one by one, or coalesced behind it,
    the source ends in the same state and plays the last riff from its second bar on."""
    msgs: list[Generate | Prompt] = [Generate(0, REQ, False)]
    msgs += [Prompt(i + 1, riff(40 + i % 12), True) for i in range(50)]
    every = RiffJam(PatternSource())
    run(every, msgs)
    a, b = every.next_bar(REQ), coalesced_run(msgs).next_bar(REQ)
    assert a == b and a.track("bass").notes[0].pitch == 40 + 49 % 12
    assert a.track("lead").notes[0].pitch == PATTERN_LEAD_BASE + 1


def test_riff_changes_coalesced_keep_the_opening_and_the_newest_settings():
    """A new riff, then 20 changes of it (each with a request for the next bar) behind a
    request still out: coalesced, the riff still opens on that bar and the source plays as
    sent one by one."""
    msgs: list[Generate | Prompt] = [Generate(0, REQ, False), Prompt(1, riff(40), True)]
    for i in range(20):
        msgs += [Prompt(2 * i + 2, riff(41 + i % 5, "keep"), True)]
        msgs += [Generate(2 * i + 3, REQ, False)]
    every = RiffJam(PatternSource())
    run(every, msgs)
    a, b = every.next_bar(REQ), coalesced_run(msgs).next_bar(REQ)
    assert a == b and a.track("bass").notes[0].pitch == 41 + 19 % 5


class CountingPipe:
    """The parent's end of the pipe, counting sends and those made when the pipe could not
    take a message at once (a send that may block the real-time thread)."""

    def __init__(self, conn) -> None:
        self._conn = conn
        self.sends = 0
        self.blocking = 0

    def send(self, msg) -> None:
        self.sends += 1
        if not select.select([], [self._conn.fileno()], [], 0)[1]:
            self.blocking += 1
        self._conn.send(msg)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def wait_for(done, timeout_s: float = 60.0) -> bool:
    """Poll ``done`` until it holds (a guard against hanging, not a timing assertion)."""
    end = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def test_the_real_time_thread_never_waits_on_a_slow_generator():
    """1,000 riffs (a retro-capture button held down) against a child that takes 200 ms a bar
    (they filled the pipe both ways and blocked, before): no send finds the pipe full, at most
    the window is out with the child at any time, nearly all the rest is coalesced, and the bar
    asked for after them is the last riff's."""
    gen = GeneratorProcess(busy_spec(200.0))
    gen.start()
    pipe = CountingPipe(gen._conn)
    gen._conn = pipe
    out_max = 0

    def spam() -> None:
        nonlocal out_max
        for i in range(1000):
            gen.prompt(riff(40 + i % 12), True)
            gen.poll()
            out_max = max(out_max, len(gen._out))
        gen.request(REQ, False)

    child = gen._proc
    try:
        gen.request(REQ, False)
        worker = threading.Thread(target=spam, daemon=True)
        worker.start()
        worker.join(timeout=60)
        assert not worker.is_alive(), "a call blocked"
        last: list = []

        def last_bar_came() -> bool:
            last.extend(r for r in gen.poll() if isinstance(r, BarMade) and r.id == 1002)
            return bool(last)

        assert wait_for(last_bar_came)
        assert plain_to_bar(last[0].plain).track("bass").notes[0].pitch == 40 + 999 % 12
        assert pipe.blocking == 0 and out_max <= gen.window
        assert gen.coalesced > 990 and pipe.sends == 1002 - gen.coalesced
    finally:
        gen.close()
    assert not child.is_alive() and gen.pid is None  # closed: the busy child is gone
