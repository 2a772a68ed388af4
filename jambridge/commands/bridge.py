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

from jambridge.commands.live_args import add_live_arguments, options_from_args
from jambridge.errors import JamBridgeError, UsageError
from jambridge.live_options import LiveOptions


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_live_arguments(p, "bridge")
    p.add_argument(
        "--duration",
        type=float,
        metavar="SECONDS",
        help="stop after this many seconds (default: run until Ctrl-C)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no status line")


def status_line(s) -> str:
    """One line: sync state, BPM, bar:beat, generation ms, underruns, lateness."""
    bpm = f"{s.bpm:6.1f} BPM" if s.bpm is not None else "  --   BPM"
    gen = f"{s.gen_ms_last:6.1f} ms" if s.gen_ms_last is not None else "    -- ms"
    return (
        f"[{s.sync:^9}] {bpm}  bar {s.bar:4d}:{s.beat}  gen {gen} (max "
        f"{(s.gen_ms_max or 0):.0f})  underruns {s.underruns}  late p99 {s.late_p99_ms:.2f} ms"
        f"{'  (clock wanders: following its pulses)' if s.follows_pulses else ''}"
        f"{'' if s.generator_ok else '  GENERATOR/PORT ERROR'}"
        f"{f'  ({s.clock})' if s.clock.startswith('link') else ''}"
    )


def run(args: argparse.Namespace) -> int:
    from jambridge.bridge.events import CaptureSaved, LogLine, TransportChanged
    from jambridge.bridge.session import BridgeSession

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
            where = "" if event.tick is None else f" at tick {event.tick}"
            say(f"transport: {event.kind}{where}")
        elif isinstance(event, LogLine) and event.level == "info":
            say(event.text)

    options = _options(args)
    options, note = options.resolved()  # engine auto: loads the model to see that it can play
    if note:
        logging.getLogger("jambridge.bridge").warning(note)
    config = options.to_bridge_config()
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Ctrl-C stops, also when a launcher left SIGINT ignored (a shell script's background job,
    # nohup): Python then installs no handler of its own and SIGINT would do nothing
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    session = BridgeSession(config, on_event=on_event)
    try:
        session.start()
        say(
            f"JamBridge on {session.api}: out {session.out_name!r}, in {session.in_name!r}; "
            f"{config.engine} engine, preset {config.preset}, clock {config.clock}. Ctrl-C stops."
        )
        if config.clock == "internal":
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
        signal.signal(signal.SIGINT, previous_int)
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


def _options(args: argparse.Namespace) -> LiveOptions:
    """The command line's LiveOptions, checked before any work: a value out of range or two roles
    on one channel is a usage error; a bad preset (read for --channel) a run-time one."""
    options = options_from_args(args)
    if not options.channels:
        return options
    from jambridge.preset import load_preset

    preset = load_preset(options.preset)
    try:
        return options.with_preset_channels(preset)
    except JamBridgeError as err:
        raise UsageError(str(err)) from None
