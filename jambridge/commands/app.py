"""``jambridge app``: open the desktop app (PyQt6)."""

from __future__ import annotations

import argparse

from jambridge.commands.live_args import add_live_arguments


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_live_arguments(
        p,
        ("auto", "model", "procedural", "pattern"),
        "what plays live: auto (the shipped model when installed, else the procedural "
        "generator; default), model, procedural, or a test pattern for checking routing",
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
