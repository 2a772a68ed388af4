"""``jambridge app``: open the desktop app (PyQt6)."""

from __future__ import annotations

import argparse

MIDI_APIS = ("auto", "alsa", "jack", "coremidi", "winmm")
LIVE_ENGINES = ("auto", "model", "procedural", "pattern")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default="techno", help="preset to start with (default: techno)")
    p.add_argument(
        "--in",
        dest="in_port",
        metavar="NAME",
        help="input port to pick (clock and keyboard; default: the virtual 'JamBridge In')",
    )
    p.add_argument(
        "--out",
        dest="out_port",
        metavar="NAME",
        help="output port to pick (default: the virtual 'JamBridge Out'; Windows: loopMIDI's)",
    )
    p.add_argument(
        "--midi-api",
        choices=MIDI_APIS,
        default="auto",
        help="MIDI API for the live bridge (default: auto)",
    )
    p.add_argument(
        "--engine",
        choices=LIVE_ENGINES,
        default="auto",
        help="what plays live: auto (the shipped model when installed, else the procedural "
        "generator; default), model, procedural, or a test pattern for checking routing",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the live generator (default 0)")
    p.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="send notes this many ms early to make up for the DAW's input latency",
    )


def run(args: argparse.Namespace) -> int:
    try:
        from jambridge.ui.app import main
        from jambridge.ui.session_adapter import LiveSettings
    except ImportError as err:  # PyQt6 or its system libraries missing
        from jambridge.errors import JamBridgeError

        raise JamBridgeError(
            f"the desktop app cannot start: {err} (install PyQt6; on Linux also libegl1, "
            "libxkbcommon-x11-0, libxcb-cursor0)"
        ) from err
    options = LiveSettings(
        preset=args.preset,
        in_port=args.in_port,
        out_port=args.out_port,
        midi_api=args.midi_api,
        engine=args.engine,
        seed=args.seed,
        latency_ms=args.latency_ms,
    )
    return main(options, args.preset)
