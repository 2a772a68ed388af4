"""Soak run: the bridge following ``jack_midi_clock`` for a long time; counts underruns, stuck
notes and memory growth.

``python -m jambridge.bench.soak --minutes 30 --bpm 174 [--engine model] [--json]``

A private JACK server (dummy driver), ``jack_midi_clock -b BPM -B`` as the master, the bridge
with the chosen bar source (the model by default: generation in its own process, as in
production), and ``jack_midi_dump`` recording "JamBridge Out". At the end the transport stops
and the bridge shuts down; then:

* underruns: bars that were not ready at their bar line (the scheduler's count);
* stuck notes: keys the recording leaves sounding after the end (a note-on with no note-off
  or All Notes Off after it), and our own book (note-ons sent minus note-offs sent);
* lost in transport: note-ons the recording shows followed by another note-on of the same key
  with no note-off between (JACK drops events of clients that miss a cycle; not stuck, since
  the next note or the final All Notes Off ends them, but counted);
* memory: resident set size of the bridge's process and of the generator process, sampled
  every 10 s; growth is measured from the end of the first minute (imports, model load and
  caches warm up before that) to the end.

Prints progress lines, a summary, and with ``--json`` one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from jambridge.bench import cli
from jambridge.bench.jack import JackServer, start_server
from jambridge.bench.jack_clients import Dumped, MidiClock, MidiDump, Transport
from jambridge.bridge.events import BridgeStatus
from jambridge.bridge.io.ports import IN_NAME, OUT_NAME, jack_port_name
from jambridge.bridge.session import BridgeConfig, BridgeSession

WARMUP_S = 60.0  # memory growth is measured from here
SAMPLE_S = 10.0


def rss_mb(pid: int) -> float | None:
    """Resident set size of a process in MB (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class SoakResult:
    """What a soak run measured."""

    minutes: float
    bpm: float
    engine: str
    bars_played: int
    underruns: int
    stuck_notes: int  # as recorded after the end
    book_open_notes: int  # note-ons sent minus note-offs sent, by our own count
    notes_on: int
    lost_in_transport: int
    recorder_lost: int  # events jack_midi_dump itself dropped
    rss_bridge_mb_start: float | None
    rss_bridge_mb_end: float | None
    rss_bridge_growth_mb: float | None
    rss_generator_mb_start: float | None
    rss_generator_mb_end: float | None
    rss_generator_growth_mb: float | None
    gen_ms_max: float | None
    late_p99_ms: float
    late_max_ms: float
    jack_xruns: int
    jack_period_frames: int
    jack_realtime: bool  # jackd ran its cycles with SCHED_FIFO
    plays: int  # presses of Play it took to start (a Start lost in an xrun is pressed again)
    following_pulses: float  # share of the samples in which notes waited for the pulses

    @property
    def ok(self) -> bool:
        """No underrun, no stuck note, memory growth under 10 MB in both processes."""
        return (
            self.underruns == 0
            and self.stuck_notes == 0
            and self.book_open_notes == 0
            and (self.rss_bridge_growth_mb or 0) < 10
            and (self.rss_generator_growth_mb or 0) < 10
        )

    def summary(self) -> str:
        jackd = "real-time" if self.jack_realtime else "not real-time"
        return (
            f"{self.minutes:g} min at {self.bpm:g} BPM ({self.engine}): {self.bars_played} bars, "
            f"{self.notes_on} notes, underruns {self.underruns}, stuck notes {self.stuck_notes} "
            f"(our book: {self.book_open_notes}), lost in transport {self.lost_in_transport}, "
            f"RSS growth bridge {self.rss_bridge_growth_mb} MB, generator "
            f"{self.rss_generator_growth_mb} MB, late p99 {self.late_p99_ms} ms, JACK xruns "
            f"{self.jack_xruns} (jackd {jackd}, period {self.jack_period_frames}), Play pressed "
            f"{self.plays}x: {'OK' if self.ok else 'FAILED'}"
        )


class Sample(NamedTuple):
    """One look at the memory of the two processes."""

    t_s: float  # since Play
    bridge_mb: float | None  # this process (the bridge)
    generator_mb: float | None  # the generator's process


class Played(NamedTuple):
    """What the run left: the samples, the bridge's status before and after it stopped, and
    the recording."""

    samples: list[Sample]
    following: int  # samples in which the follower waited for the pulses
    status: BridgeStatus  # at the end of the transport
    final: BridgeStatus  # after the bridge stopped
    recorded: list[Dumped]
    recorder_lost: int
    plays: int


def stuck_and_lost(messages: Iterable[Sequence[int]]) -> tuple[int, int]:
    """Of a recording's messages, in order: (keys left sounding at the end, note-ons followed
    by a note-on of the same key)."""
    sounding: dict[tuple[int, int], bool] = {}
    lost = 0
    for m in messages:
        kind, ch = m[0] & 0xF0, m[0] & 0x0F
        if kind == 0x90 and len(m) == 3 and m[2] > 0:
            if sounding.get((ch, m[1])):
                lost += 1
            sounding[(ch, m[1])] = True
        elif kind in (0x80, 0x90) and len(m) == 3:
            sounding[(ch, m[1])] = False
        elif kind == 0xB0 and len(m) == 3 and m[1] == 123:
            for key in sounding:
                if key[0] == ch:
                    sounding[key] = False
    return sum(sounding.values()), lost


def soak(args: argparse.Namespace) -> SoakResult:
    """Start a JACK server, play for ``args.minutes`` and measure."""
    server = start_server(args.period, args.jack_realtime)
    try:
        with server.selected():
            played = _play(server, args)
    finally:
        xruns = server.log_text().count("XRun")
        server.stop()
    return _result(args, server, played, xruns)


def _play(server: JackServer, args: argparse.Namespace) -> Played:
    """The bridge following ``jack_midi_clock`` while ``jack_midi_dump`` records it."""
    config = BridgeConfig(
        midi_api="jack", engine=args.engine, model=args.model, preset=args.preset, bpm=args.bpm
    )
    with contextlib.ExitStack() as stack:
        session = BridgeSession(config).start()
        stack.callback(session.stop)
        dump = MidiDump(server).start()
        stack.callback(dump.close)
        clock = stack.enter_context(MidiClock(server, args.bpm))
        server.connect(clock.port, jack_port_name(IN_NAME))
        server.connect(jack_port_name(OUT_NAME), dump.port)
        transport = Transport(server)
        stack.callback(transport.close)
        plays = transport.play_from_start(lambda: session.status().playing)
        samples, following = _watch(session, args.minutes)
        transport.send("stop")
        time.sleep(0.5)
        status = session.status()
        session.stop()
        final = session.status()
        time.sleep(0.2)
        recorded = dump.stop()
        return Played(samples, following, status, final, recorded, dump.lost(), plays)


def _watch(session: BridgeSession, minutes: float) -> tuple[list[Sample], int]:
    """Sample memory and status every SAMPLE_S for ``minutes``, printing a line each time;
    the samples and how many found the follower on the pulses."""
    samples: list[Sample] = []
    following = 0
    start = time.monotonic()
    end = start + minutes * 60
    next_sample = start
    while (now := time.monotonic()) < end:
        if now >= next_sample:
            gen_pid = session.generator_pid
            samples.append(
                Sample(now - start, rss_mb(os.getpid()), rss_mb(gen_pid) if gen_pid else None)
            )
            s = session.status()
            following += s.follows_pulses
            print(
                f"{(now - start) / 60:5.1f} min  bar {s.bar}  underruns {s.underruns}  "
                f"gen max {s.gen_ms_max or 0:.1f} ms  late p99 {s.late_p99_ms:.2f} ms  "
                f"RSS {samples[-1].bridge_mb:.1f} MB + generator "
                f"{samples[-1].generator_mb or 0:.1f} MB"
                f"{'  (following the pulses)' if s.follows_pulses else ''}",
                flush=True,
            )
            next_sample += SAMPLE_S
        time.sleep(min(1.0, max(0.0, end - now)))
    return samples, following


def _growth(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else round(end - start, 2)


def _result(args: argparse.Namespace, server: JackServer, run: Played, xruns: int) -> SoakResult:
    stuck, lost = stuck_and_lost(d.msg for d in run.recorded)
    samples, final = run.samples, run.final
    warm = [s for s in samples if s.t_s >= min(WARMUP_S, samples[-1].t_s)] or samples
    first, last = warm[0], samples[-1]
    return SoakResult(
        minutes=args.minutes,
        bpm=args.bpm,
        engine=args.engine,
        bars_played=run.status.bar,
        underruns=final.underruns,
        stuck_notes=stuck,
        book_open_notes=final.notes_on - final.notes_off,
        notes_on=final.notes_on,
        lost_in_transport=lost,
        recorder_lost=run.recorder_lost,
        rss_bridge_mb_start=first.bridge_mb,
        rss_bridge_mb_end=last.bridge_mb,
        rss_bridge_growth_mb=_growth(first.bridge_mb, last.bridge_mb),
        rss_generator_mb_start=first.generator_mb,
        rss_generator_mb_end=last.generator_mb,
        rss_generator_growth_mb=_growth(first.generator_mb, last.generator_mb),
        gen_ms_max=None if final.gen_ms_max is None else round(final.gen_ms_max, 1),
        late_p99_ms=round(final.late_p99_ms, 3),
        late_max_ms=round(final.late_max_ms, 3),
        jack_xruns=xruns,
        jack_period_frames=server.period,
        jack_realtime=server.realtime,
        plays=run.plays,
        following_pulses=round(run.following / max(1, len(samples)), 3),
    )


def main(argv: list[str] | None = None) -> int:
    p = cli.parser("soak", __doc__, period=64)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--bpm", type=float, default=174.0)
    p.add_argument("--engine", default="model", help="model (default), procedural or pattern")
    p.add_argument("--model", default=None, help="model file (default: the shipped one)")
    p.add_argument("--preset", default="peak")
    cli.add_jack_realtime(p)
    return cli.run(p, argv, lambda args: cli.report(soak(args), args.json))


if __name__ == "__main__":
    sys.exit(main())
