"""Jam benchmark: a riff played into the bridge is captured and kept, on a JACK server.

``python -m jambridge.bench.jam [--roles bass lead drums] [--bpm 90 128 174] [--pairs 4]
[--engine model] [--json]``

For each role, a bridge (this process, the model in its generator process, preset techno in A
minor) with a CC map that captures 2 bars into that role; for each tempo, a scripted peer
(:mod:`jambridge.bench.peer`) is the DAW and the player: it clocks "JamBridge In", Starts,
presses the capture button (CC 20) in bar 2, plays a 2-bar riff in bars 3-4 (pitched riffs in
D minor, syncopated; a drum riff with off-beat kicks), and clocks on for ``pairs`` bar pairs;
a second peer records "JamBridge Out". Song ticks come from the player's own pulse log (the
machine's monotonic clock), so every note heard is placed on the song's grid. Measured (issue
12's acceptance):

* **recurrence**: for each bar pair from the first bar line after the capture, the share of
  the riff's notes (pitch, 16th of the 2-bar loop) heard in the captured role (>= 95%);
* **in key**: the share of the other tracks' pitched notes after the capture in the riff's key
  (>= 90%; a drum riff has none: the preset's key is reported);
* **during capture**: notes of JamBridge's own part in the captured role while the capture ran
  (0: it is ducked), and **silent bars** (no note of ours) and **riff gaps** (bars where the riff
  has notes and the role none) from the first bar to the last (0);
* what the bridge reported: the riff's key, tempo and first bar (the bar right after the capture);
* **late ms**: how far the riff's notes sit behind the player's 16ths, first and last bar pair
  (the bridge's clock against the player's pulses, through JACK both ways);
* **lost**: MIDI events the bridge wrote that the recorder never got. A JACK server that is not
  real-time drops a client's MIDI in a cycle it missed (an xrun), so a run that misses a target
  while events were lost is played once more (and says so); a second miss is the bridge's.

Prints a table, and with ``--json`` one JSON object as the last line. The JACK jam test
(tests/test_jam_jack.py) runs a short version of it.
"""

from __future__ import annotations

import json
import queue
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from jambridge.bench import cli
from jambridge.bench.jack import JackServer, start_server
from jambridge.bench.processes import PeerProcess, Stamped
from jambridge.bridge.events import CaptureTaken, RiffChanged, Underrun
from jambridge.bridge.io.ports import IN_NAME, OUT_NAME, jack_port_name
from jambridge.bridge.session import BridgeConfig, BridgeSession
from jambridge.music import Key
from jambridge.roles import ROLE_SPECS

BAR = 96  # ticks (24 per beat)
SIXTEENTH = 6  # ticks: the grid a riff note's onset is placed on
RIFF_BARS = 2
CAPTURE_BAR = 2  # 0-based: the capture takes bars 2-3 (armed in bar 1), the riff plays from 4
ARM_TICK = BAR + 24  # the capture button, pressed on beat 2 of bar 1
ARM_CC = 20  # the default CC map's arm_capture
PLAYER_CHANNEL = 0  # the player's MIDI channel (the map captures it alone)
RIFF_KEY = Key.parse("D minor")  # the pitched riffs' key (the preset's is A minor)
PRESET_KEY = Key.parse("A minor")  # techno's
RIFFS: dict[str, tuple[tuple[int, int, int], ...]] = {  # (tick in the riff, pitch, length)
    "bass": ((0, 38, 10), (18, 38, 4), (36, 41, 10), (60, 45, 6), (72, 43, 10), (96, 38, 10),
             (114, 50, 4), (132, 48, 10), (156, 45, 6), (174, 41, 12)),
    "lead": ((0, 62, 10), (12, 65, 10), (30, 69, 6), (48, 67, 20), (72, 65, 10), (96, 64, 10),
             (108, 62, 10), (126, 60, 6), (144, 57, 24), (180, 62, 8)),
    "drums": ((0, 36, 2), (24, 38, 2), (42, 36, 2), (48, 36, 2), (72, 38, 2), (84, 36, 2),
              (96, 36, 2), (120, 38, 2), (138, 36, 2), (144, 36, 2), (168, 38, 2), (186, 42, 2)),
}  # fmt: skip
RECURRENCE_MIN, IN_KEY_MIN = 0.95, 0.90


