"""The command line the ``python -m jambridge.evaluation.*_check`` scripts share: the parser,
and :func:`run`, which adds ``--seed``, ``--model`` and ``--json`` and prints the numbers as one
JSON line after the check's tables. Not run on its own."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any


def parser(module: str) -> argparse.ArgumentParser:
    """``python -m jambridge.evaluation.MODULE``'s parser; the check adds its own options."""
    return argparse.ArgumentParser(prog=f"python -m jambridge.evaluation.{module}")


def run(
    p: argparse.ArgumentParser,
    argv: list[str] | None,
    check: Callable[[argparse.Namespace], dict[str, Any]],
) -> int:
    """Add ``--seed``, ``--model`` and ``--json``, parse ``argv`` and run ``check`` (it prints
    its tables and returns its numbers); with ``--json`` the numbers follow as one JSON line.
    Returns the exit code, 0."""
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--model", default=None, help="ONNX model (default: the shipped one)")
    p.add_argument("--json", action="store_true", help="also print the numbers as one JSON line")
    args = p.parse_args(argv)
    out = check(args)
    if args.json:
        print(json.dumps(out))
    return 0
