"""The ``jambridge`` command: a table of subcommands, each in its own module under
``jambridge.commands``, imported only when it runs (start-up stays fast, and ``generate`` never
pays for torch or Qt).

A command module provides ``add_arguments(parser)`` and ``run(args) -> int``. Errors that are the
user's to fix print one line, ``jambridge COMMAND: error: ...``, never a traceback. Exit status:

* 0: done;
* 2: a usage error, found before any work: an option value out of its range or options that do
  not go together -- argparse's own checks (option types in :mod:`jambridge.commands.arg_types`)
  and :class:`~jambridge.errors.UsageError` from a command alike;
* 1: a run-time error: a file that is missing or unreadable, a bad preset or model file, a port,
  the disk (:class:`~jambridge.errors.JamBridgeError`, or an ``OSError`` a command did not turn
  into one);
* 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from jambridge import __version__
from jambridge.errors import JamBridgeError, UsageError

# name -> (module, one-line help). Order is the order of `jambridge --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("jambridge.commands.generate", "write a multi-track techno idea to a .mid file"),
    "bridge": ("jambridge.commands.bridge", "play generated parts live into the DAW, clock-locked"),
    "app": ("jambridge.commands.app", "open the desktop app"),
    "ports": ("jambridge.commands.ports", "list MIDI APIs and ports"),
    "tokenize": ("jambridge.commands.tokenize", "show how the model hears a MIDI file"),
    "data": ("jambridge.commands.data", "build a training dataset from MIDI folders"),
    "train": ("jambridge.commands.train", "train a model on a built dataset"),
    "export": ("jambridge.commands.export", "export a checkpoint to ONNX and validate it"),
    "bench": ("jambridge.commands.bench", "measure inference speed"),
    "eval": ("jambridge.commands.eval", "score generated music against real music"),
}


def _chosen_command(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """The parser, with the options of the command named in ``argv`` (only that one's module
    is imported)."""
    parser = argparse.ArgumentParser(
        prog="jambridge",
        description="JamBridge: a small music transformer that jams techno parts into your DAW.",
    )
    parser.add_argument("--version", action="version", version=f"jambridge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = _chosen_command(argv)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            importlib.import_module(module).add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``jambridge ARGV``; return the exit status (0 ok, 1 error, 2 usage, 130 Ctrl-C)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        return int(module.run(args) or 0)
    except UsageError as err:
        print(f"jambridge {args.command}: error: {err}", file=sys.stderr)
        return 2
    except JamBridgeError as err:
        print(f"jambridge {args.command}: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # the disk or the OS said no (full disk, permissions): still one line
        where = f" ({err.filename})" if err.filename else ""
        print(f"jambridge {args.command}: error: {err.strerror or err}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"jambridge {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