@dataclass(frozen=True)
class JamRun:
    """One role at one tempo."""

    role: str
    bpm: float
    riff_notes: int  # notes the player played
    captured_notes: int  # ... the capture took
    recurrence: tuple[float, ...]  # per bar pair after the capture
    in_key: float | None  # other tracks' pitched notes in the riff's key (None: a drum riff)
    in_preset_key: float  # ... in the preset's key (what they played before)
    during_capture: int  # our notes in the captured role while the capture ran
    silent_bars: int  # bars with no note of ours, first to last
    riff_gaps: int  # bars after the capture where the riff has notes and the role none
    key: str | None  # the riff's key as the bridge reported it
    tempo: float | None  # ... its tempo
    start_bar: int | None  # ... the song bar its first bar played at (0-based)
    underruns: int
    xruns: int  # JACK xruns during the run (JACK drops MIDI in them)
    late_ms: tuple[float, ...] = ()  # the riff's notes behind the player's grid: first, last pair
    lost: int | None = None  # events the bridge wrote that the recorder never got (xruns)
    replays: int = 0  # runs before this one that JACK's lost events spoiled

    @property
    def ok(self) -> bool:
        return (
            bool(self.recurrence)
            and min(self.recurrence) >= RECURRENCE_MIN
            and (self.in_key is None or self.in_key >= IN_KEY_MIN)
            and self.during_capture == 0
            and self.silent_bars == 0
            and self.riff_gaps == 0
            and self.start_bar == CAPTURE_BAR + RIFF_BARS
        )


@dataclass(frozen=True)
class JamResult:
    runs: tuple[JamRun, ...]

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.ok for r in self.runs)

    def summary(self) -> str:
        lines = ["role    bpm  riff/capt  recurrence per pair   in key  during  silent  gaps  "
                 "key (reported)   start  underruns  xruns  lost  late ms"]  # fmt: skip
        for r in self.runs:
            rec = " ".join(f"{x:.0%}" for x in r.recurrence)
            key = "-" if r.in_key is None else f"{r.in_key:.0%}"
            lines.append(
                f"{r.role:<7} {r.bpm:>4g}  {r.riff_notes:>4}/{r.captured_notes:<4}  {rec:<20}  "
                f"{key:>6}  {r.during_capture:>6}  {r.silent_bars:>6}  {r.riff_gaps:>4}  "
                f"{str(r.key):<16} {str(r.start_bar):>5}  {r.underruns:>9}  {r.xruns:>5}  "
                f"{str(r.lost):>4}  "
                + "/".join(f"{x:g}" for x in r.late_ms)
                + ("" if r.ok else "  MISS")
                + (f"  (run again: JACK lost events in {r.replays} run)" if r.replays else "")
            )
        lines.append(f"all met: {'yes' if self.ok else 'no'}")
        return "\n".join(lines)


def script(role: str, bpm: float, pairs: int) -> list:
    """The player's script: count-in, Start, the capture button in bar 1, the riff in bars 2-3,
    ``pairs`` bar pairs more, Stop."""
    events: list[tuple[int, int, list[int]]] = [
        (ARM_TICK, 1, [0xB0 | PLAYER_CHANNEL, ARM_CC, 127]),
        (ARM_TICK + 2, 1, [0xB0 | PLAYER_CHANNEL, ARM_CC, 0]),
    ]
    for tick, pitch, length in RIFFS[role]:
        on = CAPTURE_BAR * BAR + tick
        events += [(on, 1, [0x90 | PLAYER_CHANNEL, pitch, 100]),
                   (on + length, 0, [0x80 | PLAYER_CHANNEL, pitch, 0])]  # fmt: skip
    steps: list = [["tempo", bpm], ["clock", 24], ["send", [0xFA]]]
    at = 0  # pulses sent since Start: the next one is tick ``at``
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        if tick + 1 > at:  # right after the pulse of its tick
            steps.append(["clock", tick + 1 - at])
            at = tick + 1
        steps.append(["send", msg])
    end = (CAPTURE_BAR + RIFF_BARS + 2 * pairs) * BAR + 2
    return steps + [["clock", end - at], ["send", [0xFC]], ["clock", 8]]


