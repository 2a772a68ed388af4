"""Reading a file the user named, safely: only a regular file, and never more than a cap.

A FIFO, a device or a socket given where a file belongs would block a plain ``read_bytes()``
forever (or stream without end); a multi-gigabyte file would be read into memory whole. So the
path is checked with ``stat`` first, opened non-blocking (a FIFO swapped in after the check
cannot block the open), checked again on the open descriptor, and read up to the cap.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from jambridge.errors import DataError, JamBridgeError

_KINDS = (  # (stat test, what to call it in a message)
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def size_text(n: int) -> str:
    """``16 MB``, ``512 kB``, ``12 bytes``: a size for a message (decimal units)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


def _check_mode(path: Path, mode: int, what: str, error: type[JamBridgeError]) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    raise error(f"{path}: cannot read the file: it is {kind}, not {what}")


def check_regular(
    path: str | os.PathLike[str], what: str = "the file", error: type[JamBridgeError] = DataError
) -> None:
    """``error`` unless ``path`` is an existing regular file (for readers that open it
    themselves, like ``torch.load``; a FIFO would block them)."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise error(f"{path}: cannot read the file: it does not exist") from None
    except OSError as err:
        raise error(f"{path}: cannot read the file ({err.strerror or err})") from None
    _check_mode(path, mode, what, error)


def read_capped(
    path: str | os.PathLike[str],
    max_bytes: int,
    what: str = "the file",
    error: type[JamBridgeError] = DataError,
) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them.

    Args:
        what: names the file's role in messages ("a MIDI file", "the CC map").
        error: the JamBridgeError subclass raised.

    Raises:
        error: the file is missing, unreadable, not a regular file, or larger than the cap;
            the message names the path and says which.
    """
    path = Path(path)
    try:
        _check_mode(path, os.stat(path).st_mode, what, error)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise error(f"{path}: cannot read the file: it does not exist") from None
    except OSError as err:
        raise error(f"{path}: cannot read the file ({err.strerror or err})") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        _check_mode(path, info.st_mode, what, error)  # swapped between stat and open
        if info.st_size > max_bytes:
            raise error(
                f"{path}: {size_text(info.st_size)} is more than the {size_text(max_bytes)} "
                f"{what} may have"
            )
        try:
            data = f.read(max_bytes + 1)
        except OSError as err:
            raise error(f"{path}: cannot read the file ({err.strerror or err})") from None
    if len(data) > max_bytes:  # it grew after the check
        raise error(f"{path}: more than the {size_text(max_bytes)} {what} may have")
    return data
