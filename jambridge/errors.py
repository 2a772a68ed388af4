"""The package's exceptions: one base class, a few subclasses named after where things go wrong.

Every error a user can cause (a bad file, a bad preset, a missing port) is one of these, with a
message that says what is wrong and what to do. The CLI prints ``str(err)`` on one line and exits
non-zero; it never shows a traceback for these. :func:`lookup` reads a row of a table by name,
with the error that names the table's keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


class JamBridgeError(Exception):
    """Base class of every error JamBridge raises on purpose."""


class DataError(JamBridgeError):
    """A MIDI file or dataset cannot be read or used (corrupt, empty, unsupported)."""


class TokenizerError(JamBridgeError):
    """A token sequence does not follow the grammar, or a vocabulary does not match."""


class ModelError(JamBridgeError):
    """A model file is missing, corrupt, or does not match the tokenizer."""


class EngineError(JamBridgeError):
    """Inference failed at run time."""


class PresetError(JamBridgeError):
    """A preset file is missing or invalid; the message names the bad field."""


class PortError(JamBridgeError):
    """A MIDI port cannot be opened, or vanished."""


class UsageError(JamBridgeError):
    """Command-line options that cannot work: a value out of its range, options that do not go
    together. The CLI exits 2 for it, as argparse does for its own checks."""


def lookup(table: Mapping[str, T], name: str, what: str) -> T:
    """The row of ``table`` named ``name``.

    Raises:
        DataError: there is none; the message names ``what`` and the table's keys.
    """
    row = table.get(name)
    if row is None:
        raise DataError(f"{what} must be one of {', '.join(table)}, got {name!r}")
    return row