def _ticks(sent: list[Stamped]):
    """Song tick at a time, from the player's pulse log (pulse i after Start is tick i)."""
    start = next(i for i, (_, m) in enumerate(sent) if m == [0xFA])
    times = np.array([t for t, m in sent[start:] if m == [0xF8]])
    per_tick = float(np.median(np.diff(times)))

    def tick_of(t: float) -> float:
        if t > times[-1]:
            return float(len(times) - 1 + (t - times[-1]) / per_tick)
        return float(np.interp(t, times, np.arange(len(times)), left=(t - times[0]) / per_tick))

    return tick_of


def measure(
    role: str, bpm: float, pairs: int, sent, heard, events, xruns: int, written: int | None = None
) -> JamRun:
    """The numbers of one run (see the module docstring)."""
    tick_of = _ticks(sent)
    exact = [(m[0] & 0x0F, tick_of(t)) for t, m in heard if m[0] & 0xF0 == 0x90 and m[2] > 0]
    ours = [(m[0] & 0x0F, m[1], round(tick_of(t) / SIXTEENTH) * SIXTEENTH)
            for t, m in heard if m[0] & 0xF0 == 0x90 and m[2] > 0]  # fmt: skip
    channel = ROLE_SPECS[role].channel
    loop = RIFF_BARS * BAR
    riff = {(p, t % loop) for t, p, _ in RIFFS[role]}
    after = (CAPTURE_BAR + RIFF_BARS) * BAR
    last_bar = CAPTURE_BAR + RIFF_BARS + 2 * pairs
    recurrence = []
    for k in range(pairs):
        start = after + k * loop
        got = {
            (p, (t - start) % loop)
            for c, p, t in ours
            if c == channel and start <= t < start + loop
        }
        recurrence.append(round(len(riff & got) / len(riff), 3))
    others = [p for c, p, t in ours if c not in (channel, 9) and after <= t < last_bar * BAR]
    in_key = _share(others, RIFF_KEY) if role != "drums" else None
    bars_heard = {t // BAR for _, _, t in ours}
    role_bars = {t // BAR for c, _, t in ours if c == channel}
    riff_bars = {t // BAR for t, _, _ in RIFFS[role]}
    told = next((e.riff for e in reversed(events) if isinstance(e, RiffChanged) and e.riff), None)
    taken = [e.result for e in events if isinstance(e, CaptureTaken)]
    return JamRun(
        role=role, bpm=bpm, riff_notes=len(RIFFS[role]),
        captured_notes=taken[-1].note_count if taken else 0,
        recurrence=tuple(recurrence), in_key=in_key, in_preset_key=_share(others, PRESET_KEY),
        during_capture=sum(1 for c, _, t in ours
                           if c == channel and CAPTURE_BAR * BAR <= t < after),
        silent_bars=sum(1 for b in range(last_bar) if b not in bars_heard),
        riff_gaps=sum(1 for b in range(CAPTURE_BAR + RIFF_BARS, last_bar)
                      if (b - CAPTURE_BAR) % RIFF_BARS in riff_bars and b not in role_bars),
        key=told.key if told else None, tempo=told.bpm if told else None,
        start_bar=told.start_bar if told else None,
        underruns=sum(1 for e in events if isinstance(e, Underrun)), xruns=xruns,
        late_ms=_lateness(exact, channel, bpm, after, last_bar * BAR),
        lost=None if written is None else written - len(heard),
    )  # fmt: skip


def _lateness(exact: list[tuple[int, float]], channel: int, bpm: float, start: int, end: int):
    """Median lateness (ms) of the riff's notes off their 16ths in the first and the last bar
    pair after the capture: how far the bridge's clock sits behind the player's pulses."""
    ms_per_tick = 60_000 / (bpm * 24)
    out = []
    for lo in (start, end - RIFF_BARS * BAR):
        hi = lo + RIFF_BARS * BAR
        offs = sorted(t - round(t / SIXTEENTH) * SIXTEENTH
                      for c, t in exact if c == channel and lo <= t < hi)  # fmt: skip
        out.append(round(offs[len(offs) // 2] * ms_per_tick, 1) if offs else 0.0)
    return tuple(out)


def _share(pitches: list[int], key: Key) -> float:
    return round(sum(p % 12 in key.pitch_classes for p in pitches) / max(len(pitches), 1), 3)


def _drain(session: BridgeSession) -> list:
    out = []
    while True:
        try:
            out.append(session.events.get_nowait())
        except queue.Empty:
            return out


def play(server: JackServer, session: BridgeSession, role: str, bpm: float, pairs: int) -> JamRun:
    """One run: the player and a recorder on ``server``, against the running ``session``."""
    _drain(session)
    tag = f"{role}{int(bpm)}x{time.monotonic_ns() % 10**6}"
    xruns = server.log_text().count("XRun")
    recorder = PeerProcess(server, f"jamrec{tag}", [["wait"]], record=True)
    player = PeerProcess(server, f"jam{tag}", script(role, bpm, pairs))
    try:
        server.connect(player.out_port, jack_port_name(IN_NAME))
        server.connect(jack_port_name(OUT_NAME), recorder.in_port)
        written = session.events_written  # (the bridge writes nothing before the Start)
        recorder.go()
        player.go()
        sent = player.result(timeout_s=120).sent
        time.sleep(0.3)  # the last notes reach the recorder
        if written is not None and session.events_written is not None:
            written = session.events_written - written
        recorder.go()
        heard = recorder.result().heard
    finally:
        player.kill()
        recorder.kill()
    xruns = server.log_text().count("XRun") - xruns
    return measure(role, bpm, pairs, sent, heard, _drain(session), xruns, written)


def play_once_more_if_lost(
    server: JackServer, session: BridgeSession, role: str, bpm: float, pairs: int
) -> JamRun:
    """:func:`play`, and once more when a run misses a target while JACK lost events the bridge
    wrote (a server that is not real-time drops a client's MIDI in a cycle it missed): the
    recording then lacks notes that were played. A second miss is the bridge's."""
    run = play(server, session, role, bpm, pairs)
    if run.ok or not run.lost:
        return run
    return replace(play(server, session, role, bpm, pairs), replays=1)


def jam(server: JackServer, roles, bpms, pairs: int, engine: str = "model") -> JamResult:
    """Every role at every tempo (a bridge per role: its CC map captures into that role)."""
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for role in roles:
            ccmap = Path(folder) / f"{role}.json"
            ccmap.write_text(json.dumps({"capture_role": role, "capture_bars": RIFF_BARS,
                                         "capture_channel": PLAYER_CHANNEL + 1}))  # fmt: skip
            config = BridgeConfig(midi_api="jack", engine=engine, preset="techno",
                                  ccmap=str(ccmap), capture_dir=folder)  # fmt: skip
            with BridgeSession(config) as session:
                runs += [play_once_more_if_lost(server, session, role, bpm, pairs) for bpm in bpms]
    return JamResult(tuple(runs))


def main(argv: list[str] | None = None) -> int:
    p = cli.parser("jam", __doc__ or "", 128)
    p.add_argument("--roles", nargs="+", default=list(RIFFS), choices=list(RIFFS))
    p.add_argument("--bpm", nargs="+", type=float, default=[90.0, 128.0, 174.0])
    p.add_argument("--pairs", type=int, default=4, help="bar pairs after the capture (default 4)")
    p.add_argument("--engine", default="model", help="bar source (default model)")
    cli.add_jack_realtime(p)

    def benchmark(args) -> int:
        server = start_server(args.period, args.jack_realtime)
        try:
            with server.selected():
                result = jam(server, args.roles, args.bpm, args.pairs, args.engine)
        finally:
            server.stop()
        return cli.report(result, args.json)

    return cli.run(p, argv, benchmark)


if __name__ == "__main__":
    raise SystemExit(main())
