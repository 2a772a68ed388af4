"""``jambridge app``: open the desktop app (PyQt6)."""

from __future__ import annotations

import argparse

from jambridge.commands.live_args import add_live_arguments, options_from_args


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_live_arguments(p, "app")


def run(args: argparse.Namespace) -> int:
    options = options_from_args(args)  # a value out of range: a usage error, before Qt loads
    try:
        from jambridge.ui.app import main
    except ImportError as err:  # PyQt6 or its system libraries missing
        from jambridge.errors import JamBridgeError

        raise JamBridgeError(
            f"the desktop app cannot start: {err} (install PyQt6; on Linux also libegl1, "
            "libxkbcommon-x11-0, libxcb-cursor0)"
        ) from err
    return main(options, options.preset)
