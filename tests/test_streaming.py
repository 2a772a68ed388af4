"""The generator pipe: a bounded window of requests, the rest coalesced (issue 15, item 6)."""

from __future__ import annotations

import threading
import time

from jambridge.bridge import controls as ctl
from jambridge.bridge.playback.bar_source import BarRequest, SourceSpec
from jambridge.bridge.playback.pending import PendingRequests
from jambridge.bridge.playback.pipe import BarMade, Generate, Prompt
from jambridge.bridge.playback.sources import PATTERN_LEAD_BASE, PatternSource, RiffLoop
from jambridge.bridge.playback.streaming import GeneratorProcess
from jambridge.bridge.playback.timeline import bar_to_plain, plain_to_bar
from jambridge.music import Note

REQ = BarRequest(ctl.Controls())


def riff(pitch: int) -> tuple:
    bar = (
        RiffLoop(PatternSource())
        .next_bar(REQ)
        .replace_track(
            PatternSource().next_bar(REQ).track("bass").with_notes([Note(pitch, 0.0, 1.0, 100)])
        )
    )
    return (bar_to_plain(bar),)


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
            source.prompt([plain_to_bar(b) for b in msg.bars], msg.role)


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
    q.prompt(1, riff(40), "bass", True)
    q.generate(2, REQ, False)
    q.prompt(3, riff(45), "bass", True)
    q.generate(4, REQ, False)
    assert len(q) == 2
    first, second = q.pop(), q.pop()
    assert isinstance(first, Prompt) and first.id == 3
    assert isinstance(second, Generate) and second.id == 4


def test_retro_spam_coalesced_leaves_the_source_as_every_message_would():
    """The feed's messages for 50 retro presses (prompt, then a request for the next bar)
    while the first request is still out: sent one by one, or coalesced behind it, the source
    ends in the same state and plays the last riff."""
    msgs: list[Generate | Prompt] = [Generate(0, REQ, False)]
    for i in range(50):
        msgs += [Prompt(2 * i + 1, riff(40 + i % 12), "bass", True)]
        msgs += [Generate(2 * i + 2, REQ, False)]
    every, coalesced = RiffLoop(PatternSource()), RiffLoop(PatternSource())
    run(every, msgs)
    q = PendingRequests()
    for m in msgs[1:]:
        if isinstance(m, Prompt):
            q.prompt(m.id, m.bars, m.role, m.retract_last)
        else:
            q.generate(m.id, m.request, m.replace)
    run(coalesced, [msgs[0]] + [q.pop() for _ in range(len(q))])
    a, b = every.next_bar(REQ), coalesced.next_bar(REQ)
    assert a == b and a.track("bass").notes[0].pitch == 40 + 49 % 12
    assert a.track("lead").notes[0].pitch == PATTERN_LEAD_BASE + 1


def test_the_real_time_thread_never_waits_on_a_slow_generator():
    """1,000 prompts and bar requests against a child that takes 200 ms a bar: every call
    returns at once (they filled the pipe both ways and blocked, before), and the bar that
    finally comes is the last riff's."""
    gen = GeneratorProcess(SourceSpec(engine="pattern", busy_ms=200))
    gen.start()
    calls: list[float] = []

    def spam() -> None:
        for i in range(1000):
            t0 = time.perf_counter()
            gen.prompt(riff(40 + i % 12), "bass", True)
            gen.request(REQ, False)
            gen.poll()
            calls.append(time.perf_counter() - t0)

    try:
        gen.request(REQ, False)
        worker = threading.Thread(target=spam, daemon=True)
        worker.start()
        worker.join(timeout=10)
        assert not worker.is_alive(), f"blocked after {len(calls)} presses"
        assert max(calls) < 0.05
        last = None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            bars = [r for r in gen.poll() if isinstance(r, BarMade)]
            if bars and bars[-1].id == 2001:
                last = bars[-1]
                break
            time.sleep(0.02)
        assert last is not None
        assert plain_to_bar(last.plain).track("bass").notes[0].pitch == 40 + 999 % 12
        assert gen.coalesced > 1900
    finally:
        t0 = time.monotonic()
        gen.close()
        assert time.monotonic() - t0 < 1.5
