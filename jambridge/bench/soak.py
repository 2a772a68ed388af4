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
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

from jambridge.bench.jack import MidiDump, Transport, bench_tools_missing, popen, start_server
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


def stuck_and_lost(recorded) -> tuple[int, int]:
    """(keys left sounding at the end, note-ons followed by a note-on of the same key)."""
    sounding: dict[tuple[int, int], bool] = {}
    lost = 0
    for d in recorded:
        m = d.msg
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
    server = start_server(args.period, args.jack_realtime)
    os.environ["JACK_DEFAULT_SERVER"] = server.name
    os.environ["JACK_NO_START_SERVER"] = "1"
    config = BridgeConfig(
        midi_api="jack", engine=args.engine, model=args.model, preset=args.preset, bpm=args.bpm
    )
    session = dump = clock = transport = None
    plays = 0
    samples: list[tuple[float, float | None, float | None]] = []
    following = 0  # samples in which the follower waited for the pulses
    try:
        session = BridgeSession(config).start()
        dump = MidiDump(server).start()
        clock = popen(
            ["jack_midi_clock", "-b", f"{args.bpm:g}", "-B"],
            env=server.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server.wait_for_port("jack_midi_clock:mclk_out")
        server.connect("jack_midi_clock:mclk_out", jack_port_name(IN_NAME))
        server.connect(jack_port_name(OUT_NAME), dump.port)
        transport = Transport(server)
        plays = transport.play_from_start(lambda: session.status().playing)
        start = time.monotonic()
        end = start + args.minutes * 60
        next_sample = start
        while (now := time.monotonic()) < end:
            if now >= next_sample:
                gen_pid = session.generator_pid
                samples.append(
                    (now - start, rss_mb(os.getpid()), rss_mb(gen_pid) if gen_pid else None)
                )
                s = session.status()
                following += s.follows_pulses
                print(
                    f"{(now - start) / 60:5.1f} min  bar {s.bar}  underruns {s.underruns}  "
                    f"gen max {s.gen_ms_max or 0:.1f} ms  late p99 {s.late_p99_ms:.2f} ms  "
                    f"RSS {samples[-1][1]:.1f} MB + generator {samples[-1][2] or 0:.1f} MB"
                    f"{'  (following the pulses)' if s.follows_pulses else ''}",
                    flush=True,
                )
                next_sample += SAMPLE_S
            time.sleep(min(1.0, max(0.0, end - now)))
        transport.send("stop")
        time.sleep(0.5)
        status = session.status()
        session.stop()
        final = session.status()
        time.sleep(0.2)
        recorded = dump.stop()
        recorder_lost = dump.lost()
    finally:
        if transport is not None:
            transport.close()
        if clock is not None:
            clock.terminate()
            clock.wait(timeout=5)
        if session is not None:
            session.stop()
        if dump is not None:
            dump.close()
        xruns = server.log_text().count("XRun")
        server.stop()
    stuck, lost = stuck_and_lost(recorded)
    warm = [s for s in samples if s[0] >= min(WARMUP_S, samples[-1][0])] or samples
    first, last = warm[0], samples[-1]

    def growth(i: int) -> float | None:
        if first[i] is None or last[i] is None:
            return None
        return round(last[i] - first[i], 2)

    return SoakResult(
        minutes=args.minutes,
        bpm=args.bpm,
        engine=args.engine,
        bars_played=status.bar,
        underruns=final.underruns,
        stuck_notes=stuck,
        book_open_notes=final.notes_on - final.notes_off,
        notes_on=final.notes_on,
        lost_in_transport=lost,
        recorder_lost=recorder_lost,
        rss_bridge_mb_start=first[1],
        rss_bridge_mb_end=last[1],
        rss_bridge_growth_mb=growth(1),
        rss_generator_mb_start=first[2],
        rss_generator_mb_end=last[2],
        rss_generator_growth_mb=growth(2),
        gen_ms_max=None if final.gen_ms_max is None else round(final.gen_ms_max, 1),
        late_p99_ms=round(final.late_p99_ms, 3),
        late_max_ms=round(final.late_max_ms, 3),
        jack_xruns=xruns,
        jack_period_frames=server.period,
        jack_realtime=server.realtime,
        plays=plays,
        following_pulses=round(following / max(1, len(samples)), 3),
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m jambridge.bench.soak", description=__doc__.splitlines()[0]
    )
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--bpm", type=float, default=174.0)
    p.add_argument("--engine", default="model", help="model (default), procedural or pattern")
    p.add_argument("--model", default=None, help="model file (default: the shipped one)")
    p.add_argument("--preset", default="peak")
    p.add_argument("--period", type=int, default=64, help="JACK period in frames (default 64)")
    p.add_argument("--jack-realtime", choices=("auto", "on", "off"), default="off",
                   help="jackd real-time scheduling (default off: on a small machine a "
                   "real-time jackd shares its cores with the bridge and xruns more; "
                   "auto: if allowed)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = p.parse_args(argv)
    missing = bench_tools_missing()
    if missing:
        print(missing)
        return 2
    r = soak(args)
    ok = r.underruns == 0 and r.stuck_notes == 0 and r.book_open_notes == 0
    ok = ok and (r.rss_bridge_growth_mb or 0) < 10 and (r.rss_generator_growth_mb or 0) < 10
    print(
        f"{r.minutes:g} min at {r.bpm:g} BPM ({r.engine}): {r.bars_played} bars, "
        f"{r.notes_on} notes, underruns {r.underruns}, stuck notes {r.stuck_notes} "
        f"(our book: {r.book_open_notes}), lost in transport {r.lost_in_transport}, RSS growth "
        f"bridge {r.rss_bridge_growth_mb} MB, generator {r.rss_generator_growth_mb} MB, "
        f"late p99 {r.late_p99_ms} ms, JACK xruns {r.jack_xruns} (jackd "
        f"{'real-time' if r.jack_realtime else 'not real-time'}, period {r.jack_period_frames}), "
        f"Play pressed {r.plays}x: {'OK' if ok else 'FAILED'}"
    )
    if args.json:
        print(json.dumps({**asdict(r), "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
