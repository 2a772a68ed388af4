"""The options `jambridge bridge` and `jambridge app` share: ports, MIDI API, what plays, seed,
latency, preset. One definition, so the two commands read the same way and cannot drift."""

from __future__ import annotations

import argparse

MIDI_APIS = ("auto", "alsa", "jack", "coremidi", "winmm")


def add_live_arguments(
    p: argparse.ArgumentParser, engines: tuple[str, ...], engine_help: str
) -> None:
    """Add --in/--out/--midi-api/--engine/--preset/--seed/--latency-ms; the first of
    ``engines`` is the default engine."""
    p.add_argument(
        "--in",
        dest="in_port",
        metavar="NAME",
        help="connect to this existing input port (clock and keyboard) instead of opening the "
        "virtual 'JamBridge In'",
    )
    p.add_argument(
        "--out",
        dest="out_port",
        metavar="NAME",
        help="connect to this existing output port instead of opening the virtual "
        "'JamBridge Out' (Windows has no virtual ports: name a loopMIDI port)",
    )
    p.add_argument(
        "--midi-api",
        default="auto",
        choices=MIDI_APIS,
        help="MIDI API (default auto: JACK if a server runs, else ALSA; CoreMIDI; Windows MM)",
    )
    p.add_argument("--engine", default=engines[0], choices=engines, help=engine_help)
    p.add_argument("--preset", default="techno", help="preset name or JSON file (default techno)")
    p.add_argument("--seed", type=int, default=0, help="generation seed (default 0)")
    p.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="send notes this many ms early to cancel output latency (negative: late), -500..500",
    )
