"""``jambridge bridge``: play generated parts live into the DAW, locked to its MIDI clock.

Headless: opens "JamBridge Out" / "JamBridge In" (or the ports named with --out/--in), follows
the DAW's clock (or is the master with --clock internal), and shows a live status line: sync
state, BPM, bar:beat, generation ms per bar, underruns. Ctrl-C or SIGTERM stops it cleanly:
every sounding note ends (note-off, then All Notes Off) before the ports close.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time

from jambridge.commands.live_args import add_live_arguments
from jambridge.errors import JamBridgeError, UsageError
from jambridge.music import ROLES


def _channel(text: str) -> tuple[str, int]:
    role, _, number = text.partition("=")
    if role not in ROLES or not number.isdigit() or not 1 <= int(number) <= 16:
        raise argparse.ArgumentTypeError(
            f"--channel takes ROLE=N with ROLE one of {', '.join(ROLES)} and N in 1..16, "
            f"got {text!r}"
        )
    return role, int(number) - 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_live_arguments(
        p,
        ("model", "procedural", "pattern"),
        "bar source: the shipped model (default), the rule-based generator, or "
        "a fixed test pattern for checking routing and latency",
    )
    p.add_argument(
        "--clock",
        default="external",
        choices=("external", "internal"),
        help="follow the DAW's MIDI clock (default) or be the master",
    )
    p.add_argument("--bpm", type=float, help="tempo with --clock internal (default: preset's)")
    p.add_argument("--model", metavar="MODEL.onnx", help="use this model instead of the default")
    p.add_argument(
        "--channel",
        type=_channel,
        action="append",
        default=[],
        metavar="ROLE=N",
        help="MIDI channel 1..16 of a role (repeatable; default: the preset's, "
        "drums 10, bass 2, chords 3, lead 4)",
    )
    p.add_argument(
        "--ccmap",
        metavar="FILE.json",
        help="controller map (default: CC 20 arm capture, 21 retro capture, 22-25 "
        "regenerate, 26-29 mute, 102-105 temperature, 106-109 density)",
    )
    p.add_argument(
        "--capture-dir",
        metavar="DIR",
        help="where captured riffs go (default: the platform data folder)",
    )
    p.add_argument(
        "--no-realtime",
        action="store_true",
        help="do not ask for real-time scheduling of the timing thread",
    )
    p.add_argument(
        "--duration",
        type=float,
        metavar="SECONDS",
        help="stop after this many seconds (default: run until Ctrl-C)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no status line")  # fmt: skip


def status_line(s) -> str:
    """One line: sync state, BPM, bar:beat, generation ms, underruns, lateness."""
    bpm = f"{s.bpm:6.1f} BPM" if s.bpm is not None else "  --   BPM"
    gen = f"{s.gen_ms_last:6.1f} ms" if s.gen_ms_last is not None else "    -- ms"
    return (
        f"[{s.sync:^9}] {bpm}  bar {s.bar:4d}:{s.beat}  gen {gen} (max "
        f"{(s.gen_ms_max or 0):.0f})  underruns {s.underruns}  late p99 {s.late_p99_ms:.2f} ms"
        f"{'  (clock wanders: following its pulses)' if s.follows_pulses else ''}"
        f"{'' if s.generator_ok else '  GENERATOR/PORT ERROR'}"
    )


def run(args: argparse.Namespace) -> int:
    from jambridge.bridge.events import CaptureSaved, LogLine, TransportChanged
    from jambridge.bridge.session import BridgeConfig, BridgeSession

    tty = sys.stdout.isatty() and not args.quiet
    logging.basicConfig(level=logging.WARNING, format="jambridge bridge: %(message)s")
    lock = threading.Lock()  # one writer at a time on the terminal

    def say(text: str) -> None:
        with lock:
            print(("\r\033[K" if tty else "") + text, flush=True)

    def on_event(event) -> None:  # called in the session's dispatcher thread
        if isinstance(event, CaptureSaved):
            say(f"captured {len(event.result.bars)} bar(s) into {event.result.role}: {event.path}")
        elif isinstance(event, TransportChanged) and event.kind != "locate":
            say(f"transport: {event.kind} at tick {event.tick}")
        elif isinstance(event, LogLine) and event.level == "info":
            say(event.text)

    channels = _channels(args)  # reads the preset: a bad one is a run-time error
    try:
        config = BridgeConfig(
            midi_api=args.midi_api,
            in_port=args.in_port,
            out_port=args.out_port,
            clock=args.clock,
            bpm=args.bpm,
            preset=args.preset,
            engine=args.engine,
            model=args.model,
            seed=args.seed,
            latency_ms=args.latency_ms,
            channels=channels,
            ccmap=args.ccmap,
            capture_dir=args.capture_dir,
            rt_priority=0 if args.no_realtime else BridgeConfig.rt_priority,
        )
    except JamBridgeError as err:  # an option value out of range, or two roles on a channel
        raise UsageError(str(err)) from None
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    session = BridgeSession(config, on_event=on_event)
    try:
        session.start()
        say(
            f"JamBridge on {session.api}: out {session.out_name!r}, in {session.in_name!r}; "
            f"{args.engine} engine, preset {args.preset}, clock {args.clock}. Ctrl-C stops."
        )
        if args.clock == "internal":
            session.play()
        end = time.monotonic() + args.duration if args.duration else None
        while not stop.is_set() and (end is None or time.monotonic() < end):
            stop.wait(0.1 if tty else 2.0)
            if not args.quiet:
                line = status_line(session.status())
                with lock:
                    print(("\r\033[K" + line) if tty else line, end="" if tty else "\n", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        session.stop()
        status = session.status() if session.scheduler is not None else None
        if tty:
            print()
    if status is not None:
        print(
            f"stopped: {status.notes_on} notes played, {status.open_notes} left sounding, "
            f"{status.underruns} underruns, scheduling late p99 "
            f"{status.late_p99_ms:.2f} ms"
        )
    return 0


def _channels(args: argparse.Namespace) -> dict[str, int] | None:
    if not args.channel:
        return None
    from jambridge.preset import load_preset

    preset = load_preset(args.preset)
    channels = {r: preset.tracks[r].channel - 1 for r in ROLES}
    channels.update(dict(args.channel))
    return channels
