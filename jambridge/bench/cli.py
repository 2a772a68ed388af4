"""The command line the JACK benchmarks share (timing, soak, attack): their parser,
:func:`run`, which checks that the JACK tools are there first, and :func:`report`. Not run on
its own."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, ClassVar, Protocol

from jambridge.bench.jack import bench_tools_missing
from jambridge.errors import JamBridgeError


def parser(module: str, doc: str, period: int) -> argparse.ArgumentParser:
    """``python -m jambridge.bench.MODULE``'s parser (its description: ``doc``'s first line),
    with ``--period`` (frames per JACK cycle; default ``period``)."""
    p = argparse.ArgumentParser(
        prog=f"python -m jambridge.bench.{module}", description=doc.splitlines()[0]
    )
    p.add_argument(
        "--period", type=int, default=period, help=f"JACK period in frames (default {period})"
    )
    return p


def add_jack_realtime(p: argparse.ArgumentParser) -> None:
    """``--jack-realtime``: whether jackd runs its cycles with real-time scheduling."""
    p.add_argument("--jack-realtime", choices=("auto", "on", "off"), default="off",
                   help="jackd real-time scheduling (default off: on a small machine a "
                   "real-time jackd shares its cores with the bridge and xruns more; "
                   "auto: if allowed)")  # fmt: skip


def run(
    p: argparse.ArgumentParser,
    argv: list[str] | None,
    benchmark: Callable[[argparse.Namespace], int],
) -> int:
    """Add ``--json``, parse ``argv`` and run ``benchmark``; exit code 2 (and what is missing)
    when the JACK tools are not installed, 1 (and the message) when it raises a JamBridgeError
    (a server that did not answer, an app that did not start)."""
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = p.parse_args(argv)
    missing = bench_tools_missing()
    if missing:
        print(missing)
        return 2
    try:
        return benchmark(args)
    except JamBridgeError as err:  # a server or app that failed: one line, not a traceback
        print(f"{p.prog}: {err}", file=sys.stderr)
        return 1


class Result(Protocol):
    """A benchmark's result: a dataclass with a verdict and a one-line summary."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def ok(self) -> bool: ...

    def summary(self) -> str: ...


def report(result: Result, as_json: bool) -> int:
    """Print ``result``'s summary and, with ``as_json``, its fields and ``ok`` as one JSON line;
    the exit code (0: ok, 1: not)."""
    print(result.summary())
    if as_json:
        print(json.dumps({**asdict(result), "ok": result.ok}))
    return 0 if result.ok else 1
